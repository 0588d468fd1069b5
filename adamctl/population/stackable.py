"""Which populations the stacked engine can train: a check of the built model and the configs.

The stacked engine (:mod:`adamctl.population.stacked`) writes out each
member's step in a handful of ops that it has been checked to compute
exactly as Keras does (matrix products and transcendental functions per
member, everything elementwise stacked). It knows MLPs of ``Dense`` and
``Flatten`` layers in float32 trained on sparse labels with
cross-entropy from logits, the ``accuracy`` metric, and Adam with any
numbers for its settings but without clipping, EMA, gradient accumulation
or loss scaling. What a member's hooks add (diagnostics, max_time,
TensorBoard and MLflow) reads the member's synced model or only its logs,
so it works here as in a separate run. Anything else is no error: the
population then trains on the replicated engine, which runs each member's
own Keras step.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    import keras

__all__ = ["why_not_stacked", "ELEMENTWISE_ACTIVATIONS", "METRIC_PATHS"]

# Activations computed exactly elementwise by one stacked op (no packet/scalar
# difference): the rest are applied per member, each on its own slice.
ELEMENTWISE_ACTIVATIONS = ("linear", "relu")

# The compiled metrics' variables the engine keeps, by model.metrics_variables paths.
METRIC_PATHS = (("loss/total", "loss/count"),
                ("loss/total", "loss/count", "accuracy/total", "accuracy/count"))

# Adam arguments that must be off (their value in normalize_spec's defaults).
_OFF = {"clipnorm": None, "clipvalue": None, "global_clipnorm": None, "use_ema": False,
        "loss_scale_factor": None, "gradient_accumulation_steps": None}
# Adam arguments that may differ between members only in value.
_FREE = ("learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad", "weight_decay", "name")


def why_not_stacked(model: keras.Model, configs: Sequence[Mapping[str, Any]]) -> str | None:
    """None when the stacked engine can train these members of ``model``; else why not."""
    return (_model_problem(model) or _config_problem(configs[0])
            or _optimizer_problem([c["optimizer"] for c in configs]))


def _model_problem(model: keras.Model) -> str | None:
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Flatten):
            continue
        if not isinstance(layer, keras.layers.Dense):
            return f"layer {layer.name} ({type(layer).__name__}) is not Dense or Flatten"
        if len(layer.input.shape) != 2:
            return f"layer {layer.name} takes inputs of rank {len(layer.input.shape)}"
        extras = [name for name in ("kernel_regularizer", "bias_regularizer",
                                    "activity_regularizer", "kernel_constraint",
                                    "bias_constraint") if getattr(layer, name, None) is not None]
        if extras or getattr(layer, "lora_enabled", False) or layer.quantization_mode:
            return f"layer {layer.name} has {', '.join(extras) or 'lora or quantization'}"
    if any(v.dtype != "float32" for v in model.variables):
        return "the model has variables that are not float32"
    if len(model.trainable_variables) != len(model.variables):
        return "the model has non-trainable variables"
    paths = tuple(v.path for v in model.metrics_variables)
    if paths not in METRIC_PATHS:
        return f"metrics {paths} (the stacked engine keeps loss and accuracy)"
    return None


def _config_problem(config: Mapping[str, Any]) -> str | None:
    model, training = config["model"], config["training"]
    task = config["data"]["task"]
    if model["loss"] != "sparse_categorical_crossentropy" or task != "classification":
        return f"loss {model['loss']} (the stacked engine trains sparse cross-entropy)"
    if training.get("mixed_precision"):
        return "mixed precision"
    return None


def _optimizer_problem(specs: Sequence[Mapping[str, Any]]) -> str | None:
    from adamctl.core.spec import normalize_spec

    normalized = [normalize_spec(dict(spec)) for spec in specs]
    for key, off in _OFF.items():
        if any(spec[key] != off for spec in normalized):
            return f"optimizer.{key} is set"
    for spec in normalized:
        for key in ("beta_1", "beta_2"):
            if isinstance(spec[key], dict):
                return f"optimizer.{key} is a schedule"
    shared = [{k: v for k, v in spec.items() if k not in _FREE} for spec in normalized]
    if any(json.dumps(s, sort_keys=True, default=str) != json.dumps(shared[0], sort_keys=True,
                                                                       default=str)
           for s in shared):
        return "members differ in optimizer settings other than numbers"
    kinds = {_rate_kind(spec["learning_rate"]) for spec in normalized}
    if len(kinds) > 1:
        return "members mix learning-rate schedules of different kinds"
    return None


def _rate_kind(value: Any) -> str:
    return value["schedule"] if isinstance(value, dict) else "constant"
