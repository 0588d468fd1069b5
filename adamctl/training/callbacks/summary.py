"""`SummaryUpdater`: keeps ``summary.json`` current at every epoch end."""

from __future__ import annotations

from typing import Any

import keras

__all__ = ["SummaryUpdater"]


class SummaryUpdater(keras.callbacks.Callback):
    """Record each finished epoch's metrics into a :class:`RunSummary`.

    Args:
        summary: the run's :class:`~adamctl.store.summary.RunSummary`.
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
    """

    def __init__(self, summary: Any, state: Any) -> None:
        super().__init__()
        self.summary = summary
        self.state = state

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.summary.record_epoch(epoch + 1, self.state.step, self.state.elapsed_s, dict(logs or {}))
