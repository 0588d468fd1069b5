"""A sweep's trials as jobs for the warm worker pool: populations, and trials that run alone.

This runs in the sweep's own process and imports no framework: it only
groups configs. A :class:`PopulationJob` goes to one worker, which trains
it (:func:`adamctl.population.worker.run_population_job`) and answers one
outcome per trial as each ends; two workers train two populations at once.
Trials that cannot be in a population stay ordinary trial jobs: resumed
ones (which resume exactly on their own, their summary.json keeping what
the population wrote) and ones that share their group with no other
trial (their summary.json says why: ``population_fallback``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from adamctl.population.grouping import group_trials

__all__ = ["Dispatch", "PopulationJob", "PopulationPlan", "plan_populations", "note_fallback"]


@dataclass(frozen=True)
class PopulationJob:
    """Trials (sweep TrialJobs) to train as one population in one worker."""

    trials: tuple[Any, ...]

    @property
    def trial_ids(self) -> list[str]:
        return [trial.trial_id for trial in self.trials]


@dataclass
class PopulationPlan:
    """The jobs for the pool, largest populations first, and why some trials run alone."""

    jobs: list[Any] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    run_dirs: dict[str, str] = field(default_factory=dict)

    def noting(self, on_outcome: Callable[[dict[str, Any]], None]
               ) -> Callable[[dict[str, Any]], None]:
        """``on_outcome``, after writing into each noted trial's summary.json why it ran alone."""

        def noted(outcome: dict[str, Any]) -> None:
            why = self.notes.get(outcome["trial"])
            if why is not None:
                outcome = note_fallback(outcome, Path(self.run_dirs[outcome["trial"]]), why)
            on_outcome(outcome)

        return noted


class Dispatch:
    """The pool's jobs, counting the trials a worker has taken that have not ended yet.

    The worker pool takes a job only when a worker is free (see
    :func:`adamctl.sweep.local.run_local`), so a trial counts from the moment
    its population starts training until its outcome arrives.
    """

    def __init__(self, jobs: Sequence[Any]) -> None:
        self._jobs, self._training = list(jobs), set()

    def __len__(self) -> int:
        return len(self._jobs)

    def __iter__(self):
        for job in self._jobs:
            ids = job.trial_ids if isinstance(job, PopulationJob) else [job.trial_id]
            self._training.update(ids)
            yield job

    def ended(self, trial_id: str) -> int:
        """Note that ``trial_id`` ended; how many trials are still training."""
        self._training.discard(trial_id)
        return len(self._training)


def plan_populations(jobs: Sequence[Any], *, size: int | None, workers: int,
                     warn: Callable[[str], None] = lambda message: None) -> PopulationPlan:
    """Group ``jobs`` (TrialJobs) into populations of ``size`` (default: chosen, see grouping)."""
    fresh = [job for job in jobs if not job.resume]
    by_id = {job.trial_id: job for job in jobs}
    grouping = group_trials({job.trial_id: job.config for job in fresh}, size=size,
                            workers=workers)
    if grouping.why_alone:
        warn(f"population: {grouping.why_alone}; those run on the local executor")
    plan = PopulationPlan(run_dirs={job.trial_id: job.run_dir for job in jobs})
    populations = sorted(grouping.populations, key=len, reverse=True)
    plan.jobs = [PopulationJob(tuple(by_id[t] for t in trial_ids)) for trial_ids in populations]
    plan.jobs += [job for job in jobs if job.resume]  # resumed exactly on their own
    for trial_id in grouping.alone:
        plan.notes[trial_id] = grouping.why_alone or "alone in its group"
        plan.jobs.append(by_id[trial_id])
    return plan


def note_fallback(outcome: dict[str, Any], run_dir: Path, why: str) -> dict[str, Any]:
    """Record in a finished trial's summary.json that it ran on the local executor, and why."""
    from adamctl.store import RunDir
    from adamctl.store.summary import RunSummary, summary_of

    run = RunDir(run_dir)
    if outcome["status"] in ("locked", "stopped") or not run.summary_path.exists():
        return outcome  # another process's run, or one stopped before it answered
    summary = RunSummary.load(run.summary_path)
    summary.data.update(executor="local", population_fallback=why)
    summary.write()
    return {**outcome, "summary": summary_of(run)}
