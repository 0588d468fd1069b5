"""Figure helpers shared by report's plots: pyplot on Agg, whole-number epochs, atomic PNGs.

A sweep's figures (curves, heatmap, sensitivity, tuning) are drawn by
:mod:`adamctl.compare.plots`; a run's by :mod:`adamctl.report.run_plots`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["integer_epochs", "pyplot", "save_figure"]


def integer_epochs(axes: Any) -> None:
    """Ticks only at whole epochs (matplotlib would put 0.5 steps on a short run)."""
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))


def save_figure(figure: Any, path: Path) -> Path:
    """Write ``figure`` as a PNG atomically (a reader never sees half a file), and close it."""
    from adamctl._atomic import atomic_output_path

    with atomic_output_path(Path(path)) as temporary:
        figure.savefig(temporary, format="png")
    pyplot().close(figure)
    return Path(path)


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (files only, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
