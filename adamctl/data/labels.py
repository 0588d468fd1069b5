"""Class labels -> class ids: every source's labels are numbered through their sorted distinct values.

Labels are never cast before they are numbered: casting first is how 2**32 + 1
became 1 and 2**32 became 0, merging classes silently. Numbering the distinct
values also keeps the output layer as wide as the number of classes, not the
largest label: a stray label 5,000,000 is one more class, not 5,000,001.
Labels 0..K-1 that are all present keep their ids, so nothing changes for
data already labelled that way.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from adamctl.errors import ConfigError

__all__ = ["MAX_CLASSES", "ClassIds", "encode_labels"]

# Far more than any source here (cifar100 has 100), far less than a column of
# row ids or measurements read as labels; 10,000 logits of a 1,000-unit layer
# are 40 MB of float32 weights and Adam's two slots.
MAX_CLASSES = 10_000

_KEY = "data.target"


class ClassIds(NamedTuple):
    """``ids``: int32 class id per example; ``labels``: the label of each id, in id order."""

    ids: np.ndarray
    labels: tuple[Any, ...]


def encode_labels(values: np.ndarray, *, where: str) -> ClassIds:
    """Number the distinct labels of ``values`` 0..K-1 in sorted order.

    ``where`` names the data (a file, a source) in error messages. Integers
    of any width and sign, booleans, integral floats and strings are
    labels; non-integral or non-finite floats, missing values and arrays
    with more than one value per example are refused.

    Raises:
        ConfigError: for data.target, naming ``where`` and what is allowed.
    """
    values = _one_label_per_example(np.asarray(values), where)
    values = _comparable(values, where)
    labels, ids = np.unique(values, return_inverse=True)
    if len(labels) < 2:
        raise ConfigError(f"{where} holds a single class; classification needs at least two",
                          key_path=_KEY)
    if len(labels) > MAX_CLASSES:
        raise ConfigError(
            f"{where} holds {len(labels):,} distinct labels; at most {MAX_CLASSES:,} classes "
            "are supported (for a numeric target set data.task: regression)", key_path=_KEY)
    return ClassIds(ids.reshape(-1).astype(np.int32), tuple(_plain(v) for v in labels))


def _one_label_per_example(values: np.ndarray, where: str) -> np.ndarray:
    """A 1-D array; a column vector (n, 1), as keras.datasets' cifar gives, is flattened."""
    if values.ndim == 2 and values.shape[1] == 1:
        return values[:, 0]
    if values.ndim != 1:
        raise ConfigError(
            f"{where}: the target has shape {values.shape}; classification needs one class "
            "label per example, shape (n,) (for one-hot rows use y.argmax(axis=1))",
            key_path=_KEY)
    return values


def _comparable(values: np.ndarray, where: str) -> np.ndarray:
    """Values np.unique can sort: numbers and bools as they are, anything else as text."""
    kind = values.dtype.kind
    if kind in "biu":
        return values
    if kind == "f":
        return _integral_floats(values, where)
    if kind in "US":
        return values
    if kind == "O":
        missing = np.array([v is None or (isinstance(v, float) and v != v) for v in values])
        if missing.any():
            raise ConfigError(f"{where}: the target is missing in row {int(np.argmax(missing))}; "
                              "every example needs a label", key_path=_KEY)
        return values.astype(str)
    raise ConfigError(f"{where}: the target has dtype {values.dtype}, which holds no class "
                      "labels; use integers or strings", key_path=_KEY)


def _integral_floats(values: np.ndarray, where: str) -> np.ndarray:
    bad = ~np.isfinite(values)
    if bad.any():
        raise ConfigError(f"{where}: the target holds a NaN or infinite value (first in row "
                          f"{int(np.argmax(bad))}); clean the data or drop those rows",
                          key_path=_KEY)
    if not np.all(values == np.round(values)):
        raise ConfigError(
            f"{where}: the target holds non-integral numbers, which are not class labels; for "
            "a numeric target set data.task: regression", key_path=_KEY)
    return values


def _plain(label: Any) -> Any:
    """A label as JSON writes it: integral floats as ints, numpy scalars as Python ones."""
    if isinstance(label, np.floating):
        return int(label)
    if isinstance(label, np.generic):
        return label.item()
    return label
