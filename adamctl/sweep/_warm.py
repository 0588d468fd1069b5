"""The report's libraries, imported while a sweep's workers start and train.

A sweep ends by writing report.md and its plots, whose modules (matplotlib
above all, then scipy.special and the comparison) take most of a second to
import; done at the end, that second comes after the last trial. The
sweep's own process mostly waits on its workers meanwhile, so the imports
run then, on a thread; :meth:`wait` joins it before the report is written,
so that no two threads import the same modules at once. A failed import
here is left for the report to raise. :class:`FigureHelper` is a process,
started then too, that draws some of the report's figures at the end
(:mod:`adamctl.report.figure_helper`). Both give way to the workers
(:data:`_NICENESS`).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from typing import Any, Callable

__all__ = ["FigureHelper", "ReportImports"]


class ReportImports:
    """Import the report's modules in the background once :meth:`start` is called."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=_import, name="adamctl-report-imports",
                                            daemon=True)
            self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()


# The niceness of the report's imports: they are needed only at the sweep's end,
# so they give way to the workers starting (importing the framework) and training.
# At 10 a busy core still gives them about a tenth of its time.
_NICENESS = 10


def _give_way() -> None:
    """Lower this thread's priority (Linux schedules threads apart); elsewhere nothing."""
    import sys

    if sys.platform.startswith("linux"):
        try:
            thread = threading.get_native_id()
            if os.getpriority(os.PRIO_PROCESS, thread) < _NICENESS:  # never raised
                os.setpriority(os.PRIO_PROCESS, thread, _NICENESS)
        except OSError:
            pass


def _import() -> None:
    _give_way()
    try:
        from adamctl.report.figure_helper import import_drawing
        from adamctl.report.sweep_report import import_comparison

        import_comparison()
        import_drawing()
    except Exception:  # noqa: BLE001 - the report, written later, raises it
        pass


class FigureHelper:
    """One spawned process with matplotlib imported, for
    :func:`adamctl.report.figure_helper.draw_figures`."""

    def __init__(self) -> None:
        self._pool: Any = None

    def start(self) -> None:
        """Start the process now (its imports overlap the sweep's training)."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from adamctl.sweep._lifetime import signals_ignored_by_children

        if self._pool is not None:
            return
        with signals_ignored_by_children():  # a Ctrl-C is the sweep's to handle, not the helper's
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_prepare, initargs=(os.getpid(),))
            self._pool.submit(int)  # the process starts at the first task: now

    def submit(self, function: Callable[..., Any], *args: Any) -> Future | None:
        """``function(*args)`` in the helper; None when it cannot take it (not started, broken)."""
        if self._pool is None:
            return None
        try:
            return self._pool.submit(function, *args)
        except RuntimeError:  # BrokenProcessPool, or shut down
            return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _prepare(parent_pid: int) -> None:
    """In the helper: end with the sweep's process, and import what the figures need."""
    from adamctl.report.figure_helper import import_drawing
    from adamctl.sweep._lifetime import watch_parent

    watch_parent(parent_pid)
    _give_way()  # the helper's only thread
    import_drawing()
