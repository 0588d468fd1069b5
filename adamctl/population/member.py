"""One member of a population: a trial's own session, run directory, loop state and hooks.

A member does everything a separate ``adamctl train`` does, with the same
functions (:mod:`adamctl.training.run`'s callbacks, checkpointing, summary
and settling, :mod:`adamctl.training.loop`'s epoch end), except taking its
steps: the population's one compiled step does that for all members.
"""

from __future__ import annotations

import math
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from adamctl._atomic import atomic_write_text
from adamctl.config import config_from_dict, write_config
from adamctl.errors import TrainingDiverged
from adamctl.store import RunDir
from adamctl.store.lock import RunLock
from adamctl.store.summary import RunSummary, summary_of
from adamctl.training.loop import LoopState, StopReason, epoch_batches

if TYPE_CHECKING:
    from adamctl.training.session import Session

__all__ = ["Member", "build_member"]


@dataclass
class Member:
    """A trial in a population: built before its run directory is touched."""

    trial_id: str
    run: RunDir
    session: Session
    state: LoopState
    summary: RunSummary | None = None
    loop: Any = None
    checkpointing: Any = None
    batches: list[np.ndarray] = field(default_factory=list)
    train_logs: dict[str, float] = field(default_factory=dict)

    @property
    def model(self):
        return self.session.model

    def open(self, locks: ExitStack, *, population: dict[str, Any]) -> None:
        """Create the run directory, config, summary and hooks, exactly as ``train`` does."""
        import keras

        from adamctl.training import run as single
        from adamctl.training.loop import _Loop

        self.run.create()
        locks.enter_context(RunLock(self.run))
        write_config(self.session.config, self.run.config_path)
        atomic_write_text(self.run.overrides_path, yaml.safe_dump([]))
        self.summary = RunSummary.start(
            self.run.summary_path, **single._identity(self.session, self.run, self.state))
        self.summary.data.update(population)
        self.summary.write()
        self.checkpointing = single._checkpointing(self.session, self.run, self.state)
        hooks = (single._callbacks(self.run, self.state, self.summary, None)
                 + [self.checkpointing] + single._fault_injection(self.state))
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

    def batch(self) -> tuple[np.ndarray, np.ndarray, None]:
        index = self.batches[self.state.step_in_epoch]
        dataset = self.session.dataset
        return (dataset.x_train[index], dataset.y_train[index], None)

    def took_step(self, logs: dict[str, Any]) -> bool:
        """Record a step's logs as the separate loop does; False when the loss is not finite."""
        state = self.state
        state.logs = {name: float(np.asarray(value)) for name, value in logs.items()}
        state.step += 1
        state.step_in_epoch += 1
        if self.loop is not None:
            self.loop.tick()
        if not math.isfinite(state.logs.get("loss", 0.0)):
            state.stop_reason, state.diverged_at = StopReason.DIVERGED, state.step
            return False
        if self.loop is not None:
            self.loop.hooks.on_train_batch_end(state.step_in_epoch - 1, dict(state.logs))
        return True

    def end_epoch(self, val_logs: dict[str, float]) -> None:
        """The separate loop's epoch end, with validation already done by the population.

        The training metrics are read before the population validated (the
        caller's order), as the separate loop reads them before ``evaluate``.
        """
        from adamctl.training.loop import current_learning_rate

        state = self.state
        logs = dict(self.train_logs)
        logs.update(val_logs)
        logs["learning_rate"] = current_learning_rate(self.model.optimizer)
        state.logs = logs
        state.epoch += 1
        state.step_in_epoch = 0
        self.loop.tick()
        self.loop.hooks.on_epoch_end(state.epoch - 1, dict(logs))

    def read_train_metrics(self) -> None:
        """The epoch's running training metrics (loss first), before validation resets them."""
        self.train_logs = {name: float(value)
                           for name, value in self.model.get_metrics_result().items()}

    def finish(self) -> dict[str, Any]:
        """End the run as ``train`` ends it; the sweep's outcome for this trial."""
        from adamctl.training import run as single

        state = self.state
        if state.stop_reason is None:
            state.stop_reason = StopReason.COMPLETED
        self.loop.tick()
        self.loop.hooks.on_train_end(dict(state.logs))
        status, error = "completed", None
        try:
            single._settle(self.session, self.run, state, self.summary)
        except TrainingDiverged as failure:
            status, error = "diverged", str(failure)
        return {"trial": self.trial_id, "status": status, "error": error,
                "summary": summary_of(self.run)}


def build_member(trial_id: str, run_dir: str | Path, config: dict[str, Any]) -> Member:
    """Build a trial's session as a separate run builds it, in a fresh Keras session.

    ``clear_session`` first gives the same layer and variable names (and so
    the same checkpoint paths) as a separate process would; ``prepare``
    seeds everything from the trial's own seed before building.
    """
    import keras

    from adamctl.training.run import new_loop_state
    from adamctl.training.session import prepare

    keras.backend.clear_session()
    session = prepare(config_from_dict(config))
    return Member(trial_id, RunDir(Path(run_dir)), session, new_loop_state(session))
