"""Run a sweep plan into a sweep directory, or continue one that was interrupted.

Layout::

    <sweep>/sweep.yaml          the resolved plan, written before any trial runs
    <sweep>/trials/<trial-id>/  one complete run directory per trial
    <sweep>/results.csv         one row per trial, rewritten as trials finish
    <sweep>/summary.csv         one row per grid point, mean/std/count over seeds
    <sweep>/report.md           the sorted table and the plots
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from adamctl._atomic import atomic_write_text
from adamctl.errors import UsageError
from adamctl.sweep.plan import SweepPlan, plan_from_dict
from adamctl.training.rundir import RunDir, stamped_path

__all__ = ["SweepDir", "SweepOutcome", "run_sweep", "load_plan", "new_sweep_dir"]


class SweepDir:
    """The one owner of every path inside a sweep directory."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @property
    def plan_path(self) -> Path:
        return self.root / "sweep.yaml"

    @property
    def results_path(self) -> Path:
        return self.root / "results.csv"

    @property
    def summary_path(self) -> Path:
        return self.root / "summary.csv"

    @property
    def report_path(self) -> Path:
        return self.root / "report.md"

    def trial(self, trial_id: str) -> RunDir:
        return RunDir(self.root / "trials" / trial_id)

    def is_sweep(self) -> bool:
        return self.plan_path.is_file()


def new_sweep_dir(runs_root: Path, name: str, *, now: _dt.datetime | None = None) -> SweepDir:
    """A fresh ``<runs_root>/<name>-sweep-<YYYYmmdd-HHMMSS>`` (``-2``... on a clash)."""
    return SweepDir(stamped_path(runs_root, f"{name}-sweep", now=now))


@dataclass
class SweepOutcome:
    """The finished sweep: its directory, plan and results table."""

    sweep_dir: SweepDir
    plan: SweepPlan
    results: Any  # pandas.DataFrame


def load_plan(sweep_dir: SweepDir) -> SweepPlan:
    """The plan in ``sweep.yaml`` of an existing sweep directory."""
    if not sweep_dir.is_sweep():
        raise UsageError(
            f"{sweep_dir.root} is not a sweep directory (it has no sweep.yaml); "
            'start one with "adamctl sweep CONFIG"'
        )
    return plan_from_dict(yaml.safe_load(sweep_dir.plan_path.read_text()))


def run_sweep(
    plan: SweepPlan,
    sweep_dir: SweepDir,
    *,
    workers: int,
    executor: str = "local",
    address: str | None = None,
    resume: bool = False,
    progress: Callable[[dict[str, Any], int, int], None] | None = None,
) -> SweepOutcome:
    """Run every trial of ``plan`` that is not finished, and write the tables.

    A new sweep refuses a directory that already holds one. On ``resume``,
    completed and diverged trials are kept, trials with a run directory
    resume from their newest checkpoint, and the others start.
    """
    from adamctl.sweep.local import TrialJob

    if not resume:
        if sweep_dir.is_sweep():
            raise UsageError(
                f'{sweep_dir.root} already holds a sweep; use "adamctl sweep --resume '
                f'{sweep_dir.root}" or choose another --sweep-dir'
            )
        sweep_dir.root.mkdir(parents=True, exist_ok=True)
        atomic_write_text(sweep_dir.plan_path, yaml.safe_dump(plan.to_dict(), sort_keys=False))
    records = _initial_records(plan, sweep_dir)
    jobs = [
        TrialJob(t.id, str(sweep_dir.trial(t.id).root), plan.configs[t.id],
                 resume=sweep_dir.trial(t.id).has_run())
        for t in plan.trials if records[t.id]["status"] not in ("completed", "diverged")
    ]
    finished = [len(plan.trials) - len(jobs)]

    def on_outcome(outcome: dict[str, Any]) -> None:
        trial = next(t for t in plan.trials if t.id == outcome["trial"])
        records[trial.id] = _record(plan, sweep_dir, trial, outcome)
        finished[0] += 1
        _write(plan, sweep_dir, records)
        if progress is not None:
            progress(records[trial.id], finished[0], len(plan.trials))

    _write(plan, sweep_dir, records)
    _execute(jobs, executor=executor, address=address, workers=workers, on_outcome=on_outcome)
    results = _write(plan, sweep_dir, records, final=True)
    return SweepOutcome(sweep_dir, plan, results)


def _execute(jobs, *, executor, address, workers, on_outcome) -> None:
    if not jobs:
        return
    if executor == "ray":
        from adamctl.sweep.ray import run_ray

        run_ray(jobs, address=address, workers=workers, on_outcome=on_outcome)
    else:
        from adamctl.sweep.local import run_local

        run_local(jobs, workers=workers, on_outcome=on_outcome)


def _initial_records(plan: SweepPlan, sweep_dir: SweepDir) -> dict[str, dict[str, Any]]:
    """Each trial's row as things stand on disk (pending when it never started)."""
    from adamctl.training.summary import read_summary

    records = {}
    for trial in plan.trials:
        run = sweep_dir.trial(trial.id)
        summary = read_summary(run.summary_path) if run.summary_path.exists() else None
        status = summary["status"] if summary else "pending"
        records[trial.id] = _record(plan, sweep_dir, trial,
                                    {"status": status, "error": None, "summary": summary})
    return records


def _record(plan: SweepPlan, sweep_dir: SweepDir, trial: Any, outcome: dict[str, Any]) -> dict:
    from adamctl.sweep.results import trial_record

    return trial_record(
        trial.id, trial.point.id, trial.point.as_dict(), trial.seed, outcome.get("summary"),
        status=outcome["status"], error=outcome.get("error"),
        run_dir=sweep_dir.trial(trial.id).root,
    )


def _write(plan: SweepPlan, sweep_dir: SweepDir, records: dict, *, final: bool = False) -> Any:
    from adamctl.sweep.results import aggregate, results_frame, write_tables

    ordered = [records[t.id] for t in plan.trials]
    results = results_frame(ordered, plan.swept_keys)
    write_tables(sweep_dir.root, results, aggregate(results, plan.swept_keys))
    if final:
        from adamctl.report.sweep_report import write_sweep_report

        write_sweep_report(sweep_dir.root)
    return results
