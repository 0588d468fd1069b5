"""The user's own data: csv and parquet tables (pandas), npz arrays (numpy, no pickles)."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from adamctl.errors import ConfigError

__all__ = ["load_table", "load_npz"]


def load_table(path: str, *, kind: str, target: str, inputs: Any, task: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) from a csv or parquet file: ``target`` is y, ``inputs`` (default: the rest) is x."""
    import pandas as pd

    try:
        frame = pd.read_csv(path) if kind == "csv" else pd.read_parquet(path)
    except ImportError as error:
        raise ConfigError(f"reading parquet needs pyarrow: pip install pyarrow ({error})",
                          key_path="data.source", value=kind) from None
    except Exception as error:  # pandas raises many kinds for a bad file
        raise ConfigError(f"cannot be read as {kind}: {error}".splitlines()[0],
                          key_path="data.path", value=path) from None
    _require_columns(frame.columns, [target], "data.target", path)
    columns = _input_columns(frame.columns, target, inputs, path)
    for column in columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise ConfigError(
                f"input column {column!r} of {path} is not numeric ({frame[column].dtype}); "
                "list the numeric columns in data.inputs", key_path="data.inputs", value=column)
    x = frame[columns].to_numpy(dtype=np.float32)
    _require_finite(x, "data.inputs")
    return x, _target_array(frame[target].to_numpy(), task)


def _input_columns(columns: Sequence[str], target: str, inputs: Any, path: str) -> list[str]:
    if inputs is None:
        return [c for c in columns if c != target]
    chosen = [inputs] if isinstance(inputs, str) else list(inputs)
    _require_columns(columns, chosen, "data.inputs", path)
    return chosen


def _require_columns(columns: Sequence[str], wanted: Sequence[str], key: str, path: str) -> None:
    for name in wanted:
        if name not in columns:
            close = difflib.get_close_matches(str(name), [str(c) for c in columns], n=1)
            raise ConfigError(f"{path} has no column {name!r}; its columns: "
                              f"{', '.join(map(str, columns))}", key_path=key, value=name,
                              suggestion=close[0] if close else None)


def _target_array(values: np.ndarray, task: str) -> np.ndarray:
    """Class ids (labels sorted, then numbered) for classification; float32 for regression."""
    if task == "regression":
        try:
            target = values.astype(np.float32)
        except ValueError:
            raise ConfigError("holds non-numeric values; a regression target must be numeric",
                              key_path="data.target") from None
        _require_finite(target, "data.target")
        return target
    if values.dtype.kind == "f":
        _require_finite(values, "data.target")
        if not np.all(values == np.round(values)):
            raise ConfigError(
                "holds non-integral numbers, which are not class labels; for a numeric target "
                "set data.task: regression", key_path="data.target")
    if values.dtype.kind in "iu" and values.min() >= 0:
        ids = values.astype(np.int32)
    else:
        _, ids = np.unique(values.astype(str) if values.dtype == object else values,
                           return_inverse=True)
        ids = ids.astype(np.int32).reshape(values.shape)
    if len(np.unique(ids)) < 2:
        raise ConfigError("holds a single class; classification needs at least two",
                          key_path="data.target")
    return ids


def _require_finite(array: np.ndarray, key: str) -> None:
    """Refuse NaN and infinite values, naming the first row that has one."""
    bad = ~np.isfinite(array.reshape(len(array), -1)).all(axis=1)
    if bad.any():
        raise ConfigError(f"holds a NaN or infinite value (first in row {int(np.argmax(bad))}); "
                          "clean the data or drop those rows", key_path=key)


def load_npz(path: str, *, inputs: Any, target: str | None, task: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) from the arrays named ``inputs`` (default x) and ``target`` (default y)."""
    x_name = inputs if isinstance(inputs, str) else "x"
    y_name = target or "y"
    try:
        with np.load(Path(path), allow_pickle=False) as archive:
            present = list(archive.files)
            for name, key in ((x_name, "data.inputs"), (y_name, "data.target")):
                if name not in present:
                    raise ConfigError(f"{path} has no array {name!r}; its arrays: "
                                      f"{', '.join(present)}", key_path=key, value=name)
            x, y = archive[x_name], archive[y_name]
    except ValueError as error:  # object arrays need pickles, which we refuse
        raise ConfigError(f"cannot be read without pickles: {error}", key_path="data.path",
                          value=path) from None
    if len(x) != len(y):
        raise ConfigError(f"{path}: {x_name} has {len(x)} rows but {y_name} has {len(y)}",
                          key_path="data.target", value=y_name)
    if x.dtype.kind not in "iufb":
        raise ConfigError(f"{path}: array {x_name!r} is not numeric ({x.dtype})",
                          key_path="data.inputs", value=x_name)
    x = x.astype(np.float32)
    _require_finite(x, "data.inputs")
    return x, _target_array(np.asarray(y), task)
