"""PNG plots of a sweep: learning curves per grid point, and a heatmap for two keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from adamctl.store import SweepDir

__all__ = ["curves_plot", "heatmap_plot", "point_curves"]


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
    """``metric`` against epoch for every grid point: mean over seeds, with a ±1 std band."""
    curves = point_curves(sweep_dir, plan, metric)
    if not curves:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5), dpi=110)
    for point, frame in sorted(curves.items()):
        mean, std = frame.mean(axis=1), frame.std(axis=1, ddof=1).fillna(0.0)
        line, = axes.plot(mean.index, mean.values, label=_label(plan, point))
        axes.fill_between(mean.index, mean - std, mean + std, color=line.get_color(), alpha=0.15)
    axes.set_xlabel("epoch")
    axes.set_ylabel(metric)
    seeds = len(plan["seeds"])
    axes.set_title(f"{metric} per grid point (mean over {seeds} seed{'s' * (seeds > 1)}, ±1 std)")
    axes.legend(fontsize="small", ncol=2 if len(curves) > 8 else 1)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def heatmap_plot(summary: Any, keys: Sequence[str], column: str, metric: str, path: Path) -> Path | None:
    """For a two-key grid: the mean of ``column`` over seeds, first key down, second across."""
    if len(keys) != 2 or summary.empty or column not in summary.columns:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
    figure.savefig(path)
    plt.close(figure)
    return path


def _cells(values: Any):
    import numpy as np

    for index, value in np.ndenumerate(values):
        if not np.isnan(value):
            yield index, float(value)
