"""Directory locks: one writer per run directory, one driver per sweep directory.

The lock is an ``fcntl.flock`` on ``<dir>/.lock``. A process that exits,
crashes or is SIGKILLed loses it at once, so a lock left by a dead process
is simply taken over; the file's text (pid, host, command, start time) only
serves to name the live holder in the refusal.

The file is opened with ``O_NOFOLLOW`` and without ``O_TRUNC``: a ``.lock``
that is a symlink (or anything but a plain file) is refused, so taking the
lock can never truncate or overwrite a file elsewhere.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import stat
import sys
from pathlib import Path
from typing import Any

from adamctl._clock import now_iso
from adamctl.errors import RunLocked, UsageError, WriteFailed
from adamctl.store.rundir import RunDir

__all__ = ["DirLock", "RunLock", "SweepLock"]

_LOCK_NAME = ".lock"


class DirLock:
    """Hold ``<root>/.lock`` for the life of a ``with`` block.

    ``advice`` says, in the refusal, what to do about a live holder.

    Raises:
        RunLocked: another live process holds it.
        UsageError: ``.lock`` is a symlink or not a plain file.
    """

    def __init__(self, root: Path | str, *, advice: str) -> None:
        self.root = Path(root)
        self.path = self.root / _LOCK_NAME
        self._advice = advice
        self._fd: int | None = None

    def acquire(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunLocked(
                f"{self.root} is being written by process "
                f"{holder.get('pid', '?')} (started {holder.get('started', 'at an unknown time')}); "
                f"{self._advice}"
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(_holder()).encode())
            os.fsync(fd)
        except OSError as error:
            os.close(fd)
            raise WriteFailed.from_os_error("write the lock file", self.path, error) from None
        self._fd = fd

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise UsageError(f"{self.path} is a symbolic link; adamctl does not follow it. "
                                 "Remove it (it only names the process writing here)") from None
            raise WriteFailed.from_os_error("open the lock file", self.path, error) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise UsageError(f"{self.path} is not a plain file; remove it "
                             "(it only names the process writing here)")
        return fd

    def release(self) -> None:
        if self._fd is None:
            return
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> "DirLock":
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


class RunLock(DirLock):
    """The lock of one run directory: one process trains or resumes it at a time."""

    def __init__(self, run: RunDir) -> None:
        super().__init__(run.root, advice="wait for it to finish or stop it")
        self.run = run


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
        holder = json.loads(os.read(fd, 65536).decode() or "{}")
        return holder if isinstance(holder, dict) else {}
    except (OSError, ValueError):
        return {}


class SweepLock(DirLock):
    """The lock of one sweep directory: one ``adamctl sweep`` (new or ``--resume``) at a time."""

    def __init__(self, root: Path | str) -> None:
        super().__init__(root, advice="wait for that sweep to finish or stop it; one sweep "
                                      "process at a time runs a sweep directory")
