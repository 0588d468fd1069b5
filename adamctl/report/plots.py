"""PNG plots of a sweep: learning curves per grid point, and a heatmap for two keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from adamctl.store import SweepDir

__all__ = ["curves_figure", "curves_plot", "heatmap_plot", "integer_epochs", "point_curves",
           "pyplot", "save_figure"]


def point_curves(sweep_dir: SweepDir, plan: dict[str, Any], metric: str) -> dict[str, Any]:
    """Per grid point: a DataFrame of ``metric`` by epoch, one column per seed."""
    import pandas as pd

    from adamctl.store.metrics import metrics_frame

    curves: dict[str, Any] = {}
    for trial in plan["trials"]:
        frame = metrics_frame(sweep_dir.trial(trial["id"]))
        if metric not in frame.columns:
            continue
        series = frame.set_index("epoch")[metric].rename(f"seed {trial['seed']}")
        curves.setdefault(trial["point"], []).append(series)
    return {point: pd.concat(series, axis=1) for point, series in curves.items()}


def _label(plan: dict[str, Any], point: str) -> str:
    values = next(t["values"] for t in plan["trials"] if t["point"] == point)
    return ", ".join(f"{key.split('.')[-1]}={value:g}" if isinstance(value, float)
                     else f"{key.split('.')[-1]}={value}" for key, value in values.items())


def curves_plot(sweep_dir: SweepDir, plan: dict[str, Any], metric: str, path: Path) -> Path | None:
    """``metric`` against epoch for every grid point: mean over seeds, with a ±1 std band.

    Every point gets its own colour and line style (ten colours, then the
    styles cycle), a marker at each epoch (so a one-epoch sweep still shows
    its points) and a legend entry outside the axes; epochs are whole
    numbers. The band and "±1 std" appear only when there are several seeds.
    """
    figure = curves_figure(sweep_dir, plan, metric)
    if figure is None:
        return None
    return save_figure(figure, path)


def curves_figure(sweep_dir: SweepDir, plan: dict[str, Any], metric: str) -> Any:
    """The figure :func:`curves_plot` saves; None when no trial has ``metric`` yet."""
    curves = point_curves(sweep_dir, plan, metric)
    if not curves:
        return None
    figure, axes = pyplot().subplots(figsize=(9, 5), dpi=110)
    for index, (point, frame) in enumerate(sorted(curves.items())):
        _draw_point(axes, frame, index, _label(plan, point) or None)
    seeds = len(plan["seeds"])
    spread = ", ±1 std" if seeds > 1 else ""
    axes.set_title(f"{metric} per grid point (mean over {seeds} seed{'s' * (seeds > 1)}{spread})")
    axes.set_xlabel("epoch")
    axes.set_ylabel(metric)
    integer_epochs(axes)
    axes.grid(alpha=0.3)
    if any(line.get_label() and not line.get_label().startswith("_") for line in axes.lines):
        axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0),
                    ncol=2 if len(curves) > 16 else 1, borderaxespad=0.0)
    figure.tight_layout()
    return figure


_STYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D", "v", "P")


def _draw_point(axes: Any, frame: Any, index: int, label: str | None) -> None:
    """One grid point's mean curve in its own style; its std band when there are seeds to spread."""
    mean = frame.mean(axis=1)
    color = f"C{index % 10}"
    axes.plot(mean.index, mean.values, color=color, linestyle=_STYLES[(index // 10) % 4],
              marker=_MARKERS[(index // 10) % len(_MARKERS)], markersize=4,
              markevery=max(1, len(mean) // 25),
              label=label if label is not None else "_nolegend_")
    if frame.shape[1] > 1:
        std = frame.std(axis=1, ddof=1).fillna(0.0)
        axes.fill_between(mean.index, mean - std, mean + std, color=color, alpha=0.12)


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


def heatmap_plot(summary: Any, keys: Sequence[str], column: str, metric: str, path: Path) -> Path | None:
    """For a two-key grid: the mean of ``column`` over seeds, first key down, second across."""
    if len(keys) != 2 or summary.empty or column not in summary.columns:
        return None
    plt = pyplot()
    table = summary.pivot_table(index=keys[0], columns=keys[1], values=column, aggfunc="mean")
    figure, axes = plt.subplots(figsize=(1.2 * len(table.columns) + 3, 0.8 * len(table.index) + 2),
                                dpi=110)
    image = axes.imshow(table.values, cmap="viridis", aspect="auto")
    axes.set_xticks(range(len(table.columns)), [f"{v:g}" if isinstance(v, float) else str(v)
                                                for v in table.columns])
    axes.set_yticks(range(len(table.index)), [f"{v:g}" if isinstance(v, float) else str(v)
                                              for v in table.index])
    axes.set_xlabel(keys[1])
    axes.set_ylabel(keys[0])
    low, high = image.get_clim()
    for (row, col), value in _cells(table.values):
        # Dark text on the bright end of viridis, light text on the dark end.
        bright = high > low and (value - low) / (high - low) > 0.6
        axes.text(col, row, f"{value:.4g}", ha="center", va="center",
                  color="black" if bright else "white", fontsize=8)
    figure.colorbar(image, ax=axes, label=f"{metric} (mean over seeds)")
    axes.set_title(f"{metric}: {keys[0]} x {keys[1]}")
    figure.tight_layout()
    return save_figure(figure, path)


def _cells(values: Any):
    import numpy as np

    for index, value in np.ndenumerate(values):
        if not np.isnan(value):
            yield index, float(value)
