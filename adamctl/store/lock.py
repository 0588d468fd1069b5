"""`RunLock`: one writer per run directory, released by the kernel when the writer dies.

The lock is an ``fcntl.flock`` on ``<run>/.lock``. A process that exits,
crashes or is SIGKILLed loses it at once, so a lock left by a dead process
is simply taken over; the file's text (pid, host, command, start time) only
serves to name the live holder in the refusal.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from typing import Any

from adamctl._clock import now_iso
from adamctl.errors import RunLocked
from adamctl.store.rundir import RunDir

__all__ = ["RunLock"]


class RunLock:
    """Hold ``run``'s lock for the life of a ``with`` block.

    Raises:
        RunLocked: another live process holds it.
    """

    def __init__(self, run: RunDir) -> None:
        self.run = run
        self._fd: int | None = None

    def acquire(self) -> None:
        self.run.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.run.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunLocked(
                f"{self.run.root} is being written by process {holder.get('pid', '?')} "
                f"(started {holder.get('started', 'at an unknown time')}); wait for it to "
                "finish or stop it"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(_holder()).encode())
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _holder() -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": " ".join(sys.argv),
        "started": now_iso(),
    }


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return json.loads(os.read(fd, 65536).decode() or "{}")
    except (OSError, ValueError):
        return {}
