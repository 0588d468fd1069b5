"""``diagnostics.png`` of a run: epsilon dominance and effective-lr percentiles over steps.

Two panels sharing the step axis, one colour per variable (the pooled
``all`` in black). Above: the epsilon-dominated fraction. Below: the
effective learning rate's median as a line, its p01-p99 band shaded, on a
log axis (the rates span decades between layers).
"""

from __future__ import annotations

from typing import Any

from adamctl.report.plots import pyplot, save_figure
from adamctl.store import RunDir

__all__ = ["diagnostics_figure", "diagnostics_plot"]


def diagnostics_plot(run: RunDir) -> Any:
    """Write ``run.diagnostics_plot_path``; None (nothing written) without diagnostics."""
    figure = diagnostics_figure(run)
    if figure is None:
        return None
    return save_figure(figure, run.diagnostics_plot_path)


def diagnostics_figure(run: RunDir) -> Any:
    """The figure :func:`diagnostics_plot` saves."""
    from adamctl.store.diagnostics import diagnostics_frames

    frames = diagnostics_frames(run)
    if frames is None or frames[0].empty:
        return None
    table = frames[0]
    figure, (top, bottom) = pyplot().subplots(2, 1, sharex=True, figsize=(8, 6.5), dpi=110)
    names = list(dict.fromkeys(table["variable"]))
    for index, name in enumerate(names):
        rows = table[table["variable"] == name].sort_values("step")
        color = "black" if name == "all" else f"C{index % 10}"
        width = 2.0 if name == "all" else 1.0
        top.plot(rows["step"], rows["epsilon_dominated"], color=color, linewidth=width, label=name)
        bottom.plot(rows["step"], rows["effective_lr_p50"], color=color, linewidth=width)
        bottom.fill_between(rows["step"], rows["effective_lr_p01"], rows["effective_lr_p99"],
                            color=color, alpha=0.12, linewidth=0)
    top.set_ylabel("epsilon-dominated fraction")
    top.set_ylim(-0.02, 1.02)
    top.legend(fontsize="small", ncol=2)
    bottom.set_yscale("log")
    bottom.set_ylabel("effective lr (p50; p01-p99 band)")
    bottom.set_xlabel("step")
    for axes in (top, bottom):
        axes.grid(alpha=0.3)
    figure.suptitle(f"Adam diagnostics, run {run.root.name}")
    figure.tight_layout()
    return figure
