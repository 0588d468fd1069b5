"""A sweep's tables: one row per trial (results.csv), one per grid point (summary.csv).

Functions over records and pandas DataFrames; writing and reading the tables
belongs to :mod:`adamctl.store.tables`. The one read here is a trial's final
epsilon dominance, through :mod:`adamctl.store.diagnostics`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

__all__ = ["trial_record", "results_frame", "aggregate", "RESULT_LEAD_COLUMNS",
           "DIAGNOSTIC_COLUMNS"]

RESULT_LEAD_COLUMNS = ("trial", "point", "seed", "status")
# From the trial's diagnostics.csv, empty without training.diagnostics_every:
# the ``all`` row's epsilon_dominated at its last diagnostics step.
DIAGNOSTIC_COLUMNS = ("epsilon_dominated",)
_TAIL_COLUMNS = ("steps", "wall_time_s", "error", "run_dir")


def trial_record(
    trial_id: str, point_id: str, values: Mapping[str, Any], seed: int,
    summary: Mapping[str, Any] | None, *, status: str | None = None, error: str | None = None,
    run_dir: str | Path | None = None,
) -> dict[str, Any]:
    """One results.csv row from a trial's summary.json (or from its failure).

    Columns: trial, point, seed, status, each swept key, ``final_<metric>``
    and ``best_<metric>`` for every metric, epsilon_dominated (read from
    ``run_dir``'s diagnostics.csv; None without one), steps, wall_time_s,
    error, run_dir.
    """
    from adamctl.store.diagnostics import final_epsilon_dominated
    from adamctl.store.rundir import RunDir

    summary = summary or {}
    record: dict[str, Any] = {
        "trial": trial_id, "point": point_id, "seed": seed,
        "status": status or summary.get("status", "pending"),
    }
    record.update(values)
    for name, value in (summary.get("final") or {}).items():
        if name != "learning_rate":
            record[f"final_{name}"] = value
    for name, best in (summary.get("best") or {}).items():
        record[f"best_{name}"] = best.get("value")
    record["epsilon_dominated"] = (final_epsilon_dominated(RunDir(run_dir))
                                   if run_dir is not None else None)
    record.update(
        steps=summary.get("steps"), wall_time_s=summary.get("wall_time_s"),
        error=error if error is not None else summary.get("error"),
        run_dir=str(run_dir) if run_dir is not None else summary.get("run_dir"),
    )
    return record


def results_frame(records: Iterable[Mapping[str, Any]], swept: Sequence[str]):
    """The results table, columns in a fixed order, one row per trial."""
    import pandas as pd

    frame = pd.DataFrame(list(records))
    metrics = sorted(c for c in frame.columns if c.startswith(("final_", "best_")))
    ordered = [*RESULT_LEAD_COLUMNS, *swept, *metrics, *DIAGNOSTIC_COLUMNS, *_TAIL_COLUMNS]
    for column in ordered:
        if column not in frame.columns:
            frame[column] = None
    return frame[ordered]


def aggregate(results, swept: Sequence[str]):
    """Mean, std and count of every metric over the seeds of each grid point.

    Only completed trials count. ``std`` is the sample standard deviation
    (ddof=1), empty for a single seed. ``epsilon_dominated`` is the mean over
    the seeds that recorded diagnostics, empty where none did.
    """
    import pandas as pd

    metrics = [c for c in results.columns if c.startswith(("final_", "best_"))]
    done = results[results["status"] == "completed"]
    keys = ["point", *swept]
    if done.empty:
        return pd.DataFrame(columns=[*keys, "seeds"])
    diagnostic = [c for c in DIAGNOSTIC_COLUMNS if c in results.columns]
    numeric = done[metrics + diagnostic].apply(pd.to_numeric, errors="coerce")
    grouped = pd.concat([done[keys], numeric], axis=1).groupby("point", sort=True)
    table = grouped[list(swept)].first() if swept else pd.DataFrame(index=grouped.size().index)
    table["seeds"] = grouped.size()
    for metric in metrics:
        table[f"{metric}_mean"] = grouped[metric].mean()
        table[f"{metric}_std"] = grouped[metric].std(ddof=1)
        table[f"{metric}_count"] = grouped[metric].count()
    for column in diagnostic:
        table[column] = grouped[column].mean()
    return table.reset_index()
