"""A sweep worker's signals: it outlives neither its parent nor a stop, and never prints a traceback.

A worker ignores SIGINT: Ctrl-C in a terminal reaches the whole process
group, and the parent decides what the workers do (it sends SIGTERM to the
busy ones, which checkpoint their trial and report it interrupted). When
the parent dies without doing so (SIGKILL, the OOM killer), the worker
sends itself one SIGTERM: the kernel tells it with SIGHUP (Linux
``PR_SET_PDEATHSIG``), or, where that cannot be asked for, a thread that
watches the parent's pid notices. Exactly one: a second SIGTERM would mean
"stop now", without a checkpoint, and the kernel may signal more than
once (it signals the child each time the thread it is attached to exits
and it passes to another of the dying parent's threads, measured twice
or more). A worker so stopped finishes as it would on any SIGTERM: its
trial's checkpoint is written, its summary says ``interrupted``, its
lock is released, and it exits.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from types import FrameType
from typing import Iterator

__all__ = ["signals_ignored_by_children", "watch_parent"]

_PR_SET_PDEATHSIG = 1
_PARENT_GONE = signal.SIGHUP
_POLL_S = 0.5
_stopping: list[int] = []  # set once this worker has sent itself its SIGTERM


def watch_parent(parent_pid: int) -> None:
    """In a worker: ignore SIGINT, and get one SIGTERM when ``parent_pid`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(_PARENT_GONE, _stop_once)
    armed = _ask_kernel_to_signal_parent_death()
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        _stop_once(_PARENT_GONE, None)
    elif not armed:
        threading.Thread(target=_poll_parent, args=(parent_pid,), daemon=True,
                         name="adamctl-parent-watch").start()


def _stop_once(signum: int, frame: FrameType | None) -> None:
    """Send this process SIGTERM, the first time only."""
    if not _stopping:
        _stopping.append(signum)
        os.kill(os.getpid(), signal.SIGTERM)


def _ask_kernel_to_signal_parent_death() -> bool:
    """Whether the kernel will send ``_PARENT_GONE`` when the parent dies."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(_PARENT_GONE), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _poll_parent(parent_pid: int) -> None:
    """Signal this process once the parent is gone (then it is adopted: the ppid changes)."""
    stop = threading.Event()
    while not stop.wait(_POLL_S):
        if os.getppid() != parent_pid:
            _stop_once(_PARENT_GONE, None)
            return


@contextlib.contextmanager
def signals_ignored_by_children() -> Iterator[None]:
    """Start child processes inside this block with SIGINT ignored from their first instruction.

    An ignored signal stays ignored across ``exec``, and Python then installs
    no KeyboardInterrupt handler, so a Ctrl-C while a worker starts or
    imports TensorFlow prints nothing. The parent's own handler is put back
    after the block.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
