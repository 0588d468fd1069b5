"""`MetricsCSV`: one row per epoch in ``metrics.csv``, rewritten atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import keras

from adamctl.store.metrics import epoch_row, read_metrics_rows, write_metrics_rows

__all__ = ["MetricsCSV"]


class MetricsCSV(keras.callbacks.Callback):
    """Write ``epoch, step, loss, val_loss, <metric>, val_<metric>..., learning_rate, time_s``.

    ``epoch`` counts from 1, ``step`` is the number of batches trained when
    the epoch ended, ``time_s`` the training wall time so far in seconds. The
    whole file is rewritten through a temporary file at each epoch end, so it
    is never half-written. Rows already in the file (from before a resume)
    are kept up to ``keep_epochs``.

    Args:
        path: the CSV file.
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
        keep_epochs: rows of earlier sessions to keep (epochs 1..keep_epochs).
        write_file: ``write_file(path, data)`` writes the file's bytes instead of an
            atomic write here (a population queues them on its writer thread).
    """

    def __init__(self, path: Path, state: Any, *, keep_epochs: int = 0,
                 write_file: Callable[[Path, bytes], None] | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.state = state
        self.write_file = write_file
        self.rows = [row for row in read_metrics_rows(self.path) if int(row["epoch"]) <= keep_epochs]

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.rows.append(epoch_row(epoch + 1, self.state.step, self.state.elapsed_s, logs or {}))
        write_metrics_rows(self.path, self.rows, self.write_file)
