"""A second process that draws some of a report's figures while this one draws the others.

A sweep's report ends it with four PNGs (sensitivity, heatmap, curves,
tuning curve), about 0.7 s each on two cores and nearly all of it text
layout inside matplotlib, which holds the GIL: threads would not help. At a
sweep's end its workers are gone and a core is idle, so a helper process,
started while the workers start (it imports matplotlib then), draws the
curves and the tuning curve while the sweep's process draws the other two.
The figures are the same ones: the same functions, given the same values.
A helper that fails or dies costs nothing but time: its figures are then
drawn here.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from typing import Any, Callable

__all__ = ["FigureHelper", "draw_figures"]

# The figures sent to the helper: about as long to draw as the other two.
_AWAY = ("curves_path", "tuning_path")


class FigureHelper:
    """One spawned process with matplotlib imported, for :func:`draw_figures`."""

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
    from adamctl.sweep._lifetime import watch_parent

    watch_parent(parent_pid)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401

    import adamctl.compare.plots  # noqa: F401


def draw_figures(figures: dict[str, tuple[Callable[..., Any], tuple]],
                 helper: FigureHelper | None = None) -> dict[str, Any]:
    """Each figure's ``function(*args)`` result, by key; with ``helper``, some drawn there meanwhile."""
    away: dict[str, Future] = {}
    if helper is not None:
        for key in _AWAY:
            if key in figures:
                function, args = figures[key]
                future = helper.submit(function, *args)
                if future is not None:
                    away[key] = future
    made = {key: function(*args) for key, (function, args) in figures.items() if key not in away}
    for key, future in away.items():
        try:
            made[key] = future.result()
        except Exception:  # noqa: BLE001 - the helper failed or died: drawn here, raising here
            function, args = figures[key]
            made[key] = function(*args)
    return {key: made[key] for key in figures}
