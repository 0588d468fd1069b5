"""Run a sweep plan into a sweep directory, or continue one that was interrupted.

The directory's layout belongs to :class:`adamctl.store.SweepDir`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from adamctl.store import SweepDir
from adamctl.sweep.plan import SweepPlan, plan_from_dict

__all__ = ["SweepOutcome", "run_sweep", "load_plan"]


@dataclass
class SweepOutcome:
    """The finished sweep: its directory, plan and results table."""

    sweep_dir: SweepDir
    plan: SweepPlan
    results: Any  # pandas.DataFrame


def load_plan(sweep_dir: SweepDir) -> SweepPlan:
    """The plan in ``sweep.yaml`` of an existing sweep directory."""
    return plan_from_dict(sweep_dir.read_plan())


def run_sweep(
    plan: SweepPlan,
    sweep_dir: SweepDir,
    *,
    workers: int,
    executor: str = "local",
    address: str | None = None,
    resume: bool = False,
    progress: Callable[[dict[str, Any], int, int], None] | None = None,
    deadline: float | None = None,
) -> SweepOutcome:
    """Run every trial of ``plan`` that is not finished, and write the tables.

    A new sweep refuses a directory that already holds one. On ``resume``,
    completed and diverged trials are kept, trials with a run directory
    resume from their newest checkpoint, and the others start. No trial
    starts once ``time.monotonic()`` reaches ``deadline`` (``--budget``).
    """
    from adamctl.sweep.local import TrialJob

    if not resume:
        sweep_dir.create(plan.to_dict())
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
    if deadline is not None and jobs:
        jobs = _started_before(deadline, jobs)
    _execute(jobs, executor=executor, address=address, workers=workers, on_outcome=on_outcome)
    results = _write(plan, sweep_dir, records, final=True)
    return SweepOutcome(sweep_dir, plan, results)


def _execute(jobs, *, executor, address, workers, on_outcome) -> None:
    if not jobs:
        return
    if executor == "ray":
        from adamctl.sweep.ray import run_ray

        run_ray(list(jobs), address=address, workers=workers, on_outcome=on_outcome)
    else:
        from adamctl.sweep.local import run_local

        run_local(jobs, workers=workers, on_outcome=on_outcome)


def _started_before(deadline: float, jobs: list) -> Any:
    """``jobs`` one at a time, until ``time.monotonic()`` reaches ``deadline`` (``--budget``)."""
    import time

    for job in jobs:
        if time.monotonic() >= deadline:
            return
        yield job


def _initial_records(plan: SweepPlan, sweep_dir: SweepDir) -> dict[str, dict[str, Any]]:
    """Each trial's row as things stand on disk (pending when it never started)."""
    from adamctl.store.summary import summary_of

    records = {}
    for trial in plan.trials:
        summary = summary_of(sweep_dir.trial(trial.id))
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
    from adamctl.store.tables import write_sweep_tables
    from adamctl.sweep.results import aggregate, results_frame

    ordered = [records[t.id] for t in plan.trials]
    results = results_frame(ordered, plan.swept_keys)
    write_sweep_tables(sweep_dir, results, aggregate(results, plan.swept_keys))
    if final:
        from adamctl.report.sweep_report import write_sweep_report

        write_sweep_report(sweep_dir)
    return results
