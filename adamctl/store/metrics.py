"""``metrics.csv``: the one reader and writer of the per-epoch table (no Keras needed).

Rows as strings for the training side (resume keeps them exactly), a
DataFrame for reports; pandas is imported only for the latter.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Callable

from adamctl._atomic import atomic_write_text
from adamctl.errors import UsageError
from adamctl.store._numbers import tidy_float32
from adamctl.store.rundir import RunDir

__all__ = ["epoch_row", "metrics_frame", "read_metrics_rows", "write_metrics_rows"]

_TAIL_COLUMNS = ("learning_rate", "time_s")


def epoch_row(epoch: int, step: int, elapsed_s: float, logs: dict[str, Any]) -> dict[str, Any]:
    """One row: ``epoch, step, loss, val_loss, <metric>, val_<metric>..., learning_rate, time_s``."""
    logs = {name: tidy_float32(value) for name, value in logs.items()}
    row: dict[str, Any] = {"epoch": epoch, "step": step}
    row.update(_ordered_metrics(logs))
    row["learning_rate"] = logs.get("learning_rate")
    row["time_s"] = round(elapsed_s, 3)
    return row


def write_metrics_rows(path: Path, rows: list[dict[str, Any]],
                       write_file: Callable[[Path, bytes], None] | None = None) -> None:
    """Rewrite the whole file atomically (it is small: one row per epoch); ``write_file(path,
    data)`` instead writes the bytes (a population queues them on its writer thread)."""
    if write_file is None:
        atomic_write_text(Path(path), _to_csv(rows))
    else:
        write_file(Path(path), _to_csv(rows).encode("utf-8"))


def _ordered_metrics(logs: dict[str, Any]) -> dict[str, Any]:
    """loss, val_loss, then each metric followed by its ``val_`` twin."""
    names = [n for n in logs if not n.startswith("val_") and n not in _TAIL_COLUMNS]
    names.sort(key=lambda n: (n != "loss", list(logs).index(n)))
    ordered: dict[str, Any] = {}
    for name in names:
        ordered[name] = logs[name]
        if f"val_{name}" in logs:
            ordered[f"val_{name}"] = logs[f"val_{name}"]
    return ordered


def _to_csv(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns.extend(name for name in row if name not in columns)
    lead = [c for c in columns if c not in _TAIL_COLUMNS]
    columns = lead + [c for c in _TAIL_COLUMNS if c in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _format(row.get(key)) for key in columns})
    return buffer.getvalue()


def _format(value: Any) -> Any:
    """Floats as repr (exact; float32 values arrive tidied by :func:`epoch_row`), missing as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return value


def read_metrics_rows(path: Path) -> list[dict[str, str]]:
    """The rows of an existing ``metrics.csv``, as strings; none if it is absent.

    Raises:
        UsageError: the file is not a metrics table adamctl wrote (no
            ``epoch`` column, an epoch that is not a count), naming it.
    """
    path = Path(path)
    if not path.exists():
        return []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = reader.fieldnames or []
    except (UnicodeDecodeError, csv.Error) as error:
        raise _malformed(path, f"it cannot be read as CSV ({error})") from None
    _check_rows(path, header, rows)
    return rows


def _check_rows(path: Path, header: list[str], rows: list[dict[str, Any]]) -> None:
    """The columns resume relies on are there, and every cell is a number or empty."""
    for column in ("epoch", "step", "time_s"):
        if column not in header:
            raise _malformed(path, f'no "{column}" column (header: {",".join(header)[:80]!r})')
    for number, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise _malformed(path, f"line {number} has {'more' if None in row else 'fewer'} "
                                   "fields than the header")
        for column in ("epoch", "step"):
            if not row[column].isdigit():
                raise _malformed(path, f"line {number}: {column} {row[column]!r} is not a count")
        for column, value in row.items():
            if value != "" and not _is_number(value):
                raise _malformed(path, f"line {number}: {column} {value!r} is not a number")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _malformed(path: Path, problem: str) -> UsageError:
    return UsageError(f"{path}: {problem}; restore the file, or delete it to continue "
                      "without the earlier epochs' rows")


def metrics_frame(run: RunDir) -> Any:
    """``run``'s metrics.csv, one row per epoch; an empty frame with an epoch column if absent."""
    import pandas as pd

    if not run.metrics_path.is_file():
        return pd.DataFrame(columns=["epoch"])
    return pd.read_csv(run.metrics_path)
