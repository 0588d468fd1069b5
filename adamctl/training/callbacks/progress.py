"""`RichProgress`: a live progress bar on stderr (epoch, step, loss, steps/s, ETA)."""

from __future__ import annotations

import time
from typing import Any

import keras
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = ["RichProgress"]


class RichProgress(keras.callbacks.Callback):
    """Show training progress on ``console`` (stderr), refreshed a few times a second.

    One bar counts every step of the run; its description names the epoch,
    and its fields show the running loss and the step rate.

    Args:
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
        console: where to draw; a ``rich.console.Console`` on stderr.
    """

    def __init__(self, state: Any, console: Console) -> None:
        super().__init__()
        self.state = state
        self.console = console
        self._progress: Progress | None = None
        self._task = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TextColumn("{task.fields[rate]} steps/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(
            self._describe(), total=self.state.total_steps, completed=self.state.step,
            loss="-", rate="-",
        )
        self._first_step = self.state.step
        self._started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._update()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._update(loss=(logs or {}).get("loss"))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        shown = ", ".join(
            f"{name} {value:.4g}" for name, value in logs.items()
            if name != "learning_rate" and isinstance(value, float)
        )
        self.console.print(f"epoch {epoch + 1}/{self.state.epochs}: {shown}")

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._progress is not None:
            self._update()
            self._progress.stop()

    def _describe(self) -> str:
        shown = min(self.state.epoch + 1, self.state.epochs)
        return f"epoch {shown}/{self.state.epochs}"

    def _update(self, loss: float | None = None) -> None:
        if self._progress is None:
            return
        done = self.state.step - self._first_step
        seconds = time.perf_counter() - self._started
        rate = done / seconds if done and seconds > 0 else None
        fields = {"rate": "-" if rate is None else f"{rate:.1f}"}
        if loss is not None:
            fields["loss"] = f"{loss:.4g}"
        self._progress.update(
            self._task, completed=self.state.step, description=self._describe(), **fields
        )
