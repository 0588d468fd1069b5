"""``curves.png`` of a single run: its metrics and its learning rate over epochs.

Two panels sharing the epoch axis. The first has the loss (left axis) and
every other metric (right axis, as accuracy-like metrics live on another
scale), each training curve solid and its ``val_`` twin dashed in the same
colour. The second has the learning rate, on a log axis when it spans more
than a decade (a decayed schedule).
"""

from __future__ import annotations

from typing import Any

from adamctl.report.plots import integer_epochs, pyplot, save_figure
from adamctl.store import RunDir

__all__ = ["run_curves_figure", "run_curves_plot"]

_NOT_METRICS = ("epoch", "step", "learning_rate", "time_s")


def run_curves_plot(run: RunDir) -> Any:
    """Write ``run.curves_path`` from its metrics.csv; None (nothing written) with no epoch."""
    figure = run_curves_figure(run)
    if figure is None:
        return None
    return save_figure(figure, run.curves_path)


def run_curves_figure(run: RunDir) -> Any:
    """The figure :func:`run_curves_plot` saves: metrics above, learning rate below."""
    from adamctl.store.metrics import metrics_frame

    frame = metrics_frame(run)
    if frame.empty:
        return None
    figure, (top, bottom) = pyplot().subplots(2, 1, sharex=True, figsize=(8, 6.5), dpi=110,
                                              height_ratios=(3, 1.4))
    _metrics_panel(top, frame)
    _learning_rate_panel(bottom, frame)
    bottom.set_xlabel("epoch")
    integer_epochs(bottom)
    figure.suptitle(f"run {run.root.name}")
    figure.tight_layout()
    return figure


def _metrics_panel(axes: Any, frame: Any) -> None:
    names = [c for c in frame.columns if c not in _NOT_METRICS and not c.startswith("val_")]
    others = axes.twinx() if any(n != "loss" for n in names) else None
    for index, name in enumerate(names):
        target = axes if name == "loss" else others
        _pair(target, frame, name, f"C{index % 10}")
    axes.set_ylabel("loss")
    if others is not None:
        others.set_ylabel(", ".join(n for n in names if n != "loss"))
    handles = [line for ax in (axes, others) if ax is not None for line in ax.lines]
    # Above the panel: inside, the right axis's curves would be drawn over it.
    axes.legend(handles=handles, labels=[h.get_label() for h in handles], fontsize="small",
                loc="lower left", bbox_to_anchor=(0.0, 1.02, 1.0, 0.1), mode="expand",
                ncol=min(4, len(handles)), borderaxespad=0.0, frameon=False)
    axes.grid(alpha=0.3)


def _pair(axes: Any, frame: Any, name: str, color: str) -> None:
    """A metric solid and its val_ twin dashed, in one colour, a marker per epoch."""
    every = max(1, len(frame) // 25)
    axes.plot(frame["epoch"], frame[name], color=color, marker="o", markersize=3,
              markevery=every, label=name)
    if f"val_{name}" in frame.columns:
        axes.plot(frame["epoch"], frame[f"val_{name}"], color=color, linestyle="--", marker="s",
                  markersize=3, markevery=every, label=f"val_{name}")


def _learning_rate_panel(axes: Any, frame: Any) -> None:
    if "learning_rate" not in frame.columns or frame["learning_rate"].isna().all():
        axes.text(0.5, 0.5, "no learning rate recorded", ha="center", va="center",
                  transform=axes.transAxes)
        return
    rates = frame["learning_rate"].astype(float)
    axes.plot(frame["epoch"], rates, color="C7", marker="o", markersize=3,
              markevery=max(1, len(frame) // 25))
    positive = rates[rates > 0]
    if not positive.empty and positive.max() > 10 * positive.min():
        axes.set_yscale("log")
    axes.set_ylabel("learning rate")
    axes.grid(alpha=0.3)
