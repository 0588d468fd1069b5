"""Result tables as pandas DataFrames: no printing here, only data.

``run_table`` reads one run's metrics.csv; ``sweep_table`` reads a sweep's
summary.csv and keeps the swept keys and the chosen metric, best first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adamctl.errors import UsageError

__all__ = ["ReportTable", "load_report", "run_table", "sweep_table"]


class ReportTable:
    """A table to show, and what it is: ``kind`` is "run" or "sweep"."""

    def __init__(self, frame: Any, *, kind: str, title: str, metric: str | None = None,
                 mode: str | None = None) -> None:
        self.frame, self.kind, self.title, self.metric, self.mode = frame, kind, title, metric, mode


def load_report(path: Path, *, metric: str | None = None, mode: str | None = None) -> ReportTable:
    """The table for ``path``: a sweep directory, a run directory, or a trial inside a sweep."""
    path = Path(path)
    if (path / "sweep.yaml").is_file():
        return sweep_table(path, metric=metric, mode=mode)
    if (path / "metrics.csv").is_file() or (path / "summary.json").is_file():
        return run_table(path)
    raise UsageError(
        f"{path} is neither a run directory (metrics.csv) nor a sweep directory (sweep.yaml)"
    )


def run_table(run_dir: Path) -> ReportTable:
    """One run's metrics.csv, one row per epoch."""
    import pandas as pd

    metrics = Path(run_dir) / "metrics.csv"
    frame = pd.read_csv(metrics) if metrics.is_file() else pd.DataFrame(columns=["epoch"])
    return ReportTable(frame, kind="run", title=f"run {run_dir}")


def sweep_table(sweep_dir: Path, *, metric: str | None = None, mode: str | None = None) -> ReportTable:
    """One row per grid point: the swept values, the metric's mean and std over seeds, best first.

    The metric is ``sweep.metric`` (default val_loss) at the end of training
    (``final_<metric>``); ``mode`` min or max says which end is best.
    """
    import pandas as pd

    sweep_dir = Path(sweep_dir)
    plan = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    metric, mode = metric or plan["metric"], mode or plan["mode"]
    swept = list(plan["grid"])
    summary_path = sweep_dir / "summary.csv"
    summary = pd.read_csv(summary_path) if summary_path.is_file() else pd.DataFrame()
    column = f"final_{metric}"
    if not summary.empty and f"{column}_mean" not in summary.columns:
        known = sorted(c[len("final_"):-len("_mean")] for c in summary.columns
                       if c.startswith("final_") and c.endswith("_mean"))
        raise UsageError(f"metric {metric!r} is not in {summary_path}; choose one of: {', '.join(known)}")
    frame = _sweep_rows(summary, swept, column, metric)
    if not frame.empty:
        frame = frame.sort_values(f"{metric} mean", ascending=(mode == "min"), na_position="last")
    return ReportTable(frame.reset_index(drop=True), kind="sweep", title=f"sweep {sweep_dir}",
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
