"""``diagnostics.csv`` and ``diagnostics_scalars.csv``: the one reader and writer (no Keras needed).

``diagnostics.csv`` has one row per (step, variable), the ``all`` row first
at each step; ``diagnostics_scalars.csv`` one row per diagnostics step. Both
are rewritten whole and atomically (by :mod:`adamctl.store.diagnostics_writer`
during training), so a kill never leaves half a row; a resume keeps the rows
up to its checkpoint's step.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from adamctl._atomic import atomic_write_text
from adamctl.store.rundir import RunDir

__all__ = ["DIAGNOSTICS_COLUMNS", "SCALAR_COLUMNS", "diagnostics_frames", "final_epsilon_dominated",
           "format_cell", "latest_diagnostics", "read_rows", "rows_up_to", "write_rows"]

DIAGNOSTICS_COLUMNS = ("step", "variable", "epsilon_dominated", "effective_lr_p01",
                       "effective_lr_p50", "effective_lr_p99", "update_to_weight",
                       "update_saturated", "update_alignment", "grad_to_v", "vhat_gap")
SCALAR_COLUMNS = ("step", "t", "learning_rate", "beta_1", "beta_2", "alpha_t", "rho_t", "r_t")


def write_rows(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Rewrite ``path`` atomically with ``rows`` (floats in full precision, None as empty)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: format_cell(row.get(key)) for key in columns})
    atomic_write_text(Path(path), buffer.getvalue())


def format_cell(value: Any) -> Any:
    """A cell as written: floats in full precision (``repr``), None and non-finite floats empty."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return repr(value) if isinstance(value, float) else value


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of an existing file, as strings; none if it is absent."""
    path = Path(path)
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def rows_up_to(path: Path, step: int) -> list[dict[str, str]]:
    """The rows of ``path`` at steps <= ``step``: what a resume from that step keeps."""
    return [row for row in read_rows(path) if int(row["step"]) <= step]


def diagnostics_frames(run: RunDir) -> tuple[Any, Any] | None:
    """``(diagnostics, scalars)`` DataFrames of ``run``, or None when it has no diagnostics."""
    if not run.diagnostics_path.is_file():
        return None
    import pandas as pd

    table = pd.read_csv(run.diagnostics_path)
    scalars = (pd.read_csv(run.diagnostics_scalars_path) if run.diagnostics_scalars_path.is_file()
               else pd.DataFrame(columns=list(SCALAR_COLUMNS)))
    return table, scalars


def latest_diagnostics(run: RunDir) -> dict[str, Any] | None:
    """``{"step": N, "rows": [...]}``: the newest diagnostics step, per variable, as floats.

    None when the run has no diagnostics. Empty cells become None.
    """
    rows = read_rows(run.diagnostics_path)
    if not rows:
        return None
    step = max(int(row["step"]) for row in rows)
    latest = [{key: _parse(key, value) for key, value in row.items() if key != "step"}
              for row in rows if int(row["step"]) == step]
    return {"step": step, "rows": latest}


def final_epsilon_dominated(run: RunDir) -> float | None:
    """The ``all`` row's ``epsilon_dominated`` at the run's last diagnostics step.

    None when the run has no diagnostics (or that cell is empty). Only the
    end of the file is read, a growing block at a time: a sweep asks this of
    every trial when it starts or resumes, and a long run's file holds
    thousands of steps.
    """
    path = run.diagnostics_path
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        header = handle.readline()
        columns = next(csv.reader([header.decode()]), [])
        if "variable" not in columns or "epsilon_dominated" not in columns:
            return None
        row = _last_all_row(handle, len(header), columns.index("variable"))
    if row is None:
        return None
    return _parse("epsilon_dominated", row[columns.index("epsilon_dominated")])


def _last_all_row(handle: Any, body_start: int, variable: int) -> list[str] | None:
    """The last row whose ``variable`` is ``all``, reading backwards from the end in blocks."""
    end, block = handle.seek(0, io.SEEK_END), 1 << 16
    while True:
        start = max(body_start, end - block)
        handle.seek(start)
        lines = handle.read(end - start).decode(errors="replace").splitlines()
        if start > body_start:
            lines = lines[1:]  # the first line may begin mid-row: the next block has it whole
        for row in reversed(list(csv.reader(lines))):
            if len(row) > variable and row[variable] == "all":
                return row
        if start == body_start:
            return None
        block *= 4


def _parse(key: str, value: str) -> Any:
    if key == "variable":
        return value
    return float(value) if value != "" else None
