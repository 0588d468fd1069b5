"""`KillAt`: a fault-injection point for the resume tests, outside the training loop.

``ADAMCTL_KILL_AT=step:N`` sends this process SIGKILL right after step N's
callbacks (checkpoints included); ``ADAMCTL_KILL_AT=epoch:E`` right after
epoch E's end. A real, uncatchable kill at a point a test can name. The
callback is added only when the variable is set, and last, so every other
callback has run.
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING, Any

import keras

if TYPE_CHECKING:
    from adamctl.training.loop import LoopState

__all__ = ["KILL_AT_VARIABLE", "KillAt", "kill_at_from_environment"]

KILL_AT_VARIABLE = "ADAMCTL_KILL_AT"


class KillAt(keras.callbacks.Callback):
    """SIGKILL this process when the loop reaches ``point`` (``step:N`` or ``epoch:E``)."""

    def __init__(self, state: LoopState, point: str) -> None:
        super().__init__()
        self.state = state
        self.point = point

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._maybe_kill(f"step:{self.state.step}")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._maybe_kill(f"epoch:{self.state.epoch}")

    def _maybe_kill(self, point: str) -> None:
        if point == self.point:
            os.kill(os.getpid(), signal.SIGKILL)


def kill_at_from_environment(state: LoopState) -> list[KillAt]:
    """``[KillAt]`` when ``ADAMCTL_KILL_AT`` is set, else nothing."""
    point = os.environ.get(KILL_AT_VARIABLE)
    return [KillAt(state, point)] if point else []
