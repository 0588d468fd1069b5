"""`EarlyStopping`: Keras's rule for stopping a run that stopped improving, kept across resumes.

The decision is Keras's own (``keras.callbacks.EarlyStopping`` of Keras 3,
compared against it in the tests): at each epoch with a value of
``monitor``, ``wait`` grows by one; an improvement (by more than
``min_delta``, in ``mode``'s direction) sets ``best`` and ``best_epoch``
and resets ``wait``; with ``wait >= patience`` after the first epoch the run
stops; with ``restore_best`` the best epoch's weights are put back when
training ends (Keras does so whether or not it stopped early). ``mode:
auto`` is inferred as Keras infers it: ``min`` for a loss, else the
direction of the compiled metric of that name, and (where Keras would
refuse) adamctl's table of metric names.

Two differences, both for resuming: the best weights are kept on disk
(``model.best.weights.h5``, written atomically at each improvement, before
that epoch's checkpoint) rather than in memory, and the counters are
rebuilt after a resume by replaying the earlier epochs' values from
``metrics.csv`` (:meth:`replay`), which hold the logs' floats exactly. The
same callback, without patience, keeps the best weights of any run that
has a validation metric.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

import keras
import numpy as np

from adamctl.training.loop import StopReason

if TYPE_CHECKING:
    from adamctl.training.loop import LoopState

__all__ = ["EarlyStopping", "infer_mode"]


def infer_mode(monitor: str, model: Any = None) -> str:
    """``min`` or ``max`` for ``mode: auto``, as Keras's MonitorCallback infers it."""
    name = monitor.removeprefix("val_")
    if name == "loss":
        return "min"
    for metric in _compiled_metrics(model):
        if metric.name == name and hasattr(metric, "_direction"):
            return "max" if metric._direction == "up" else "min"
    from adamctl.store.summary import metric_mode

    return metric_mode(monitor)  # where Keras raises: our table of metric names


def _compiled_metrics(model: Any) -> list[Any]:
    from keras.src.trainers import compile_utils

    found = []
    for metric in getattr(model, "metrics", None) or []:
        if isinstance(metric, (compile_utils.CompileMetrics, compile_utils.MetricsList)):
            found.extend(metric.metrics)
    return found


class EarlyStopping(keras.callbacks.Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs; keep the best weights.

    Args:
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
        monitor: the epoch metric watched; epochs without it are skipped.
        mode: ``min``, ``max`` or ``auto``.
        patience: epochs without improvement before stopping; None: never stop.
        min_delta: the least change that counts as an improvement (>= 0).
        restore_best: load the best weights when training ends.
        save_best: writes the model's weights as the best (atomically).
        load_best: loads the best weights into the model.
        on_best: told the 1-based best epoch at each improvement.
    """

    def __init__(self, state: LoopState, *, monitor: str = "val_loss", mode: str = "auto",
                 patience: int | None = None, min_delta: float = 0.0,
                 restore_best: bool = False,
                 save_best: Callable[[keras.Model], None] = lambda model: None,
                 load_best: Callable[[keras.Model], None] = lambda model: None,
                 on_best: Callable[[int], None] = lambda epoch: None) -> None:
        super().__init__()
        self.state, self.monitor, self.mode = state, monitor, mode
        self.patience, self.min_delta, self.restore_best = patience, abs(min_delta), restore_best
        self.save_best, self.load_best, self.on_best = save_best, load_best, on_best
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best: float | None = None
        self._direction: str | None = None

    def replay(self, values: Sequence[float | None]) -> None:
        """Rebuild the counters from earlier epochs' values of ``monitor`` (0-based order).

        When the last of them had decided to stop (the run was killed after
        that epoch's checkpoint), the run stops again before training more.
        """
        verdict = None
        for epoch, value in enumerate(values):
            verdict = self._judge(epoch, value)
        if verdict == "stop" and self.state.stop_reason is None:
            self.state.stop_reason = StopReason.EARLY_STOPPED

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        verdict = self._judge(epoch, (logs or {}).get(self.monitor))
        if verdict == "improved":
            self.save_best(self.model)
            self.on_best(epoch + 1)
        elif verdict == "stop" and self.state.stop_reason is None:
            self.state.stop_reason = StopReason.EARLY_STOPPED

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        # Only at a real end: an interrupted run must checkpoint its own weights.
        finished = self.state.stop_reason in (StopReason.COMPLETED, StopReason.EARLY_STOPPED)
        if self.restore_best and self.best is not None and finished:
            self.load_best(self.model)

    def _judge(self, epoch: int, current: float | None) -> str | None:
        """Keras's on_epoch_end bookkeeping for one epoch; "improved", "stop" or None."""
        if current is None:
            return None
        self.wait += 1
        if self._is_improvement(current):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            return "improved"
        if self.patience is not None and self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            return "stop"
        return None

    def _is_improvement(self, current: float) -> bool:
        if self.best is None:
            return True
        if self._direction is None:
            self._direction = self.mode if self.mode != "auto" else infer_mode(
                self.monitor, getattr(self, "_model", None))
        # Keras compares with ops.less/ops.greater, which take both sides to
        # float32 after subtracting the signed min_delta in Python floats.
        if self._direction == "min":
            return bool(np.float32(current + self.min_delta) < np.float32(self.best))
        return bool(np.float32(current - self.min_delta) > np.float32(self.best))
