"""`EpochLines`: one plain line per epoch on stderr, for logs that are not a terminal.

Under nohup, SLURM, CI or ``| tee`` a live progress bar cannot be drawn, and
a run that prints nothing until its final table looks hung. Keras's
``verbose=2`` prints one line per epoch there; so does this, in the same
spirit: ``epoch 3/10 - 60/60 steps - 4.2s - loss 0.3121 - accuracy 0.9 ...``.
"""

from __future__ import annotations

import time
from typing import IO, Any

import keras

__all__ = ["EpochLines", "epoch_line"]


def epoch_line(epoch: int, epochs: int, steps: str, seconds: float, logs: dict[str, Any]) -> str:
    """The line for 1-based ``epoch``: position, steps, time, then each metric (not the rate)."""
    metrics = " - ".join(
        f"{name} {value:.4g}" for name, value in logs.items()
        if name != "learning_rate" and isinstance(value, (int, float))
    )
    return " - ".join(part for part in (f"epoch {epoch}/{epochs}", steps, f"{seconds:.1f}s", metrics)
                      if part)


class EpochLines(keras.callbacks.Callback):
    """Write :func:`epoch_line` to ``stream`` at each epoch end, flushed at once.

    Args:
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
        stream: a text stream, normally ``sys.stderr``.
    """

    def __init__(self, state: Any, stream: IO[str]) -> None:
        super().__init__()
        self.state = state
        self.stream = stream
        self._epoch_started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        state = self.state
        steps = f"{state.steps_per_epoch}/{state.steps_per_epoch} steps"
        line = epoch_line(epoch + 1, state.epochs, steps,
                          time.perf_counter() - self._epoch_started, logs or {})
        self.stream.write(line + "\n")
        self.stream.flush()
