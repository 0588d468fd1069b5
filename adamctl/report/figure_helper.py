"""Draw a report's figures, some of them in a helper process while this one draws the others.

A sweep's report ends it with four PNGs (sensitivity, heatmap, curves,
tuning curve), about 0.7 s each on two cores and nearly all of it text
layout inside matplotlib, which holds the GIL: threads would not help. At a
sweep's end its workers are gone and a core is idle, so a helper process
(:class:`adamctl.sweep._warm.FigureHelper`, started while the workers
start) draws the curves and the tuning curve while the sweep's process
draws the other two. The figures are the same ones: the same functions,
given the same values. A helper that fails or dies costs nothing but time:
its figures are then drawn here.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable

__all__ = ["draw_figures", "import_drawing"]

# The figures sent to the helper: about as long to draw as the other two.
_AWAY = ("curves_path", "tuning_path")


def draw_figures(figures: dict[str, tuple[Callable[..., Any], tuple]],
                 helper: Any = None) -> dict[str, Any]:
    """Each figure's ``function(*args)`` result, by key; with ``helper`` (whose
    ``submit(function, *args)`` returns a Future, or None when it cannot take
    one), some are drawn there meanwhile."""
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


def import_drawing() -> None:
    """Import what drawing the figures needs (matplotlib's pyplot on Agg, the plots module)."""
    import adamctl.compare.plots  # noqa: F401
    from adamctl.report.plots import pyplot

    pyplot()
