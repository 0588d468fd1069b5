"""One member of a population: a trial's own session, run directory, loop state and hooks.

A member does everything a separate ``adamctl train`` does, with the same
functions (:func:`adamctl.training.run.begin_run` and
:func:`~adamctl.training.run.session_hooks` for its files and callbacks,
its settling and interrupt handling), except taking its steps: the
population's engine does that for all members. The member's
``session.model`` holds the member's state whenever its hooks run (the
engine syncs it first).
"""

from __future__ import annotations

import math
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from adamctl.errors import Interrupted, TrainingDiverged
from adamctl.store import RunDir
from adamctl.store.lock import RunLock
from adamctl.store.summary import RunSummary, summary_of
from adamctl.training.loop import LoopState, StopReason, epoch_batches

if TYPE_CHECKING:
    from adamctl.training.session import Session

__all__ = ["Member"]


@dataclass
class Member:
    """A trial in a population: built before its run directory is touched."""

    trial_id: str
    run: RunDir
    session: Session
    state: LoopState
    optimizer: Any = None  # the member's own Adam when its model is shared (stacked engine)
    source: str | None = None  # the sweep's config file, for provenance as a separate run
    summary: RunSummary | None = None
    loop: Any = None
    checkpointing: Any = None
    batches: list[np.ndarray] = field(default_factory=list)
    answered: bool = False  # finish() has reported its outcome
    flush: Any = None  # waits for this population's checkpoint writes (set by open)
    _signum: int | None = None
    _at_boundary: bool = True

    @classmethod
    def of(cls, trial_id: str, run_dir: str | Path, session: Session, **extra: Any) -> "Member":
        from adamctl.training.run import new_loop_state

        return cls(trial_id, RunDir(Path(run_dir)), session, new_loop_state(session), **extra)

    @property
    def model(self):
        return self.session.model

    def open(self, locks: ExitStack, *, population: dict[str, Any], capture: Any = None,
             write: Any = None, write_file: Any = None, weights: Any = None,
             flush: Any = None) -> None:
        """Create the run directory, its files and the hooks, exactly as ``train`` does.

        ``capture``, ``write``, ``write_file`` and ``weights`` take and write
        checkpoints and the best weights (see ``session_hooks``); ``flush()``
        waits for writes still under way.
        """
        import keras

        from adamctl.training.loop import _Loop
        from adamctl.training.run import begin_run, session_hooks

        self.run.create()
        locks.enter_context(RunLock(self.run))
        self.state, self.summary = begin_run(self.session, self.run, file=self.source)
        self.summary.data.update(population)
        self.summary.write()
        hooks, self.checkpointing = session_hooks(self.session, self.run, self.state,
                                                  self.summary, capture=capture, write=write,
                                                  write_file=write_file, weights=weights)
        self.flush = flush or (lambda: None)
        data = self.session.config.data
        self.loop = _Loop(
            self.model, self.session.dataset, self.state,
            keras.callbacks.CallbackList(hooks, model=self.model),
            batch_size=data.batch_size, seed=self.session.config.seed, shuffle=data.shuffle,
            should_stop=lambda: False,
        )

    def plan_epoch(self) -> None:
        """This epoch's batches: the pure function of (seed, epoch) the separate run uses."""
        config, state = self.session.config, self.state
        self.batches = epoch_batches(
            len(self.session.dataset.x_train), config.data.batch_size, epoch=state.epoch,
            seed=config.seed, shuffle=config.data.shuffle, steps=state.steps_per_epoch)

    def batch(self) -> tuple[np.ndarray, np.ndarray]:
        index = self.batches[self.state.step_in_epoch]
        dataset = self.session.dataset
        return dataset.x_train[index], dataset.y_train[index]

    def checkpoint_after_step(self) -> bool:
        """Whether the next step ends with a mid-epoch checkpoint (``checkpoint_every``)."""
        every, state = self.session.config.training.checkpoint_every, self.state
        return (bool(every) and (state.step + 1) % every == 0
                and state.step_in_epoch + 1 < state.steps_per_epoch)

    def reads_model_in_step(self) -> bool:
        """Whether the next step's hooks read the model and its Adam (a diagnostics step):
        an engine that shares one model among members syncs it before and after."""
        from adamctl.training.callbacks.diagnostics import measured_at

        return measured_at(self.state.step, self.session.config.training.diagnostics_every)

    def took_step(self, logs: dict[str, float]) -> bool:
        """Record a step's logs as the separate loop does; False when the loss is not finite."""
        state = self.state
        state.logs = dict(logs)
        state.step += 1
        state.step_in_epoch += 1
        self.loop.tick()
        if not math.isfinite(state.logs.get("loss", 0.0)):
            state.stop_reason, state.diverged_at = StopReason.DIVERGED, state.step
            return False
        self.loop.hooks.on_train_batch_end(state.step_in_epoch - 1, dict(state.logs))
        return True

    def end_epoch(self, train_logs: dict[str, float], val_logs: dict[str, float]) -> None:
        """The separate loop's epoch end, with training metrics and validation from the engine."""
        from adamctl.training.loop import current_learning_rate

        state = self.state
        logs = {**train_logs, **val_logs}
        logs["learning_rate"] = current_learning_rate(self.model.optimizer)
        state.logs = logs
        state.epoch += 1
        state.step_in_epoch = 0
        self.loop.tick()
        self.loop.hooks.on_epoch_end(state.epoch - 1, dict(logs))

    def interrupt(self, signum: int | None, *, at_boundary: bool = True) -> None:
        """Stop as a separate run stops on a signal: with a checkpoint at a step boundary,
        else (a second signal inside a step) keeping the last complete checkpoint."""
        self.state.stop_reason = StopReason.INTERRUPTED
        self._signum, self._at_boundary = signum, at_boundary

    def finish(self) -> dict[str, Any]:
        """End the run as ``train`` ends it; the sweep's outcome for this trial."""
        from adamctl.training import run as single

        state = self.state
        if state.stop_reason is None:
            state.stop_reason = StopReason.COMPLETED
        self.loop.tick()
        self.flush()  # the best weights on disk before on_train_end may load them
        if self._at_boundary:  # as train_loop's end; a stop inside a step skips it
            self.loop.hooks.on_train_end(dict(state.logs))
        self.answered = True
        status, error = "completed", None
        try:
            if state.stop_reason == StopReason.INTERRUPTED:
                saved = self._at_boundary and self.checkpointing.save_now()
                self.flush()  # the checkpoint on disk before the summary names it
                single._stopped(self.run, state, self.summary, self._signum, saved=saved)
            if state.stop_reason == StopReason.TIMED_OUT:
                saved = self.checkpointing.save_now()
                self.flush()
                single._timed_out(self.run, state, self.summary,
                                  self.session.config.training.max_time, saved=saved)
            self.flush()
            single._settle(self.session, self.run, state, self.summary)
        except Interrupted as stopped:
            status, error = "interrupted", str(stopped)
        except TrainingDiverged as failure:
            status, error = "diverged", str(failure)
        return {"trial": self.trial_id, "status": status, "error": error,
                "summary": summary_of(self.run)}
