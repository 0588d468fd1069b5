"""Checks every source's arrays pass before a model is built from them.

Each one stands for a failure that used to come later and worse: no
training examples made the batch loop spin for ever; no input features
aborted TensorFlow natively (exit 134) with the run left ``running``.
Here they are config errors, raised before any run directory exists.
"""

from __future__ import annotations

import numpy as np

from adamctl.errors import ConfigError

__all__ = ["require_features", "require_finite", "require_split_sizes", "regression_target"]


def require_features(x: np.ndarray, *, where: str) -> None:
    """Refuse data with no examples or no input features."""
    if x.ndim < 2 or int(np.prod(x.shape[1:])) == 0:
        raise ConfigError(f"{where} gives inputs of shape {x.shape}: no input features; "
                          "list at least one input column or array", key_path="data.inputs")
    if len(x) == 0:
        raise ConfigError(f"{where} holds no examples", key_path="data.path")


def require_split_sizes(total: int, train: int, val: int, *, fraction: float, where: str,
                        synthetic: bool) -> None:
    """Refuse a split that leaves nothing to train on, or nothing to validate on when asked to.

    A batch larger than the training set is allowed: as in Keras, an epoch
    is then one smaller batch.
    """
    of = f"all {total} examples (data.samples = {total})" if synthetic else \
        f"all {total} examples of {where}"
    more = "raise data.samples" if synthetic else "use more data"
    if train == 0:
        raise ConfigError(f"holds out {of}, leaving none to train on; lower "
                          f"data.validation_split or {more}", key_path="data.validation_split",
                          value=fraction)
    if fraction > 0 and val == 0:
        raise ConfigError(
            f"holds out round({total} x {fraction:g}) = 0 examples, so nothing would be "
            "validated; raise it, or set it to 0 to train without validation",
            key_path="data.validation_split", value=fraction)


def require_finite(array: np.ndarray, key: str) -> None:
    """Refuse NaN and infinite values, naming the first row that has one."""
    bad = ~np.isfinite(array.reshape(len(array), -1)).all(axis=1)
    if bad.any():
        raise ConfigError(f"holds a NaN or infinite value (first in row {int(np.argmax(bad))}); "
                          "clean the data or drop those rows", key_path=key)


def regression_target(values: np.ndarray) -> np.ndarray:
    """float32 targets, refusing text and non-finite values."""
    try:
        target = np.asarray(values).astype(np.float32)
    except ValueError:
        raise ConfigError("holds non-numeric values; a regression target must be numeric",
                          key_path="data.target") from None
    require_finite(target, "data.target")
    return target
