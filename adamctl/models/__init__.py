"""Models: the presets and the ``layers`` list, losses and metrics by name.

Importing this package does not import Keras; building a model does.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from adamctl.errors import ConfigError
from adamctl.models.names import accepted_without_keras

if TYPE_CHECKING:
    import keras

    from adamctl.config.schema import ModelConfig

__all__ = [
    "build_model",
    "check_model_config",
    "check_model_names",
    "outputs_logits",
    "resolve_loss",
    "resolve_metrics",
    "targets_mismatch",
]

# Losses whose Keras class takes from_logits: the presets output logits.
_LOGIT_LOSSES = {
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "binary_crossentropy": "BinaryCrossentropy",
}


def build_model(config: ModelConfig, *, input_shape: tuple[int, ...], task: str,
                num_classes: int | None, seed: int | None = None, file: Path | str | None = None,
                num_outputs: int | None = None) -> keras.Sequential:
    """An uncompiled ``keras.Sequential`` for ``config`` (a ModelConfig).

    Initial weights are deterministic once ``keras.utils.set_random_seed``
    has been called. Classification models output ``num_classes`` logits,
    regression models ``num_outputs`` values (default 1: one target column).
    """
    import keras

    outputs = num_classes if task == "classification" else (num_outputs or 1)
    if config.layers is not None:
        from adamctl.models.layers import build_layers

        layers = build_layers(config.layers, file=file)
    else:
        from adamctl.models.presets import preset_layers

        layers = preset_layers(config, input_shape=input_shape, outputs=outputs)
    try:
        model = keras.Sequential([keras.Input(tuple(input_shape)), *layers],
                                 name=f"{config.preset or 'layers'}")
    except Exception as error:  # layers that build alone but do not fit what they are given:
        # a ValueError for a shape, TensorFlow's InvalidArgumentError for a dtype its
        # initializers cannot fill (dtype: int32), ResourceExhaustedError for a size.
        if config.layers is None:
            raise
        from adamctl.models.layers import stacking_error

        raise stacking_error(config.layers, tuple(input_shape), error, file=file) from None
    _check_outputs(model, outputs, config, file)
    return model


def _check_outputs(model: keras.Model, outputs: int, config: ModelConfig,
                   file: Path | str | None) -> None:
    width = model.output_shape[-1]
    if width != outputs:
        key = f"model.layers[{len(config.layers) - 1}]" if config.layers is not None else "model.preset"
        raise ConfigError(f"the model outputs {width} values per example but the task needs "
                          f"{outputs}", file=file, key_path=key)


def outputs_logits(model: keras.Model) -> bool:
    """Whether the last layer is linear (the presets' logits), not softmax or sigmoid."""
    activation = getattr(model.layers[-1], "activation", None)
    return activation is None or getattr(activation, "__name__", "") == "linear"


def resolve_loss(name: str, task: str, *, logits: bool = True) -> Any:
    """The Keras loss for ``name``; cross-entropies are told whether they receive logits."""
    import keras

    if name in _LOGIT_LOSSES:
        return getattr(keras.losses, _LOGIT_LOSSES[name])(from_logits=logits)
    return keras.losses.get(name)


def resolve_metrics(names: Sequence[str]) -> list[Any]:
    """Metric names as Keras takes them in ``compile``."""
    return list(names)


def check_model_names(model: ModelConfig, *, file: Path | str | None = None) -> None:
    """Check a ModelConfig's names, importing Keras only for names it must judge.

    Raises:
        ConfigError: a layer, loss, metric or activation Keras does not know.
    """
    if not accepted_without_keras(model):
        check_model_config(model, file=file)


def check_model_config(config: ModelConfig, *, file: Path | str | None = None) -> None:
    """Check the names Keras must judge: layers, loss, metrics, activation."""
    import keras

    if config.layers is not None:
        from adamctl.models.layers import build_layers

        build_layers(config.layers, file=file)
    _check_name("model.loss", config.loss, keras.losses.get, dir(keras.losses), file)
    for index, metric in enumerate(config.metrics or ()):
        _check_name(f"model.metrics[{index}]", metric, keras.metrics.get, dir(keras.metrics), file)
    _check_name("model.activation", config.activation, keras.activations.get,
                dir(keras.activations), file)


def _check_name(key: str, name: str, getter: Any, known: list[str], file: Any) -> None:
    try:
        getter(name)
    except (ValueError, TypeError):
        close = difflib.get_close_matches(str(name), [n for n in known if not n.startswith("_")], n=1)
        raise ConfigError("is not a name Keras knows", file=file, key_path=key, value=name,
                          suggestion=close[0] if close else None) from None


def targets_mismatch(model: Any, config: Any, sample: tuple[Any, Any, Any], error: Exception, *,
                     file: Any = None) -> ConfigError:
    """The error for a loss or metric Keras cannot apply to ``model``'s outputs and the targets.

    Keras knows ``mse`` or ``auc`` by name but refuses them only when it first
    traces them against a batch: integer class ids against one logit per
    class do not fit them. ``model`` is compiled and its trace on ``sample``
    (x, y, None) raised ``error``. The loss is traced alone, then with each
    metric in turn, to tell which key is at fault.
    """
    key, name = "model.loss", config.loss
    if _traces(model, sample, []):
        for index, metric in enumerate(config.metrics or ()):
            if not _traces(model, sample, [metric]):
                key, name = f"model.metrics[{index}]", metric
                break
    target = tuple(sample[1].shape[1:])
    cause = " ".join(str(error).split())[:200]
    return ConfigError(
        f"Keras cannot apply it to this model's outputs, shape {tuple(model.output_shape)}, "
        f"and the targets, shape {(None, *target)} ({cause})", file=file, key_path=key, value=name)


def _traces(model: Any, sample: tuple[Any, Any, Any], metrics: list[str]) -> bool:
    """Whether ``model``, compiled with its loss and ``metrics``, traces on ``sample``."""
    model.compile(optimizer=model.optimizer, loss=model.loss, metrics=metrics)
    try:
        model._symbolic_build(data_batch=sample)
    except ValueError:
        return False
    return True
