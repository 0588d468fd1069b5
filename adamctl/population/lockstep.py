"""The population's loop: the separate run's loop, with one engine call per step for all members.

Each member goes through what :func:`adamctl.training.loop.train_loop` and
:func:`adamctl.training.run.run_session` do for a separate run, hook for
hook and in the same order; only the step, the running metrics and the
validation come from the engine, for all members at once. A member that
diverges or stops early leaves at once and is settled; the others go on.
A stop signal (SIGINT or SIGTERM) ends every member at the next step
boundary with a checkpoint, as it ends a separate run.
"""

from __future__ import annotations

from typing import Any, Callable

from adamctl.population.member import Member
from adamctl.training.interrupts import StopOnSignal

__all__ = ["train_together"]


def train_together(engine: Any, on_outcome: Callable[[dict[str, Any]], None], *,
                   stop: StopOnSignal | None = None,
                   flush: Callable[[], None] = lambda: None) -> None:
    """Train ``engine.members`` (opened) to the end; report each member's outcome as it ends.

    ``stop`` is the process's :class:`~adamctl.training.interrupts.StopOnSignal`:
    a first signal stops every member at the next step boundary with a
    checkpoint; a second one, inside a step, stops them at once, each
    keeping its last complete checkpoint (as ``run_session`` does).
    ``flush()`` waits for the checkpoint writes under way: at every epoch's
    end, and after a step that wrote mid-epoch checkpoints.
    """
    stop = stop or StopOnSignal()
    active = list(engine.members)
    try:
        active = _train(engine, active, on_outcome, stop, flush)
    except BaseException as error:
        if not (isinstance(error, KeyboardInterrupt) or stop.aborted):
            raise
        # A second signal, inside a step or an epoch's end (perhaps turned into
        # another exception by the native call it landed in).
        stop.hold()
        for member in [m for m in active if not m.answered]:
            member.interrupt(stop.signum, at_boundary=False)
            _finish(engine, member, on_outcome)
        return
    stop.hold()  # from here on a signal cannot cut the final writes short
    for member in active:
        if not member.answered:
            if stop.signum is not None and not member.state.finished:
                member.interrupt(stop.signum)
            _finish(engine, member, on_outcome)


def _train(engine: Any, active: list[Member], on_outcome: Callable, stop: StopOnSignal,
           flush: Callable[[], None]) -> list[Member]:
    """The loop until every member has ended or a stop was asked for; who is left to finish."""
    for member in active:
        member.loop.hooks.on_train_begin()
    while active and not active[0].state.finished:
        engine.begin_epoch(active)
        for member in active:
            member.loop.hooks.on_epoch_begin(member.state.epoch)
        while active and active[0].state.step_in_epoch < active[0].state.steps_per_epoch:
            active = _one_step(engine, active, on_outcome, flush)
            if stop.signum is not None:
                return active
        if not active:  # every member stopped at the epoch's last step (training.max_time)
            return active
        active = _end_epoch(engine, active, on_outcome)
        flush()
        if stop.signum is not None:
            return active
    return active


def _one_step(engine: Any, active: list[Member], on_outcome: Callable,
              flush: Callable[[], None]) -> list[Member]:
    measured = [member.reads_model_in_step() for member in active]
    for member, reads in zip(active, measured):
        if reads:  # its diagnostics copy theta and m before the step
            engine.sync(member)
        member.loop.hooks.on_train_batch_begin(member.state.step_in_epoch)
    checkpointed = False
    for member, logs, reads in zip(active, engine.step(active), measured):
        checkpoints = member.checkpoint_after_step()
        if reads or checkpoints:  # its hooks read the model: diagnostics, the checkpoint
            engine.sync(member)
        checkpointed = checkpointed or checkpoints
        if not member.took_step(logs) or member.state.stop_reason is not None:
            # Diverged, or stopped by a step's hook (training.max_time): it leaves at this
            # step boundary, as its separate loop would; the others go on.
            _finish(engine, member, on_outcome)
    if checkpointed:
        flush()
    return [m for m in active if m.state.stop_reason is None]


def _end_epoch(engine: Any, active: list[Member], on_outcome: Callable) -> list[Member]:
    """Every member's epoch end: training metrics read before validation, as the loop does."""
    train = engine.train_metrics(active)
    validation = engine.validate(active)
    for member, train_logs, val_logs in zip(active, train, validation):
        engine.sync(member)
        member.end_epoch(train_logs, val_logs)
        if member.state.stop_reason is not None:  # stopped early (or pruned): it leaves
            _finish(engine, member, on_outcome)
    return [m for m in active if m.state.stop_reason is None]


def _finish(engine: Any, member: Member, on_outcome: Callable) -> None:
    engine.sync(member)
    on_outcome(member.finish())
