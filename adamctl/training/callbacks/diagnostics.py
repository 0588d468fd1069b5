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
from adamctl.store.diagnostics import DIAGNOSTICS_COLUMNS, SCALAR_COLUMNS, rows_up_to, write_rows

__all__ = ["Diagnostics"]


class Diagnostics(keras.callbacks.Callback):
    """Measure every ``every``-th step (by the loop's raw step count) and rewrite the files.

    Rows already in the files from before a resume are kept up to the
    resumed step, so a resumed run's files equal an uninterrupted run's.

    The files are rewritten (atomically, with fsyncs) when a checkpoint may
    follow: at steps that are multiples of ``flush_every`` (the checkpoint
    interval), at each epoch end and when training ends, which also covers
    the checkpoint of an interrupt. Rows measured since the last checkpoint
    may be lost to a kill; the resume measures them again. This callback must
    run before the checkpointing one, so that no checkpoint is newer than the
    rows on disk.

    Args:
        path, scalars_path: ``diagnostics.csv`` and ``diagnostics_scalars.csv``.
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
        every: steps between diagnostics.
        flush_every: the checkpoint interval in steps, or None (epoch ends only).
    """

    def __init__(self, path: Path, scalars_path: Path, state: Any, *, every: int,
                 flush_every: int | None = None) -> None:
        super().__init__()
        self.path, self.scalars_path = Path(path), Path(scalars_path)
        self.state = state
        self.every = every
        self.flush_every = flush_every
        self.rows = rows_up_to(self.path, state.step)
        self.scalar_rows = rows_up_to(self.scalars_path, state.step)
        self._before = None
        self._pending = True  # a resume's cut (or a fresh run's empty files) is written once

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if (self.state.step + 1) % self.every == 0:
            self._before = snapshot(self.model.optimizer)

    def _measure(self) -> None:
        before, self._before = self._before, None
        if before is None:
            return
        rows, scalars = measure(self.model.optimizer, before)
        step = self.state.step
        self.rows.extend({"step": step, **row} for row in rows)
        self.scalar_rows.append({"step": step, **scalars})
        self._pending = True

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._measure()
        if self.flush_every and self.state.step % self.flush_every == 0:
            self.flush()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.flush()

    def flush(self) -> None:
        """Rewrite both files if rows changed since the last write."""
        if not self._pending:
            return
        write_rows(self.path, DIAGNOSTICS_COLUMNS, self.rows)
        write_rows(self.scalars_path, SCALAR_COLUMNS, self.scalar_rows)
        self._pending = False
