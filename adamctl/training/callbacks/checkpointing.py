"""`Checkpointing`: write the run's full state every N steps and at every epoch end."""

from __future__ import annotations

from typing import Any, Callable

import keras

__all__ = ["Checkpointing"]


class Checkpointing(keras.callbacks.Callback):
    """Save a checkpoint at step boundaries: every ``every`` steps, and at each epoch end.

    A step checkpoint that would fall on an epoch's last batch is left to the
    epoch-end one, taken after validation. A snapshot whose weights or
    optimizer state are not finite is never written, so the newest
    checkpoint of a diverging run is the last finite one.

    Args:
        save: writes a checkpoint of the current state; returns False when
            the state was not finite and nothing was written.
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
        every: steps between checkpoints, or None for epoch ends only.
    """

    def __init__(self, save: Callable[[], bool], state: Any, *, every: int | None) -> None:
        super().__init__()
        self._save = save
        self.state = state
        self.every = every
        self.last_step: int | None = None

    def save_now(self) -> bool:
        """Checkpoint the current step unless it is already saved."""
        if self.last_step == self.state.step:
            return True
        saved = self._save()
        if saved:
            self.last_step = self.state.step
        return saved

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if not self.every or self.state.step % self.every:
            return
        if self.state.step_in_epoch < self.state.steps_per_epoch:
            self.save_now()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.save_now()
