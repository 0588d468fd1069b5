"""Loss, metric and activation names that need no Keras import to be accepted.

``adamctl validate`` stays fast for the common configs: a model whose
names are all in these tables is accepted without importing Keras; any
other name is judged by Keras itself (:func:`adamctl.models.check_model_names`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["KNOWN_ACTIVATIONS", "KNOWN_LOSSES", "KNOWN_METRICS", "accepted_without_keras"]

# Names Keras is known to accept; anything else is checked by Keras itself.
KNOWN_LOSSES = frozenset({
    "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
    "mean_squared_error", "mean_absolute_error", "mse", "mae", "huber", "log_cosh",
})
KNOWN_METRICS = frozenset({
    "accuracy", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy",
    "mean_squared_error", "mean_absolute_error", "mse", "mae", "root_mean_squared_error",
})
KNOWN_ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid", "gelu", "elu", "selu", "swish",
                               "silu", "softplus", "linear", "leaky_relu"})



def accepted_without_keras(model: Any) -> bool:
    """Whether every name of ``model`` (a ModelConfig) is in the tables above."""
    return (
        model.layers is None
        and model.loss in KNOWN_LOSSES
        and set(model.metrics or ()) <= KNOWN_METRICS
        and model.activation in KNOWN_ACTIVATIONS
    )
