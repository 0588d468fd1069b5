"""Result tables as pandas DataFrames: no printing here, only data.

``run_table`` is one run's metrics.csv; ``sweep_table`` a sweep's summary.csv
keeping the swept keys and the chosen metric, best first. The files are read
by :mod:`adamctl.store.tables`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adamctl.errors import UsageError
from adamctl.store import RunDir, SweepDir

__all__ = ["ReportTable", "load_report", "run_table", "sweep_table"]


class ReportTable:
    """A table to show, and what it is: ``kind`` is "run" or "sweep"."""

    def __init__(self, frame: Any, *, kind: str, title: str, metric: str | None = None,
                 mode: str | None = None) -> None:
        self.frame, self.kind, self.title, self.metric, self.mode = frame, kind, title, metric, mode


def load_report(path: Path, *, metric: str | None = None, mode: str | None = None) -> ReportTable:
    """The table for ``path``: a sweep directory, a run directory, or a trial inside a sweep."""
    path = Path(path)
    if SweepDir(path).is_sweep():
        return sweep_table(path, metric=metric, mode=mode)
    run = RunDir(path)
    if run.metrics_path.is_file() or run.summary_path.is_file():
        return run_table(path)
    raise UsageError(
        f"{path} is neither a run directory (metrics.csv) nor a sweep directory (sweep.yaml)"
    )


def run_table(run_dir: Path, *, title: str | None = None) -> ReportTable:
    """One run's metrics.csv, one row per epoch (titled ``run <dir>`` unless ``title``)."""
    from adamctl.store.metrics import metrics_frame

    frame = metrics_frame(RunDir(run_dir))
    return ReportTable(frame, kind="run", title=title or f"run {run_dir}")


def sweep_table(sweep_dir: Path, *, metric: str | None = None, mode: str | None = None) -> ReportTable:
    """One row per grid point: the swept values, the metric's mean and std over seeds, best first.

    The metric is ``sweep.metric`` (default val_loss) at the end of training
    (``final_<metric>``); ``mode`` min or max says which end is best.
    """
    from adamctl.store.tables import summary_frame

    sweep = SweepDir(sweep_dir)
    plan = sweep.read_plan()
    metric, mode = metric or plan["metric"], mode or plan["mode"]
    swept = list(plan["grid"])
    summary = summary_frame(sweep)
    column = f"final_{metric}"
    if not summary.empty and f"{column}_mean" not in summary.columns:
        known = sorted(c[len("final_"):-len("_mean")] for c in summary.columns
                       if c.startswith("final_") and c.endswith("_mean"))
        raise UsageError(f"metric {metric!r} is not in {sweep.summary_path}; choose one of: {', '.join(known)}")
    frame = _sweep_rows(summary, swept, column, metric)
    if not frame.empty:
        frame = frame.sort_values(f"{metric} mean", ascending=(mode == "min"), na_position="last")
    return ReportTable(frame.reset_index(drop=True), kind="sweep", title=f"sweep {sweep.root}",
                       metric=metric, mode=mode)


def _sweep_rows(summary: Any, swept: list[str], column: str, metric: str) -> Any:
    import pandas as pd

    if summary.empty:
        return pd.DataFrame(columns=[*swept, f"{metric} mean", f"{metric} std", "seeds"])
    frame = summary[swept].copy() if swept else pd.DataFrame(index=summary.index)
    frame[f"{metric} mean"] = summary[f"{column}_mean"]
    frame[f"{metric} std"] = summary[f"{column}_std"]
    frame["seeds"] = summary["seeds"]
    return frame
