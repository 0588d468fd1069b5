"""Run a search: ask the sampler for a point whenever a worker is free, tell it each result.

Trials are ordinary adamctl run directories run by the same executors as a
grid's; Optuna only chooses the points (ask), learns the results (tell) and,
with a pruner, judges each trial's epoch metric from inside its worker
(:mod:`adamctl.sweep.pruning`). A trial's id is its number in the study
(``p000-s<seed>``), so ids are never reused, and ``sweep.yaml`` lists every
trial asked for before it starts.

On ``--resume``, finished trials (completed, diverged, pruned, failed) are
kept, trials with a run directory that did not finish continue from their
newest checkpoint (without pruning), and new points are asked for until the
search has its count.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Iterator, Sequence

from adamctl.store import SweepDir
from adamctl.sweep.search_plan import SearchPlan

__all__ = ["run_search", "trial_config", "FINISHED"]

FINISHED = ("completed", "diverged", "pruned", "failed")


def run_search(plan: SearchPlan, sweep_dir: SweepDir, *, workers: int, executor: str = "local",
               address: str | None = None, resume: bool = False,
               deadline: float | None = None,
               progress: Callable[[dict[str, Any], int, int], None] | None = None,
               gpus: Sequence[int] = ()) -> Any:
    """Run ``plan`` into ``sweep_dir`` and write the tables; return the SweepOutcome.

    ``deadline`` (a ``time.monotonic()`` value) stops asking for new points
    once passed, and the local executor stops the running trials at a
    checkpoint; trials left then raise :class:`~adamctl.errors.Interrupted`
    (exit code 124). Like a grid sweep, a search holds the sweep directory's
    lock, and SIGINT or SIGTERM checkpoints the running trials and raises
    :class:`~adamctl.errors.Interrupted`.
    """
    from adamctl.store.lock import SweepLock

    with SweepLock(sweep_dir.root):
        return _run_locked(plan, sweep_dir, workers=workers, executor=executor, address=address,
                           resume=resume, deadline=deadline, progress=progress, gpus=gpus)


def _run_locked(plan: SearchPlan, sweep_dir: SweepDir, *, workers: int, executor: str,
                address: str | None, resume: bool, deadline: float | None,
                progress: Callable | None, gpus: Sequence[int]) -> Any:
    from adamctl.sweep.local import SweepStopped
    from adamctl.sweep.run import SweepOutcome, budget_spent, interrupted
    from adamctl.sweep.study import make_pruner, make_sampler, open_study

    sampler = make_sampler(plan.search, plan.seed, trials=plan.trials, already=len(plan.sampled))
    if not resume:
        plan.study = plan.study or sweep_dir.root.name
        sweep_dir.create(plan.to_dict())
    storage = plan.storage or sweep_dir.optuna_storage_url
    study = open_study(storage, plan.study, mode=plan.mode, sampler=sampler,
                       pruner=make_pruner(plan.prune))
    search = _Search(plan, sweep_dir, study, storage, progress)
    jobs = search.jobs(deadline)
    if executor == "ray":
        from adamctl.sweep.ray import run_ray

        # Ray takes its jobs up front: every point is asked for before any
        # result is told, so tpe samples like random there.
        run_ray(list(jobs), address=address, workers=workers, on_outcome=search.on_outcome)
    else:
        from adamctl.sweep.local import run_local

        try:
            run_local(jobs, workers=workers, on_outcome=search.on_outcome, gpus=gpus,
                      deadline=deadline)
        except SweepStopped as stopped:
            search.write(final=True)
            raise interrupted(sweep_dir, stopped.signum) from None
    results = search.write(final=True)
    unfinished = [record["status"] for record in search.records.values()
                  if record["status"] not in FINISHED]
    unfinished += ["pending"] * (plan.trials - len(plan.sampled))
    if deadline is not None and unfinished and time.monotonic() >= deadline:
        raise budget_spent(sweep_dir, unfinished)
    return SweepOutcome(sweep_dir, plan, results)


class _Search:
    """The state of one session of a search: the study, the records, the trials' study ids."""

    def __init__(self, plan: SearchPlan, sweep_dir: SweepDir, study: Any, storage: str,
                 progress: Callable | None) -> None:
        self.plan, self.sweep_dir, self.study, self.storage = plan, sweep_dir, study, storage
        self.progress = progress
        self.records: dict[str, dict[str, Any]] = {}
        self.study_ids: dict[str, int] = {t.number: t._trial_id for t in study.trials}
        for trial in plan.sampled:
            outcome = _on_disk(sweep_dir, trial.id)
            self._record(trial, outcome)
            if outcome["status"] in FINISHED:  # a kill may have come between its end and the tell
                self._tell(trial, outcome)

    def jobs(self, deadline: float | None) -> Iterator[Any]:
        """Unfinished trials of an earlier session first, then newly asked ones."""
        for trial in list(self.plan.sampled):
            if self.records[trial.id]["status"] not in FINISHED:
                yield self._job(trial, resume=self.sweep_dir.trial(trial.id).has_run())
        while len(self.plan.sampled) < self.plan.trials:
            if deadline is not None and time.monotonic() >= deadline:
                return
            job = self._ask()
            if job is not None:
                yield job

    def _ask(self) -> Any:
        from adamctl.sweep.space import distributions

        asked = self.study.ask(distributions(self.plan.space))
        trial = self.plan.add(asked.number, asked.params)
        self.study_ids[trial.point.index] = asked._trial_id
        self._record(trial, {"status": "running", "summary": None})
        self.sweep_dir.update_plan(self.plan.to_dict())  # listed before it starts
        try:
            return self._job(trial, resume=False)
        except Exception as error:  # noqa: BLE001 - a bad sampled point fails that trial only
            self.on_outcome({"trial": trial.id, "status": "failed", "summary": None,
                             "error": f"{type(error).__name__}: {error}"})
            return None

    def _job(self, trial: Any, *, resume: bool) -> Any:
        from adamctl.sweep.local import TrialJob
        from adamctl.sweep.pruning import ReportTo

        report = None
        if self.plan.prune and not resume:
            report = ReportTo(self.storage, self.plan.study, self.study_ids[trial.point.index],
                              self.plan.metric, self.plan.mode, self.plan.prune)
        return TrialJob(trial.id, str(self.sweep_dir.trial(trial.id).root),
                        trial_config(self.plan, trial), resume=resume, report=report,
                        source=self.plan.source)

    def on_outcome(self, outcome: dict[str, Any]) -> None:
        from adamctl.sweep.run import recorded_outcome

        trial = next(t for t in self.plan.sampled if t.id == outcome["trial"])
        busy = outcome["status"] in ("locked", "stopped")  # its files say how it stands
        outcome = {"trial": trial.id, **recorded_outcome(self.sweep_dir, trial, outcome)}
        self._record(trial, outcome)
        if not busy:
            self._tell(trial, outcome)
        self.write()
        if self.progress is not None:
            done = sum(r["status"] in FINISHED for r in self.records.values())
            self.progress(self.records[trial.id], done, self.plan.trials)

    def _record(self, trial: Any, outcome: dict[str, Any]) -> None:
        from adamctl.sweep.results import trial_record

        self.records[trial.id] = trial_record(
            trial.id, trial.point.id, trial.point.as_dict(), trial.seed, outcome.get("summary"),
            status=outcome["status"], error=outcome.get("error"),
            run_dir=self.sweep_dir.trial(trial.id).root)

    def _tell(self, trial: Any, outcome: dict[str, Any]) -> None:
        """Tell the study how a trial ended; an interrupted one stays running, to resume."""
        from optuna.trial import TrialState

        status = outcome["status"]
        if status == "interrupted":
            return
        number = trial.point.index
        if status == "pruned":
            self.study.tell(number, state=TrialState.PRUNED, skip_if_finished=True)
            return
        value = ((outcome.get("summary") or {}).get("final") or {}).get(self.plan.metric)
        if status == "completed" and isinstance(value, (int, float)) and math.isfinite(value):
            self.study.tell(number, float(value), skip_if_finished=True)
        else:
            self.study.tell(number, state=TrialState.FAIL, skip_if_finished=True)

    def write(self, *, final: bool = False) -> Any:
        from adamctl.store.tables import write_sweep_tables
        from adamctl.sweep.results import aggregate, results_frame

        ordered = [self.records[t.id] for t in self.plan.sampled]
        results = results_frame(ordered, self.plan.swept_keys)
        write_sweep_tables(self.sweep_dir, results, aggregate(results, self.plan.swept_keys))
        if final:
            from adamctl.report.sweep_report import write_sweep_report

            write_sweep_report(self.sweep_dir)
        return results


def trial_config(plan: SearchPlan, trial: Any) -> dict[str, Any]:
    """The trial's resolved config: the base with the sampled values set (checked again)."""
    from adamctl.config import config_from_dict, config_to_dict
    from adamctl.sweep.plan import _with_value

    raw = {**plan.base, "name": f"{plan.name}-{trial.id}", "seed": trial.seed}
    for key, value in trial.point.values:
        raw = _with_value(raw, key, value)
    return config_to_dict(config_from_dict(raw))


def _on_disk(sweep_dir: SweepDir, trial_id: str) -> dict[str, Any]:
    from adamctl.store.summary import summary_of

    summary = summary_of(sweep_dir.trial(trial_id))
    return {"status": summary["status"] if summary else "pending", "error": None,
            "summary": summary}
