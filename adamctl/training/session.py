"""Build everything a run needs (backend, data, model, Adam) before touching disk.

`prepare` does all the work that can fail on bad input: the backend, the
dataset, the model and the optimizer are built here, so that a config error
ends the command before any run directory exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adamctl.config.schema import Config
from adamctl.errors import ConfigError, InvalidArgument
from adamctl.training.backend import gpu_available, select_backend

if TYPE_CHECKING:
    import keras

    from adamctl.data import Dataset

__all__ = ["Session", "prepare"]


@dataclass
class Session:
    """A compiled model, its data and its config, ready to train.

    Attributes:
        config: the resolved config.
        dataset: an :class:`adamctl.data.Dataset`.
        model: the compiled ``keras.Model``; ``model.optimizer`` is built.
        deterministic: whether deterministic ops are on.
        on_gpu: whether the backend trains on a GPU.
    """

    config: Config
    dataset: Dataset
    model: keras.Model
    deterministic: bool
    on_gpu: bool

    @property
    def optimizer(self) -> keras.optimizers.Optimizer:
        return self.model.optimizer


def prepare(config: Config, *, file: str | Path | None = None) -> Session:
    """Select the backend, seed everything, load the data, build and compile the model.

    Raises:
        ConfigError: anything in the config that cannot be built.
    """
    early = config.data.source in _LOADED_BEFORE_BACKEND
    dataset = _load_dataset(config, file=file) if early else None
    select_backend(config.backend, config.device, file=file)
    import keras

    on_gpu = config.device != "cpu" and gpu_available()
    deterministic = _seed_everything(config, on_gpu=on_gpu)
    keras.config.set_dtype_policy(config.training.mixed_precision or "float32")
    if dataset is None:
        dataset = _load_dataset(config, file=file)
    try:
        model = _build_model(config, dataset, file=file)
    except ConfigError as error:
        raise error.with_file(file) from None
    optimizer = _build_optimizer(config, file=file)
    _compile(model, optimizer, config, dataset, file=file)
    return Session(config, dataset, model, deterministic, on_gpu)


# Sources loaded with NumPy, pandas' csv reader or scikit-learn only, and
# seeded explicitly (never from the global RNG that the backend seeding
# resets): loading them first makes a data error (a misspelt csv target)
# answer at once, not after the seconds the backend import takes. Keras's
# datasets need Keras, and parquet's pyarrow is kept after TensorFlow, the
# import order both are tested in.
_LOADED_BEFORE_BACKEND = ("synthetic", "digits", "csv", "npz")


def _load_dataset(config: Config, *, file: str | Path | None) -> Dataset:
    from adamctl.data import load_dataset

    try:
        return load_dataset(config.data, seed=config.seed)
    except ConfigError as error:
        raise error.with_file(file) from None


def _seed_everything(config: Config, *, on_gpu: bool) -> bool:
    """Seed Python, NumPy and the backend; turn on deterministic ops when asked.

    ``training.deterministic: null`` means deterministic on CPU, where it
    costs little, and not on GPU, where it can cost a lot.
    """
    import keras

    keras.utils.set_random_seed(config.seed)
    deterministic = config.training.deterministic
    if deterministic is None:
        deterministic = not on_gpu
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    return bool(deterministic)


def _build_model(config: Config, dataset: Dataset, *, file: str | Path | None) -> keras.Model:
    from adamctl.models import build_model, check_model_config

    check_model_config(config.model, file=file)
    return build_model(
        config.model,
        input_shape=dataset.input_shape,
        task=dataset.task,
        num_classes=dataset.num_classes,
        seed=config.seed,
        file=file,
        # Regression on several target columns needs as many outputs; with
        # one output Keras would broadcast (n, 1) against (n, k) silently.
        num_outputs=dataset.y_train.shape[1] if dataset.y_train.ndim == 2 else 1,
    )


def _build_optimizer(config: Config, *, file: str | Path | None) -> keras.optimizers.Optimizer:
    from adamctl.core import build_optimizer

    try:
        return build_optimizer(dict(config.optimizer))
    except InvalidArgument as error:
        raise ConfigError.from_invalid(error, file=file, prefix="optimizer") from error


def _compile(model: keras.Model, optimizer: keras.optimizers.Optimizer, config: Config,
             dataset: Dataset, *, file: str | Path | None) -> None:
    from adamctl.models import outputs_logits, resolve_loss, resolve_metrics, targets_mismatch

    model.compile(
        optimizer=optimizer,
        loss=resolve_loss(config.model.loss, dataset.task, logits=outputs_logits(model)),
        metrics=resolve_metrics(list(config.model.metrics or ())),
    )
    sample = (dataset.x_train[:config.data.batch_size], dataset.y_train[:config.data.batch_size],
              None)
    try:
        _build_all_state(model, sample)
    except ValueError as error:  # a loss or metric that does not fit the outputs and targets
        raise targets_mismatch(model, config.model, sample, error, file=file) from None


def _build_all_state(model: keras.Model, sample: tuple[Any, Any, Any]) -> None:
    """Create every variable now: the model's, the metrics' and the optimizer's slots.

    Keras creates them lazily on the first step; a checkpoint's state must be
    loaded into them before it, and loading into an optimizer that is not
    built is the silent no-op of keras issue 19389. ``_symbolic_build`` is
    what ``fit`` and ``train_on_batch`` call for this; it traces shapes only
    (no step is taken, no random state is drawn).
    """
    model._symbolic_build(data_batch=sample)
