"""`Diagnostics`: Adam's diagnostics every N steps, into ``diagnostics.csv``.

Before a diagnostics step it copies theta and m on the device
(:func:`adamctl.core.diagnostics.snapshot`); after it, a compiled reduction
turns the step's tensors into a few numbers per variable
(:func:`adamctl.core.diagnostics.measure`). Other steps cost one modulo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras

from adamctl.core.diagnostics import measure, snapshot
from adamctl.store.diagnostics_writer import DiagnosticsWriter

__all__ = ["Diagnostics", "measured_at"]


def measured_at(step: int, every: int | None) -> bool:
    """Whether the step after ``step`` (the loop's raw step count) is a diagnostics step."""
    return bool(every) and (step + 1) % every == 0


class Diagnostics(keras.callbacks.Callback):
    """Measure every ``every``-th step (by the loop's raw step count) and keep the files current.

    Rows already in the files from before a resume are kept up to the
    resumed step, so a resumed run's files equal an uninterrupted run's.

    The files are on disk (rewritten atomically, with fsyncs) before every
    checkpoint: at steps that are multiples of ``flush_every`` (the
    checkpoint interval) within an epoch, at each epoch end and when training
    ends, which also covers the checkpoint of an interrupt. So that the
    writing does not hold up training, it starts on a background thread at
    the last diagnostics step before a checkpoint and overlaps the steps (or
    the validation) in between; at the checkpoint only the wait is left.
    Rows measured since the last checkpoint may be lost to a kill; the resume
    measures them again. This callback must run before the checkpointing one,
    so that no checkpoint is newer than the rows on disk.

    Args:
        path, scalars_path: ``diagnostics.csv`` and ``diagnostics_scalars.csv``.
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
        every: steps between diagnostics.
        flush_every: the checkpoint interval in steps, or None (epoch ends only).
    """

    def __init__(self, path: Path, scalars_path: Path, state: Any, *, every: int,
                 flush_every: int | None = None) -> None:
        super().__init__()
        self.state = state
        self.every = every
        self.flush_every = flush_every
        self.files = DiagnosticsWriter(Path(path), Path(scalars_path), step=state.step)
        self._before = None

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if measured_at(self.state.step, self.every):
            self._before = snapshot(self.model.optimizer)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        measured = self._measure()
        if self._step_checkpoint_now():
            self.flush()
        elif measured and self._checkpoint_before_next_measurement():
            self.files.start_write()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.flush()

    def flush(self) -> None:
        """Return once both files hold every row measured so far."""
        self.files.write()

    def _measure(self) -> bool:
        before, self._before = self._before, None
        if before is None:
            return False
        rows, scalars = measure(self.model.optimizer, before)
        step = self.state.step
        self.files.add([{"step": step, **row} for row in rows], {"step": step, **scalars})
        return True

    def _step_checkpoint_now(self) -> bool:
        """Whether the checkpointing callback saves at this batch end (its own rule)."""
        state = self.state
        return bool(self.flush_every) and state.step % self.flush_every == 0 \
            and state.step_in_epoch < state.steps_per_epoch

    def _checkpoint_before_next_measurement(self) -> bool:
        """Whether a checkpoint (epoch end or step interval) comes before the next measurement."""
        state = self.state
        upcoming = [state.step - state.step_in_epoch + state.steps_per_epoch]
        if self.flush_every:
            upcoming.append((state.step // self.flush_every + 1) * self.flush_every)
        return min(upcoming) < (state.step // self.every + 1) * self.every
