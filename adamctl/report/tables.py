"""Result tables as pandas DataFrames: no printing here, only data.

``run_table`` is one run's metrics.csv with the run's status; ``sweep_table``
one row per grid point of a sweep, keeping the swept keys and the chosen
metric, best first, with the points whose trials did not complete at the end
(their status says why). The files are read by :mod:`adamctl.store`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adamctl.errors import UsageError
from adamctl.store import RunDir, SweepDir

__all__ = ["ReportTable", "load_report", "run_table", "sweep_table", "sweep_direction"]


class ReportTable:
    """A table to show, and what it is.

    ``kind`` is "run" or "sweep"; ``status`` the run's status (runs only);
    ``note`` a sentence to show instead of (or under) the rows, such as
    "no epoch completed; diverged at step 2".
    """

    def __init__(self, frame: Any, *, kind: str, title: str, metric: str | None = None,
                 mode: str | None = None, status: str | None = None, note: str | None = None,
                 path: Path | None = None) -> None:
        self.frame, self.kind, self.title, self.metric, self.mode = frame, kind, title, metric, mode
        self.status, self.note, self.path = status, note, path


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
    from adamctl.store.summary import summary_of

    run = RunDir(run_dir)
    frame = metrics_frame(run)
    summary = summary_of(run) or {}
    status = summary.get("status")
    return ReportTable(frame, kind="run", title=title or f"run {run_dir}", status=status,
                       note=_run_note(frame, summary), path=Path(run_dir))


def _run_note(frame: Any, summary: dict[str, Any]) -> str | None:
    """What the rows do not say: no epoch yet, and where a run diverged or failed."""
    status = summary.get("status")
    if status == "diverged" and summary.get("diverged_at_step") is not None:
        ending = f"diverged at step {summary['diverged_at_step']}"
    elif status in ("diverged", "failed", "interrupted", "running"):
        ending = status
    else:
        ending = None
    if frame.empty:
        return "no epoch completed" + (f"; {ending}" if ending else "")
    return ending if status not in ("completed", "running") else None


def sweep_direction(plan: dict[str, Any], metric: str | None, mode: str | None) -> tuple[str, str]:
    """The metric to sort by and which way is better.

    ``mode`` wins; the sweep's own metric keeps the sweep's mode; any other
    metric gets the direction Keras's ``mode="auto"`` gives it (accuracy-like
    names are maximised, losses and errors minimised).
    """
    from adamctl.compare import infer_mode

    metric = metric or plan["metric"]
    if mode is None:
        mode = plan["mode"] if metric == plan["metric"] else infer_mode(metric)
    return metric, mode


def sweep_table(sweep_dir: Path, *, metric: str | None = None, mode: str | None = None) -> ReportTable:
    """One row per grid point: the swept values, the metric's mean and std over seeds, best first.

    The metric is ``sweep.metric`` (default val_loss) at the end of training
    (``final_<metric>``); ``mode`` min or max says which end is best (see
    :func:`sweep_direction`). Points with no completed seed come last, with
    empty values; ``status`` counts each point's trials by status. When the
    trials recorded diagnostics, ``epsilon_dominated`` is each point's final
    epsilon dominance (the ``all`` row at the last diagnostics step), mean
    over its completed seeds.
    """
    from adamctl.store.tables import results_frame, summary_frame

    sweep = SweepDir(sweep_dir)
    plan = sweep.read_plan()
    metric, mode = sweep_direction(plan, metric, mode)
    swept = list(plan["grid"])
    summary = summary_frame(sweep)
    column = f"final_{metric}"
    if not summary.empty and f"{column}_mean" not in summary.columns:
        known = sorted(c[len("final_"):-len("_mean")] for c in summary.columns
                       if c.startswith("final_") and c.endswith("_mean"))
        raise UsageError(f"metric {metric!r} is not in {sweep.summary_path}; choose one of: {', '.join(known)}")
    frame = _sweep_rows(summary, results_frame(sweep), swept, column, metric)
    if not frame.empty:
        frame = frame.sort_values(f"{metric} mean", ascending=(mode == "min"), na_position="last",
                                  kind="stable")
    return ReportTable(frame.reset_index(drop=True), kind="sweep", title=f"sweep {sweep.root}",
                       metric=metric, mode=mode, path=sweep.root)


def _sweep_rows(summary: Any, results: Any, swept: list[str], column: str, metric: str) -> Any:
    """Every grid point in results.csv, joined to its means in summary.csv."""
    import pandas as pd

    names = [*swept, f"{metric} mean", f"{metric} std", "seeds", "status"]
    if results.empty:
        return pd.DataFrame(columns=names)
    points = results.groupby("point", sort=True)
    frame = points[swept].first() if swept else pd.DataFrame(index=points.size().index)
    stats = summary.set_index("point") if not summary.empty else pd.DataFrame()
    frame[f"{metric} mean"] = stats[f"{column}_mean"] if not stats.empty else float("nan")
    frame[f"{metric} std"] = stats[f"{column}_std"] if not stats.empty else float("nan")
    frame["seeds"] = stats["seeds"].reindex(frame.index).fillna(0).astype(int) \
        if not stats.empty else 0
    frame["status"] = points["status"].agg(_status_counts)
    if _has_diagnostics(stats):
        frame["epsilon_dominated"] = stats["epsilon_dominated"]
        names.insert(names.index("seeds"), "epsilon_dominated")
    return frame.reset_index(drop=True)[names]


def _has_diagnostics(stats: Any) -> bool:
    """Whether some grid point recorded diagnostics: only then is the column worth a place."""
    return "epsilon_dominated" in stats.columns and bool(stats["epsilon_dominated"].notna().any())


def _status_counts(statuses: Any) -> str:
    """``completed`` when every trial of a point completed, else counts: ``1 completed, 1 failed``."""
    counts = statuses.value_counts()
    if list(counts.index) == ["completed"]:
        return "completed"
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
