"""`TensorBoardEvents`: the run's scalars as TensorBoard event files, one value per step.

Every tag uses the global step (batches trained) as its x-axis, so per-step
and per-epoch curves line up in TensorBoard:

- ``step/loss``: the training loss after each step (the running mean over the
  epoch so far, as Keras's own batch logs give it);
- ``epoch/<column>``: every column of the epoch's ``metrics.csv`` row (loss,
  val_loss, each metric and its ``val_`` twin, learning_rate, time_s),
  written at the step that ended the epoch.

A resumed run continues the same stream: before writing, the event files
are cut back to the checkpoint's step, since a killed process may have
written steps past its last checkpoint, and TensorBoard would otherwise hold
two values for those steps.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import keras

from adamctl._atomic import atomic_output_path
from adamctl.store.metrics import epoch_row

if TYPE_CHECKING:
    from adamctl.training.loop import LoopState

__all__ = ["TensorBoardEvents", "cut_events_after"]

# TensorFlow names its event files "events.out.tfevents.<time>.<host>...".
_EVENT_FILE_GLOB = "events.out.tfevents.*"


class TensorBoardEvents(keras.callbacks.Callback):
    """Write ``state``'s per-step loss and per-epoch metrics to ``log_dir``.

    Args:
        log_dir: the run's ``tensorboard/`` folder (made if missing).
        state: the loop's :class:`~adamctl.training.loop.LoopState`, at the
            position training starts from.
    """

    def __init__(self, log_dir: Path, state: LoopState) -> None:
        import tensorflow as tf

        super().__init__()
        self.state = state
        log_dir = Path(log_dir)
        log_dir.mkdir(parents=True, exist_ok=True)
        cut_events_after(log_dir, state.step)
        self.writer = tf.summary.create_file_writer(str(log_dir))

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None:
            self._scalars({"step/loss": loss})
        # On disk before this step's checkpoint (the next callback): a kill
        # after it must not lose steps that a resume will not write again.
        self.writer.flush()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row = epoch_row(epoch + 1, self.state.step, self.state.elapsed_s, logs or {})
        self._scalars({f"epoch/{name}": value for name, value in row.items()
                       if name != "epoch" and _is_number(value)})
        self.writer.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.writer.flush()

    def _scalars(self, values: dict[str, Any]) -> None:
        import tensorflow as tf

        with self.writer.as_default(step=self.state.step):
            for tag, value in values.items():
                tf.summary.scalar(tag, float(value))


def cut_events_after(log_dir: Path, step: int) -> None:
    """Drop every event past ``step`` from the event files in ``log_dir``, file by file.

    A file is rewritten (atomically) only when it holds such events; a torn
    last record, left by a kill in mid-write, ends the file's readable part.
    """
    for path in sorted(Path(log_dir).glob(_EVENT_FILE_GLOB)):
        records, dropped = _records_through(path, step)
        if dropped:
            _rewrite(path, records)


def _records_through(path: Path, step: int) -> tuple[list[bytes], bool]:
    import tensorflow as tf
    from tensorboard.compat.proto.event_pb2 import Event

    kept: list[bytes] = []
    dropped = False
    try:
        for record in tf.data.TFRecordDataset(str(path)):
            data = record.numpy()
            if Event.FromString(data).step <= step:
                kept.append(data)
            else:
                dropped = True
    except tf.errors.DataLossError:
        dropped = True
    return kept, dropped


def _rewrite(path: Path, records: list[bytes]) -> None:
    import tensorflow as tf

    with atomic_output_path(path) as temporary:
        with tf.io.TFRecordWriter(str(temporary)) as writer:
            for data in records:
                writer.write(data)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
