"""The user's own tables: csv and parquet files, read with pandas (npz archives: npz.py)."""

from __future__ import annotations

import difflib
from typing import Any, Sequence

import numpy as np

from adamctl.data.checks import regression_target, require_finite
from adamctl.errors import ConfigError

__all__ = ["load_table"]


def load_table(path: str, *, kind: str, target: str, inputs: Any, task: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) from a csv or parquet file: ``target`` is y, ``inputs`` (default: the rest) is x.

    y is float32 for regression and the column's values as they are for
    classification, for :func:`adamctl.data.labels.encode_labels` to number.
    """
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
    if frame.empty:
        raise ConfigError(f"{path} has no rows", key_path="data.path")
    x = frame[columns].to_numpy(dtype=np.float32)
    require_finite(x, "data.inputs")
    y = frame[target].to_numpy()
    return x, regression_target(y) if task == "regression" else y


def _input_columns(columns: Sequence[str], target: str, inputs: Any, path: str) -> list[str]:
    """The input columns; none at all would abort TensorFlow natively, so they are refused."""
    if inputs is None:
        chosen = [c for c in columns if c != target]
        if not chosen:
            raise ConfigError(f"{path} has no column besides the target {target!r}; a model "
                              "needs at least one input column", key_path="data.inputs")
        return chosen
    chosen = [inputs] if isinstance(inputs, str) else list(inputs)
    if not chosen:
        raise ConfigError(f"selects no input column of {path}; list at least one",
                          key_path="data.inputs", value=chosen)
    _require_columns(columns, chosen, "data.inputs", path)
    return chosen


def _require_columns(columns: Sequence[str], wanted: Sequence[str], key: str, path: str) -> None:
    for name in wanted:
        if name not in columns:
            close = difflib.get_close_matches(str(name), [str(c) for c in columns], n=1)
            raise ConfigError(f"{path} has no column {name!r}; its columns: "
                              f"{', '.join(map(str, columns))}", key_path=key, value=name,
                              suggestion=close[0] if close else None)
