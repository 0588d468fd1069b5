"""Arms: a sweep's trials grouped by swept point, one value per seed.

An arm is one grid point (or one run, when runs are compared side by side).
Each seed contributes one number: the metric's final value, or its best over
training.  Seeds that diverged or failed contribute no number but are counted,
so a table built from arms always says how many seeds it rests on and how
many were lost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from adamctl._direction import metric_direction
from adamctl.errors import UsageError

__all__ = ["Arm", "build_arms", "infer_mode", "swept_keys", "NON_KEY_COLUMNS"]

# results.csv columns that are not swept keys (adamctl/sweep/results.py).
NON_KEY_COLUMNS = frozenset({"trial", "point", "seed", "status", "epsilon_dominated", "steps",
                             "wall_time_s", "error", "run_dir"})
# Metric names that grow as the model improves.  Keras's ``mode="auto"``
# (EarlyStopping, ModelCheckpoint) maximises a monitor whose name contains
# "acc" (and, in Keras 3, one whose metric object says so, e.g. AUC); every
# other monitor, losses and errors included, is minimised.
_FAILED = ("failed", "interrupted", "pending", "running")


@dataclass(frozen=True)
class Arm:
    """One swept point: its values by seed, and the seeds it lost.

    ``values`` maps seed -> the metric value of a completed trial with a finite
    value.  ``diverged`` lists seeds whose trial diverged, or completed with a
    value that is missing or not finite (pandas writes NaN to a CSV as an
    empty cell, so the two cannot be told apart); ``failed`` lists seeds whose trial failed, was
    interrupted or never finished.
    """

    point_id: str
    point: dict[str, Any]
    values: dict[int, float]
    diverged: tuple[int, ...] = ()
    failed: tuple[int, ...] = ()
    trials: dict[int, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Seeds with a usable value."""
        return len(self.values)

    @property
    def seeds(self) -> list[int]:
        return sorted(self.values)

    def array(self):
        """The values in seed order, as a float array."""
        import numpy as np

        return np.array([self.values[s] for s in self.seeds], dtype=float)


def infer_mode(metric: str, mode: str | None = None) -> str:
    """``mode`` if given ("min" or "max"), else the direction Keras's ``mode="auto"`` picks.

    Accuracy-like names ("acc", "auc", precision, recall, f1, IoU) are
    maximised; everything else (losses, errors) is minimised.
    """
    if mode is not None:
        if mode not in ("min", "max"):
            raise UsageError(f"mode must be min or max. Received: mode={mode!r}")
        return mode
    return metric_direction(metric)


def swept_keys(results: Any) -> list[str]:
    """The swept keys of a results table: every column that is not bookkeeping or a metric."""
    return [c for c in results.columns
            if c not in NON_KEY_COLUMNS and not str(c).startswith(("final_", "best_"))]


def metric_column(results: Any, metric: str, value: str) -> str:
    """``final_<metric>`` or ``best_<metric>``; a usage error naming the metrics there are."""
    if value not in ("final", "best"):
        raise UsageError(f"value must be final or best. Received: value={value!r}")
    column = f"{value}_{metric}"
    if column not in results.columns:
        known = sorted(c[len(value) + 1:] for c in results.columns if str(c).startswith(f"{value}_"))
        raise UsageError(f"metric {metric!r} is not in the results; choose one of: "
                         f"{', '.join(known) or '(none)'}")
    return column


def build_arms(results: Any, metric: str, *, value: str = "final",
               keys: Sequence[str] | None = None) -> list[Arm]:
    """Group a results table (one row per trial) into arms, in order of first appearance.

    Columns used: ``seed``, ``status`` (missing: every row counts as
    completed), ``point`` (missing: the point is the tuple of swept values),
    ``trial`` (optional, links a row to its curve), the swept ``keys``
    (default: :func:`swept_keys`) and ``final_<metric>`` / ``best_<metric>``.
    """
    column = metric_column(results, metric, value)
    keys = list(keys) if keys is not None else swept_keys(results)
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in results.to_dict("records"):
        groups.setdefault(_point_id(row, keys), []).append(row)
    return [_arm(point_id, rows, keys, column) for point_id, rows in groups.items()]


def _point_id(row: Mapping[str, Any], keys: Sequence[str]) -> str:
    if "point" in row and row["point"] is not None and row["point"] == row["point"]:
        return str(row["point"])
    return ",".join(f"{key}={row[key]}" for key in keys)


def _arm(point_id: str, rows: list[Mapping[str, Any]], keys: Sequence[str], column: str) -> Arm:
    values: dict[int, float] = {}
    diverged, failed, trials = [], [], {}
    for row in rows:
        seed = int(row["seed"])
        if "trial" in row:
            trials[seed] = str(row["trial"])
        status = row.get("status", "completed")
        number = _as_float(row.get(column))
        if status in _FAILED:
            failed.append(seed)
        elif status == "diverged" or number is None or not math.isfinite(number):
            diverged.append(seed)
        else:
            values[seed] = number
    point = {key: _plain(rows[0][key]) for key in keys} or {"point": point_id}
    return Arm(point_id, point, values, tuple(sorted(diverged)), tuple(sorted(failed)), trials)


def _as_float(value: Any) -> float | None:
    """A number, or None for a missing cell (NaN read from an empty CSV cell is missing)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _plain(value: Any) -> Any:
    """NumPy scalars as Python ones, so points serialise to JSON."""
    return value.item() if hasattr(value, "item") else value
