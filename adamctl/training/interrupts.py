"""Stop at the next step boundary on SIGINT or SIGTERM, instead of dying mid-step."""

from __future__ import annotations

import contextlib
import signal
import threading
from types import FrameType
from typing import Iterator

__all__ = ["StopOnSignal", "exit_code_for", "stop_signals_noted"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)

# The first stop signal noted inside a :func:`stop_signals_noted` block
# before any StopOnSignal block took over.
_noted: list[int] = []


@contextlib.contextmanager
def stop_signals_noted() -> Iterator[None]:
    """Inside the block, a SIGINT or SIGTERM is noted, not fatal; a StopOnSignal block in it starts stopped.

    For a sweep worker's job: a stop asked for while the trial's model is
    built or its run directory opened (before the run's own StopOnSignal
    block) would otherwise kill the worker with the trial's summary still
    saying ``running``. Noted, it stops the trial at its first step boundary
    with a checkpoint, recorded ``interrupted``. A signal the process ignores
    stays ignored. The previous handlers, and a clean slate, come back after
    the block. Main thread only (elsewhere the block does nothing).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _note) for signum in _SIGNALS
                if signal.getsignal(signum) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _noted.clear()


def _note(signum: int, frame: FrameType | None) -> None:
    if not _noted:
        _noted.append(signum)


def exit_code_for(signum: int) -> int:
    """The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + int(signum)


class StopOnSignal:
    """A context manager whose instance, called, says whether a stop was asked for.

    The first SIGINT or SIGTERM only sets a flag, which the training loop
    reads between steps, so it can checkpoint and exit cleanly; ``signum``
    keeps that first signal, which is the one reported. A second one means
    "now": it raises ``KeyboardInterrupt`` once. After :meth:`hold` (the
    loop is over, the interrupt checkpoint and summary are being written)
    signals are only noted, so nothing can cut those writes short; the
    handlers stay installed until the block ends.

    Two different signals that arrive within one step (before Python runs
    either handler) are handled in signal-number order, SIGINT first: the
    interpreter does not keep their order of arrival, and in a process with
    many threads that order is not defined anyway.

    A signal the process was started with ignored (``nohup``, a background
    job, a sweep worker for SIGINT) stays ignored. Outside the main thread,
    where Python cannot install handlers, it never asks to stop. A signal
    noted before the block (:func:`stop_signals_noted`) counts as its first.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, object] = {}
        self._aborted = False
        self._held = False

    def __call__(self) -> bool:
        return self.signum is not None

    def __enter__(self) -> "StopOnSignal":
        if threading.current_thread() is threading.main_thread():
            for signum in _SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self._previous[signum] = signal.signal(signum, self._handle)
        if _noted and self.signum is None:  # after the handlers: none can slip between
            self.signum = _noted[0]
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @property
    def aborted(self) -> bool:
        """Whether a second signal raised ``KeyboardInterrupt``.

        Raised inside a native call, the interrupt may come out as another
        exception: pybind11 (under TensorFlow's tracing, for one) replaces an
        exception raised in a Python callback by a ``RuntimeError`` naming
        both. Whatever escapes a step after an abort is that abort.
        """
        return self._aborted

    def hold(self) -> None:
        """From now on, signals are noted but interrupt nothing."""
        self._held = True

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        elif not self._held and not self._aborted:
            self._aborted = True
            raise KeyboardInterrupt
