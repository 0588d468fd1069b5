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
    resumed step, so a resumed run's files equal an uninterrupted run's. It
    must run before the checkpointing callback, so that a checkpoint at a
    diagnostics step never lacks that step's rows.

    Args:
        path, scalars_path: ``diagnostics.csv`` and ``diagnostics_scalars.csv``.
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
        every: steps between diagnostics.
    """

    def __init__(self, path: Path, scalars_path: Path, state: Any, *, every: int) -> None:
        super().__init__()
        self.path, self.scalars_path = Path(path), Path(scalars_path)
        self.state = state
        self.every = every
        self.rows = rows_up_to(self.path, state.step)
        self.scalar_rows = rows_up_to(self.scalars_path, state.step)
        self._before = None

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if (self.state.step + 1) % self.every == 0:
            self._before = snapshot(self.model.optimizer)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        before, self._before = self._before, None
        if before is None:
            return
        rows, scalars = measure(self.model.optimizer, before)
        step = self.state.step
        self.rows.extend({"step": step, **row} for row in rows)
        self.scalar_rows.append({"step": step, **scalars})
        write_rows(self.path, DIAGNOSTICS_COLUMNS, self.rows)
        write_rows(self.scalars_path, SCALAR_COLUMNS, self.scalar_rows)
