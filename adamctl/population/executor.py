"""Run a sweep's trials as populations, and what cannot be a population on the local executor.

Trials that are resumed (they have a run directory) go to the local
executor: a resume is bit-identical there, and a population would gain
little from a handful of stragglers. A population whose shadow check fails
also goes there, and each of its trials' summary.json records why.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any, Callable, Sequence

from adamctl.population.grouping import group_trials
from adamctl.population.member import Member, build_member
from adamctl.store import RunDir
from adamctl.store.summary import RunSummary, summary_of

__all__ = ["run_population", "DEFAULT_SIZE"]

DEFAULT_SIZE = 16


def run_population(
    jobs: Sequence[Any],
    *,
    size: int | None,
    run_local: Callable[..., None],
    on_outcome: Callable[[dict[str, Any]], None],
    warn: Callable[[str], None] = lambda message: None,
) -> None:
    """Train ``jobs`` (sweep TrialJobs) in populations of at most ``size``; report outcomes.

    ``run_local(jobs, on_outcome=...)`` runs what cannot be a population.
    """
    fresh = [job for job in jobs if not job.resume]
    by_id = {job.trial_id: job for job in jobs}
    grouping = group_trials({job.trial_id: job.config for job in fresh}, size=size or DEFAULT_SIZE)
    if grouping.why_alone:
        warn(f"population: {grouping.why_alone}; those run on the local executor")
    local: list[tuple[Any, str | None]] = [(job, "resumed from its checkpoint")
                                          for job in jobs if job.resume]
    local += [(by_id[t], grouping.why_alone) for t in grouping.alone]
    for trial_ids in grouping.populations:
        members_jobs = [by_id[t] for t in trial_ids]
        why = _run_one(members_jobs, on_outcome)
        if why is not None:
            warn(f"population of {len(trial_ids)} falls back to the local executor: {why}")
            local += [(job, why) for job in members_jobs]
    if local:
        _run_locally(local, run_local=run_local, on_outcome=on_outcome)


def _run_one(jobs: Sequence[Any], on_outcome: Callable[[dict[str, Any]], None]) -> str | None:
    """Train one population; None when done, else why it must run locally (nothing written)."""
    from adamctl.population.shadow import shadow_check
    from adamctl.population.step import population_step

    members = [build_member(job.trial_id, job.run_dir, job.config) for job in jobs]
    why = shadow_check(members, population_step([m.model for m in members]), jobs[0])
    if why is not None:
        return why
    facts = {"executor": "population", "population_size": len(members),
             "population_exactness": "shadow check passed (bit-identical to a separate run)"}
    with ExitStack() as locks:
        for member in members:
            member.open(locks, population=facts)
        _train_together(members, on_outcome)
    return None


def _train_together(members: list[Member], on_outcome: Callable[[dict[str, Any]], None]) -> None:
    """The lock-step loop: each epoch, each step, one compiled call for the active members."""
    from adamctl.population.step import population_step

    steps: dict[tuple[int, ...], Callable] = {}
    validate: tuple[tuple[int, ...], Callable] | None = None
    active = list(members)
    for member in active:
        member.loop.hooks.on_train_begin()
    while active and not active[0].state.finished:
        for member in active:
            _begin_epoch(member)
        while active and active[0].state.step_in_epoch < active[0].state.steps_per_epoch:
            key = tuple(id(m) for m in active)
            if key not in steps:  # a member left: trace the step of those that remain
                steps[key] = population_step([m.model for m in active])
            for member in active:
                member.loop.hooks.on_train_batch_begin(member.state.step_in_epoch)
            outputs = steps[key]([m.batch() for m in active])
            for member, logs in zip(active, outputs):
                if not member.took_step(logs):  # diverged: it leaves, the others go on
                    on_outcome(member.finish())
            active = [m for m in active if m.state.stop_reason is None]
        validate = _end_epoch(active, validate)
    for member in active:
        on_outcome(member.finish())


def _end_epoch(active: list[Member], validate: tuple | None) -> tuple | None:
    """Every member's epoch end; validation for all in one pass (the step kept while
    the same members remain)."""
    from adamctl.population.step import population_validate

    for member in active:
        member.read_train_metrics()
    key = tuple(id(m) for m in active)
    val_logs = [{} for _ in active]
    if len(active[0].session.dataset.x_val):
        known = validate[1] if validate is not None and validate[0] == key else None
        val_logs, step = population_validate(
            [m.model for m in active], [m.session.dataset for m in active],
            active[0].session.config.data.batch_size, known)
        validate = (key, step)
    for member, logs in zip(active, val_logs):
        member.end_epoch(logs)
    return validate


def _begin_epoch(member: Member) -> None:
    """What the separate loop does before an epoch's first step."""
    member.plan_epoch()
    if member.state.step_in_epoch == 0:
        member.model.reset_metrics()
    member.loop.hooks.on_epoch_begin(member.state.epoch)


def _run_locally(pairs: list[tuple[Any, str | None]], *, run_local: Callable[..., None],
                 on_outcome: Callable[[dict[str, Any]], None]) -> None:
    """The local executor, recording in each trial's summary.json why it ran there."""
    why_by_trial = {job.trial_id: why for job, why in pairs}

    def noted(outcome: dict[str, Any]) -> None:
        why = why_by_trial.get(outcome["trial"])
        run = RunDir(next(j.run_dir for j, _ in pairs if j.trial_id == outcome["trial"]))
        if why and run.summary_path.exists():
            summary = RunSummary.load(run.summary_path)
            summary.data.update(executor="local", population_fallback=why)
            summary.write()
            outcome = {**outcome, "summary": summary_of(run)}
        on_outcome(outcome)

    run_local([job for job, _ in pairs], on_outcome=noted)
