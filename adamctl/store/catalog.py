"""The catalog of a runs folder: one row per run or sweep, for ``adamctl runs``.

Each run costs one ``summary.json`` read and each sweep its ``sweep.yaml``
plus its trials' ``summary.json``; metrics, checkpoints and configs are never
opened, so a folder of a thousand runs lists in well under a second (see
``benchmarks/runs_table.py``). A folder that looks like a run but whose
summary is missing or unreadable is listed as ``broken`` with the reason:
listing must never fail because one run is damaged.
"""

from __future__ import annotations

import fnmatch
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from adamctl.store.rundir import RunDir
from adamctl.store.summary import better, metric_mode
from adamctl.store.sweepdir import SweepDir

__all__ = ["RunRow", "SORT_KEYS", "filter_rows", "list_runs", "runs_table", "sort_rows"]

# How deep below the listed folder runs are looked for: runs/<name>/ and one
# level of grouping folders (runs/<project>/<name>/).
_MAX_DEPTH = 2

SORT_KEYS = ("started", "name", "status", "duration", "steps", "final", "best", "path")


@dataclass
class RunRow:
    """One line of the catalog.

    Attributes:
        name: the run's ``name`` (a sweep's plan name); the folder name if unknown.
        kind: ``run`` or ``sweep``.
        trials: a sweep's trial count (None for a run).
        status: the run's status, a sweep's overall status, or ``broken``.
        started: ``started_at`` (a sweep: its earliest trial's).
        duration_s: training wall time (a sweep: the sum over trials).
        steps: optimizer steps taken (a sweep: the sum over trials).
        metric: the main metric: a sweep's ``metric``, else val_loss when
            the run has it, else loss.
        final: the metric's last value (a sweep: in its best trial).
        best: the metric's best value (a sweep: over every trial).
        path: the folder.
        reason: why the row is broken, or a sweep's failed-trial count.
    """

    name: str
    kind: str
    status: str
    path: str
    trials: int | None = None
    started: str | None = None
    duration_s: float | None = None
    steps: int | None = None
    metric: str | None = None
    final: float | None = None
    best: float | None = None
    reason: str | None = None
    _mode: str = field(default="min", repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The public columns, in order."""
        data = asdict(self)
        data.pop("_mode")
        return data


def runs_table(root: Path | str, *, status: str | None = None, name: str | None = None,
               sort: str = "started") -> list[RunRow]:
    """The rows of ``adamctl runs``: :func:`list_runs`, filtered, then sorted by ``sort``."""
    return sort_rows(filter_rows(list_runs(root), status=status, name=name), sort)


def list_runs(root: Path | str) -> list[RunRow]:
    """Every run and sweep under ``root``, in folder-name order.

    ``root`` may itself be a run or a sweep (then it is the only row).
    A missing ``root`` gives an empty list.
    """
    root = Path(root)
    kind = _kind(root)
    if kind is not None:
        return [_row(root, kind)]
    return [_row(path, kind) for path, kind in _candidates(root, depth=1)]


# The names that mark a folder, taken from the path owners. One listdir per
# folder and set lookups keep a thousand runs to a few stat-free checks.
_SWEEP_MARK = SweepDir("_").plan_path.name
_RUN = RunDir("_")
# Any file a run writes, so that a run whose summary is gone still shows.
_RUN_MARKS = {path.name for path in (_RUN.summary_path, _RUN.config_path, _RUN.overrides_path,
                                     _RUN.metrics_path, _RUN.checkpoints_root)}


def _kind(path: Path) -> str | None:
    """``sweep``, ``run`` or None (neither, or not a readable folder)."""
    try:
        names = set(os.listdir(path))
    except OSError:
        return None
    if _SWEEP_MARK in names:
        return "sweep"
    return "run" if names & _RUN_MARKS else None


def _candidates(folder: Path, *, depth: int) -> Iterable[tuple[Path, str]]:
    try:
        entries = sorted((e.name for e in os.scandir(folder)
                          if not e.name.startswith(".") and e.is_dir()))
    except OSError:
        return
    for name in entries:
        path = folder / name
        kind = _kind(path)
        if kind is not None:
            yield path, kind
        elif depth < _MAX_DEPTH:
            yield from _candidates(path, depth=depth + 1)


def _row(path: Path, kind: str) -> RunRow:
    return _sweep_row(SweepDir(path)) if kind == "sweep" else _run_row(RunDir(path))


def _run_row(run: RunDir) -> RunRow:
    summary, reason = _load_summary(run)
    if summary is None:
        return RunRow(name=run.root.name, kind="run", status="broken", path=str(run.root),
                      reason=reason)
    metric = _main_metric(summary)
    best = (summary.get("best") or {}).get(metric) or {}
    return RunRow(
        name=str(summary.get("name") or run.root.name), kind="run",
        status=str(summary.get("status", "unknown")), path=str(run.root),
        started=summary.get("started_at"), duration_s=_number(summary.get("wall_time_s")),
        steps=summary.get("steps"), metric=metric,
        final=_number((summary.get("final") or {}).get(metric)), best=_number(best.get("value")),
        reason=summary.get("error"), _mode=metric_mode(metric),
    )


def _load_summary(run: RunDir) -> tuple[dict[str, Any] | None, str | None]:
    """The parsed summary.json, or None and why it cannot be read."""
    try:
        with open(run.summary_path, "rb") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None, "summary.json is missing"
    except (OSError, ValueError) as error:
        return None, f"summary.json is unreadable: {type(error).__name__}: {error}"
    if not isinstance(data, dict):
        return None, "summary.json is not a JSON object"
    return data, None


def _main_metric(summary: dict[str, Any]) -> str:
    if summary.get("metric"):
        return str(summary["metric"])
    return "val_loss" if "val_loss" in (summary.get("final") or {}) else "loss"


def _sweep_row(sweep: SweepDir) -> RunRow:
    import yaml

    try:
        plan = yaml.safe_load(sweep.plan_path.read_text())
        trials = [str(t["id"]) for t in plan["trials"]]
    except Exception as error:  # any damage: the row says so, the listing goes on
        return RunRow(name=sweep.root.name, kind="sweep", status="broken", path=str(sweep.root),
                      reason=f"sweep.yaml is unreadable: {type(error).__name__}: {error}")
    metric = str(plan.get("metric") or "val_loss")
    summaries = [_load_summary(sweep.trial(trial))[0] for trial in trials]
    return _sweep_totals(sweep, plan, trials, metric, summaries)


def _sweep_totals(sweep: SweepDir, plan: dict[str, Any], trials: list[str], metric: str,
                  summaries: list[dict[str, Any] | None]) -> RunRow:
    started = [s["started_at"] for s in summaries if s and s.get("started_at")]
    statuses = [s.get("status") if s else "pending" for s in summaries]
    best_trial = _best_trial(summaries, metric)
    failed = sum(status == "failed" for status in statuses)
    return RunRow(
        name=str(plan.get("name") or sweep.root.name), kind="sweep", trials=len(trials),
        status=_sweep_status(statuses), path=str(sweep.root),
        started=min(started) if started else None,
        duration_s=_total(s.get("wall_time_s") for s in summaries if s),
        steps=_total(s.get("steps") for s in summaries if s), metric=metric,
        final=_number((best_trial.get("final") or {}).get(metric)) if best_trial else None,
        best=_number(((best_trial.get("best") or {}).get(metric) or {}).get("value"))
        if best_trial else None,
        reason=f"{failed} of {len(trials)} trials failed" if failed else None,
        _mode=str(plan.get("mode") or metric_mode(metric)),
    )


def _best_trial(summaries: list[dict[str, Any] | None], metric: str) -> dict[str, Any] | None:
    chosen, chosen_value = None, None
    for summary in summaries:
        value = _number((((summary or {}).get("best") or {}).get(metric) or {}).get("value"))
        if value is not None and better(metric, value, chosen_value):
            chosen, chosen_value = summary, value
    return chosen


def _sweep_status(statuses: list[str]) -> str:
    """running while any trial runs; completed when every trial ended; else incomplete."""
    if "running" in statuses:
        return "running"
    if all(status in ("completed", "diverged", "failed") for status in statuses):
        return "completed"
    return "incomplete"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _total(values: Iterable[Any]) -> Any:
    numbers = [v for v in values if isinstance(v, (int, float))]
    return sum(numbers) if numbers else None


def filter_rows(rows: list[RunRow], *, status: str | None = None,
                name: str | None = None) -> list[RunRow]:
    """The rows with ``status`` and whose name (or folder name) matches the glob ``name``."""
    return [
        row for row in rows
        if (status is None or row.status == status)
        and (name is None or fnmatch.fnmatchcase(row.name, name)
             or fnmatch.fnmatchcase(Path(row.path).name, name))
    ]


def sort_rows(rows: list[RunRow], key: str) -> list[RunRow]:
    """``rows`` sorted by ``key`` (one of :data:`SORT_KEYS`), missing values last.

    ``final`` and ``best`` sort best first, by each row's own metric direction.
    """
    if key not in SORT_KEYS:
        raise ValueError(f"key must be one of {SORT_KEYS}. Received: key={key!r}")
    attribute = {"duration": "duration_s"}.get(key, key)

    def order(row: RunRow) -> tuple[bool, Any]:
        value = getattr(row, attribute)
        if value is not None and key in ("final", "best") and row._mode == "max":
            value = -value
        return value is None, value if value is not None else 0

    return sorted(rows, key=order)
