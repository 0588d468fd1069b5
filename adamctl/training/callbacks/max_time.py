"""`MaxTime`: stop a run after ``training.max_time`` seconds of this session's training.

The limit is per session (from this process's first step), as a job slot
on a shared machine is: a run stopped by it is checkpointed and marked
``interrupted``, and ``adamctl resume`` gives it another ``max_time``. The
check runs at each step's end, so the run stops at a step boundary, where
a checkpoint resumes bit-exactly.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import keras

from adamctl.training.loop import StopReason

if TYPE_CHECKING:
    from adamctl.training.loop import LoopState

__all__ = ["MaxTime"]


class MaxTime(keras.callbacks.Callback):
    """Set ``stop_reason`` to ``timed_out`` once ``seconds`` have passed since training began."""

    def __init__(self, state: LoopState, seconds: float) -> None:
        super().__init__()
        self.state = state
        self.seconds = seconds
        self.started: float | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.started = time.monotonic()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.state.stop_reason is None and time.monotonic() - self.started >= self.seconds:
            self.state.stop_reason = StopReason.TIMED_OUT
