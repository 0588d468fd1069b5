"""A population's epoch-end writes on a background thread: their fsyncs overlap its other work.

A checkpoint is mostly waiting for the disk (about nine fsyncs), metrics.csv,
summary.json and the best epoch's weights file for two each; at an epoch's
end a population writes them for every member. Their contents are taken on
the training thread (arrays are copies, files are bytes), and the writes go
to one background thread, so they keep their order: the separate run's. Nothing reads a checkpoint
while it may still be pending: :meth:`BackgroundWrites.flush` waits for
every write at each epoch's end (before the next step, so a kill between
steps finds them all on disk, as after a separate run's step) and before a
member settles or stops (so its summary never names a checkpoint not yet
written). A failed write raises at the next flush.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = ["BackgroundWrites"]


class BackgroundWrites:
    """One thread writing checkpoints in the order they were asked for."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="adamctl-checkpoints")
        self._pending: list[Future] = []

    def write_checkpoint(self, run: Any, data: Any, *, keep: int) -> None:
        """Queue ``write_checkpoint(run, data, keep=keep)``."""
        from adamctl.store.checkpoint import write_checkpoint

        self._pending.append(self._pool.submit(write_checkpoint, run, data, keep=keep))

    def write_file(self, path: Any, data: bytes) -> None:
        """Queue ``atomic_write_bytes(path, data)`` (``data`` is already built)."""
        from adamctl._atomic import atomic_write_bytes

        self._pending.append(self._pool.submit(atomic_write_bytes, path, data))

    def flush(self) -> None:
        """Wait for every queued write; raise the first one's error, if any failed.

        A write leaves the queue only once it is done: a flush cut short (a
        second stop signal raising KeyboardInterrupt inside the wait) leaves
        the rest for the next one, so no older write can land after a newer
        file written directly (an interrupted run's summary.json).
        """
        failed = None
        while self._pending:
            error = self._pending[0].exception()
            self._pending.pop(0)
            failed = failed or error
        if failed is not None:
            raise failed

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._pool.shutdown(wait=True)
