"""`SummaryUpdater`: keeps ``summary.json`` current at every epoch end."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import keras

__all__ = ["SummaryUpdater"]


class SummaryUpdater(keras.callbacks.Callback):
    """Record each finished epoch's metrics into a :class:`RunSummary`.

    Args:
        summary: the run's :class:`~adamctl.store.summary.RunSummary`.
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
        write_file: as for :meth:`RunSummary.write`: how the bytes are written.
    """

    def __init__(self, summary: Any, state: Any,
                 write_file: Callable[[Path, bytes], None] | None = None) -> None:
        super().__init__()
        self.summary = summary
        self.state = state
        self.write_file = write_file

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.summary.record_epoch(epoch + 1, self.state.step, self.state.elapsed_s,
                                  dict(logs or {}), write_file=self.write_file)
