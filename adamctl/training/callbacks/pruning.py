"""`Pruning`: hand each epoch's metric to a judge, and stop the run when it says so.

A search's pruner (Optuna's median or successive-halving rule) compares a
trial's learning curve with the others' and stops the unpromising ones
early. The judge is a plain function here, so training knows nothing of
Optuna: the sweep builds it (:mod:`adamctl.sweep.pruning`). The run stops
at an epoch boundary, after that epoch's checkpoint, with ``stop_reason``
``pruned``; the last epoch is reported but never pruned, since the run is
complete by then.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

import keras

from adamctl.training.loop import StopReason

if TYPE_CHECKING:
    from adamctl.training.loop import LoopState

__all__ = ["Pruning", "ShouldPrune"]

# (the metric's value, the 1-based epoch it ends) -> whether to stop now.
ShouldPrune = Callable[[float, int], bool]


class Pruning(keras.callbacks.Callback):
    """Report ``monitor`` at each epoch end to ``should_prune``; stop as pruned when it is True.

    Args:
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
        monitor: the metric reported (``val_loss``); an epoch without a
            finite value of it is not reported.
        should_prune: the judge, called once per reported epoch.
    """

    def __init__(self, state: LoopState, monitor: str, should_prune: ShouldPrune) -> None:
        super().__init__()
        self.state = state
        self.monitor = monitor
        self.should_prune = should_prune

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is None or not math.isfinite(value):
            return
        prune = self.should_prune(float(value), epoch + 1)
        if prune and not self.state.finished and self.state.stop_reason is None:
            self.state.stop_reason = StopReason.PRUNED
