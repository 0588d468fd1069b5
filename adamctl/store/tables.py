"""A sweep's tables, results.csv and summary.csv, as pandas DataFrames.

The only reader and writer of those files; everything else asks for a
DataFrame here (a run's metrics.csv is :mod:`adamctl.store.metrics`). pandas
is imported inside each function, so importing the store stays light.
"""

from __future__ import annotations

from typing import Any, Iterable

from adamctl._atomic import atomic_write_text
from adamctl.store.rundir import RunDir
from adamctl.store.sweepdir import SweepDir

__all__ = ["results_frame", "run_record", "summary_frame", "trial_curves", "write_sweep_tables"]


def results_frame(sweep: SweepDir) -> Any:
    """``sweep``'s results.csv, one row per trial (an empty frame if absent)."""
    import pandas as pd

    return pd.read_csv(sweep.results_path) if sweep.results_path.is_file() else pd.DataFrame()


def trial_curves(sweep: SweepDir, trial_ids: Iterable[str]) -> dict[str, Any]:
    """Each trial's metrics.csv as a DataFrame, by trial id (empty for trials not started)."""
    from adamctl.store.metrics import metrics_frame

    return {str(trial): metrics_frame(sweep.trial(str(trial))) for trial in trial_ids}


def run_record(run: RunDir) -> dict[str, Any] | None:
    """One run as a results.csv row (seed, status, ``final_<m>``, ``best_<m>``, ...).

    None when the run has no summary.json. It lets a lone run stand beside
    the trials of a sweep, with the same columns.
    """
    from adamctl.store.diagnostics import final_epsilon_dominated
    from adamctl.store.summary import summary_of

    summary = summary_of(run)
    if summary is None:
        return None
    record: dict[str, Any] = {"seed": summary.get("seed"), "status": summary.get("status")}
    for name, value in (summary.get("final") or {}).items():
        if name != "learning_rate":
            record[f"final_{name}"] = value
    for name, best in (summary.get("best") or {}).items():
        record[f"best_{name}"] = (best or {}).get("value")
    record["epsilon_dominated"] = final_epsilon_dominated(run)
    record.update(steps=summary.get("steps"), wall_time_s=summary.get("wall_time_s"))
    return record


def summary_frame(sweep: SweepDir) -> Any:
    """``sweep``'s summary.csv, one row per grid point (an empty frame if absent)."""
    import pandas as pd

    return pd.read_csv(sweep.summary_path) if sweep.summary_path.is_file() else pd.DataFrame()


def write_sweep_tables(sweep: SweepDir, results: Any, summary: Any) -> None:
    """Write results.csv and summary.csv atomically (pandas writes floats in full precision)."""
    atomic_write_text(sweep.results_path, results.to_csv(index=False))
    atomic_write_text(sweep.summary_path, summary.to_csv(index=False))
