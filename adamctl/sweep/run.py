"""Run a sweep plan into a sweep directory, or continue one that was interrupted.

The directory's layout belongs to :class:`adamctl.store.SweepDir`. One
process at a time runs a sweep directory (:class:`adamctl.store.lock.SweepLock`).

Trial statuses in the tables: ``pending`` (never started, or started
without a checkpoint), ``interrupted`` (stopped with a checkpoint to resume
from), and the run's own final status (completed, diverged, failed). A
trial another process is writing is left as it stands, never marked
failed, and a completed or diverged trial is never marked again.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from adamctl.errors import ConfigError, Interrupted
from adamctl.store import SweepDir
from adamctl.sweep.plan import SweepPlan, plan_from_dict

__all__ = ["SweepOutcome", "run_sweep", "load_plan", "plan_errors", "status_on_disk"]


@dataclass
class SweepOutcome:
    """The finished sweep: its directory, plan and results table."""

    sweep_dir: SweepDir
    plan: SweepPlan
    results: Any  # pandas.DataFrame


_SETTLED = ("completed", "diverged")


def load_plan(sweep_dir: SweepDir) -> SweepPlan:
    """The plan in ``sweep.yaml`` of an existing sweep directory.

    Raises:
        UsageError: the directory holds no sweep.yaml.
        ConfigError: sweep.yaml is not a plan adamctl wrote, naming the file.
    """
    with plan_errors(sweep_dir):
        return plan_from_dict(sweep_dir.read_plan())


@contextlib.contextmanager
def plan_errors(sweep_dir: SweepDir) -> Iterator[None]:
    """Turn what reading and parsing ``sweep.yaml`` can raise into a ConfigError naming the file."""
    import yaml

    try:
        yield
    except yaml.YAMLError as error:
        problem = " ".join(str(error).split())[:200]
        raise ConfigError(f"is not valid YAML ({problem})", file=sweep_dir.plan_path) from None
    except ConfigError as error:
        raise error.with_file(sweep_dir.plan_path) from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ConfigError(f"is not a sweep plan adamctl wrote ({type(error).__name__}: {error}); "
                          "restore it or start a new sweep", file=sweep_dir.plan_path) from None


def run_sweep(
    plan: SweepPlan,
    sweep_dir: SweepDir,
    *,
    workers: int,
    executor: str = "local",
    address: str | None = None,
    resume: bool = False,
    progress: Callable[[dict[str, Any], int, int], None] | None = None,
    gpus: Sequence[int] = (),
    deadline: float | None = None,
    population: dict[str, Any] | None = None,
    change: Callable[[SweepPlan], SweepPlan] | None = None,
) -> SweepOutcome:
    """Run every trial of ``plan`` that is not finished, and write the tables.

    A new sweep refuses a directory that already holds one. On ``resume``,
    completed and diverged trials are kept (a completed one trains on when
    the plan has more epochs than it ran), trials with a run directory
    resume from their newest checkpoint, and the others start. ``change``
    (``--rerun``, ``--extend``) turns the plan into the one to run, under
    the sweep's lock, and is recorded in ``sweep.yaml``. ``gpus`` pins local
    workers one per GPU (round-robin). No trial starts once
    ``time.monotonic()`` reaches ``deadline`` (``--budget``). ``population``
    holds :func:`adamctl.population.plan_populations`'s ``size`` and
    ``warn`` for ``executor="population"``: populations and the trials
    that cannot join one then run on the local worker pool, and each record
    given to ``progress`` also carries ``training``, the members training.

    Raises:
        RunLocked: another process runs this sweep directory (naming its pid).
        Interrupted: SIGINT or SIGTERM stopped the sweep (local executor);
            the running trials were checkpointed and recorded as interrupted.
    """
    from adamctl.store.lock import SweepLock

    with SweepLock(sweep_dir.root):
        if not resume:
            sweep_dir.create(plan.to_dict())
        elif change is not None:
            changed = change(plan)
            if changed is not plan:
                sweep_dir.update_plan(changed.to_dict())
            plan = changed
        return _run_locked(plan, sweep_dir, workers=workers, executor=executor, address=address,
                           progress=progress, gpus=gpus, deadline=deadline,
                           population=population or {})


def _run_locked(plan: SweepPlan, sweep_dir: SweepDir, *, workers, executor, address,
                progress, gpus=(), deadline=None, population=None) -> SweepOutcome:
    from adamctl.sweep._warm import FigureHelper, ReportImports
    from adamctl.sweep.local import SweepStopped

    records = _initial_records(plan, sweep_dir)
    jobs = [_job(plan, sweep_dir, t) for t in plan.trials
            if records[t.id]["status"] not in _SETTLED or _to_extend(plan, sweep_dir, t, records)]
    finished = [len(plan.trials) - len(jobs)]
    tables = _AtMostEvery(_TABLES_EVERY_S, lambda: _write(plan, sweep_dir, records))
    dispatch = None  # a population sweep's: how many members are training

    def on_outcome(outcome: dict[str, Any]) -> None:
        trial = next(t for t in plan.trials if t.id == outcome["trial"])
        records[trial.id] = _record(plan, sweep_dir, trial, recorded_outcome(sweep_dir, trial, outcome))
        finished[0] += 1
        tables()
        if progress is not None:
            shown = records[trial.id]
            if dispatch is not None:
                shown = {**shown, "training": dispatch.ended(trial.id)}
            progress(shown, finished[0], len(plan.trials))

    if executor == "population" and jobs:
        from adamctl.population import Dispatch

        planned = _population_jobs(jobs, workers=workers, population=population or {})
        dispatch = Dispatch(planned.jobs)
        jobs, on_outcome = dispatch, planned.noting(on_outcome)
    report_imports, figures = ReportImports(), FigureHelper()

    def on_start() -> None:  # while the workers start: the tables as they stand, the imports
        _write(plan, sweep_dir, records)
        report_imports.start()
        figures.start()

    try:
        try:
            _execute(jobs, executor=executor, address=address, workers=workers,
                     on_outcome=on_outcome, gpus=gpus, deadline=deadline, on_start=on_start)
        except SweepStopped as stopped:
            for trial in plan.trials:  # a worker killed before it answered left its files only
                if records[trial.id]["status"] == "pending":
                    records[trial.id] = _record(plan, sweep_dir, trial, recorded_outcome(
                        sweep_dir, trial, {"status": "stopped", "error": None}))
            report_imports.wait()
            _write(plan, sweep_dir, records, final=True, figures=figures)
            raise interrupted(sweep_dir, stopped.signum) from None
        report_imports.wait()
        results = _write(plan, sweep_dir, records, final=True, figures=figures)
    finally:
        figures.close()
    unfinished = [t.id for t in plan.trials if records[t.id]["status"] not in _SETTLED]
    if deadline is not None and unfinished and time.monotonic() >= deadline:
        raise budget_spent(sweep_dir, [records[t]["status"] for t in unfinished])
    return SweepOutcome(sweep_dir, plan, results)


# Rewriting results.csv and summary.csv costs ~60 ms (pandas); a population's
# outcomes arrive in bursts of dozens, so the tables are rewritten at most this
# often while trials finish. The sweep's end (or stop) always writes them.
_TABLES_EVERY_S = 1.0


class _AtMostEvery:
    """Call ``action`` when called, unless it ran less than ``seconds`` ago."""

    def __init__(self, seconds: float, action: Callable[[], Any]) -> None:
        import time

        self._clock, self._seconds, self._action = time.monotonic, seconds, action
        self._last = float("-inf")

    def __call__(self) -> None:
        if self._clock() - self._last >= self._seconds:
            self._action()
            self._last = self._clock()


def budget_spent(sweep_dir: SweepDir, statuses: Sequence[str]) -> Interrupted:
    """The end of a sweep that ran out of ``--budget`` with trials left (exit code 124).

    124, as coreutils' ``timeout`` and ``training.max_time``: a stop on a time
    limit, not a failure.
    """
    stopped = sum(status == "interrupted" for status in statuses)
    return Interrupted(
        f"sweep {sweep_dir.root}: the --budget ran out with {len(statuses)} trial(s) unfinished "
        f"({stopped} stopped at a checkpoint, {len(statuses) - stopped} not started); continue "
        f'with "adamctl sweep --resume {sweep_dir.root}"', exit_code=124)


def _job(plan: SweepPlan, sweep_dir: SweepDir, trial: Any) -> Any:
    """A trial's job: started afresh, or resumed at the plan's epochs."""
    from adamctl.sweep.local import TrialJob

    run = sweep_dir.trial(trial.id)
    config = plan.configs[trial.id]
    if not run.has_run():
        return TrialJob(trial.id, str(run.root), config, source=plan.source)
    # After --extend, a trial resumes at the plan's epochs, whatever its
    # config.yaml or its checkpoint (which a kill may have left behind) says.
    extended = any(event.get("event") == "extend" for event in plan.history)
    return TrialJob(trial.id, str(run.root), config, resume=True,
                    epochs=config["training"]["epochs"] if extended else None)


def _to_extend(plan: SweepPlan, sweep_dir: SweepDir, trial: Any, records: dict) -> bool:
    """A completed trial that ran fewer epochs than the plan now has (``--extend``).

    A trial that ``training.early_stopping`` ended is complete at any length:
    the same rule would have stopped a longer run there too.
    """
    from adamctl.store.summary import summary_of

    run = sweep_dir.trial(trial.id)
    if records[trial.id]["status"] != "completed":
        return False
    if (summary_of(run) or {}).get("early_stopped_at_epoch") is not None:
        return False
    return _epochs_on_disk(run) < plan.configs[trial.id]["training"]["epochs"]


def _epochs_on_disk(run: Any) -> int:
    import yaml

    return int(yaml.safe_load(run.config_path.read_text())["training"]["epochs"])


def interrupted(sweep_dir: SweepDir, signum: int) -> Interrupted:
    import signal

    from adamctl.training.interrupts import exit_code_for

    return Interrupted(
        f"sweep {sweep_dir.root} stopped by {signal.Signals(signum).name}; the running trials "
        f'were checkpointed; continue with "adamctl sweep --resume {sweep_dir.root}"',
        exit_code=exit_code_for(signum),
    )


def recorded_outcome(sweep_dir: SweepDir, trial: Any, outcome: dict[str, Any]) -> dict[str, Any]:
    """The outcome as the tables should show it.

    A trial that was locked by another process, or whose worker was stopped
    before it could answer, keeps the status its files show; one whose files
    say it completed or diverged keeps that status, whatever this attempt
    reported.
    """
    from adamctl.store.summary import summary_of

    run = sweep_dir.trial(trial.id)
    summary = summary_of(run)
    on_disk = status_on_disk(run, summary)
    if on_disk in _SETTLED and outcome["status"] != on_disk:
        return {"status": on_disk, "error": None, "summary": summary}
    if outcome["status"] == "locked":
        return {"status": on_disk, "summary": summary,
                "error": f"skipped: {outcome['error']}; sweep --resume runs it once it is free"}
    if outcome["status"] == "stopped":
        return {"status": on_disk, "summary": summary, "error": None}
    return outcome


def status_on_disk(run: Any, summary: dict[str, Any] | None) -> str:
    """A trial's status from its files: a start that never finished is interrupted or pending."""
    status = summary["status"] if summary else "pending"
    if status in ("running", "pending"):
        return "interrupted" if run.checkpoint_dirs() else "pending"
    return status


def _population_jobs(jobs: list, *, workers: int, population: dict[str, Any]) -> Any:
    """The trials as populations and single trials for the worker pool (executor population)."""
    from adamctl.population import plan_populations

    return plan_populations(jobs, size=population.get("size"), workers=workers,
                            warn=population.get("warn", lambda message: None))


def _execute(jobs, *, executor, address, workers, on_outcome, gpus=(), deadline=None,
             on_start: Callable[[], Any] = lambda: None) -> None:
    if not jobs:
        on_start()
        return
    if executor == "ray":
        from adamctl.sweep.ray import run_ray

        # Ray takes its jobs up front: the budget is checked once, when they
        # are handed over, and trials already running finish.
        on_start()
        run_ray(list(_started_before(deadline, jobs)), address=address, workers=workers,
                on_outcome=on_outcome)
    else:
        from adamctl.sweep.local import run_local

        run_local(jobs, workers=workers, on_outcome=on_outcome, gpus=gpus, deadline=deadline,
                  on_start=on_start)


def _started_before(deadline: float | None, jobs: list) -> Any:
    """``jobs`` one at a time, until ``time.monotonic()`` reaches ``deadline`` (``--budget``)."""
    for job in jobs:
        if deadline is not None and time.monotonic() >= deadline:
            return
        yield job


def _initial_records(plan: SweepPlan, sweep_dir: SweepDir) -> dict[str, dict[str, Any]]:
    """Each trial's row as things stand on disk (pending when it never started)."""
    from adamctl.store.summary import summary_of

    records = {}
    for trial in plan.trials:
        summary = summary_of(sweep_dir.trial(trial.id))
        status = status_on_disk(sweep_dir.trial(trial.id), summary)
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


def _write(plan: SweepPlan, sweep_dir: SweepDir, records: dict, *, final: bool = False,
           figures: Any = None) -> Any:
    from adamctl.store.tables import write_sweep_tables
    from adamctl.sweep.results import aggregate, results_frame

    ordered = [records[t.id] for t in plan.trials]
    results = results_frame(ordered, plan.swept_keys)
    write_sweep_tables(sweep_dir, results, aggregate(results, plan.swept_keys))
    if final:
        from adamctl.report.sweep_report import write_sweep_report

        write_sweep_report(sweep_dir, helper=figures)
    return results
