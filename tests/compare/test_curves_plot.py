"""curves.png of a sweep (compare's curves_plot), checked on the figure it writes.

The figure is the one :func:`adamctl.compare.plots.curves_plot` saves: the
tests draw it with :func:`curves_figure` and also write it once, so every
property below holds for the file a sweep's report.md shows.
"""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest

from adamctl.compare import compare, plots

from tests.compare.helpers import curve, trial_rows


def _sweep(epsilons, *, seeds=(0, 1), epochs=3):
    """A comparison of one swept key and its curves: ``epochs`` values per trial."""
    rows = []
    for index, epsilon in enumerate(epsilons):
        values = [0.5 + index / 20 + seed / 100 for seed in seeds]
        rows += trial_rows(epsilon, values, seeds=list(seeds))
    results = pd.DataFrame(rows)
    curves = {r.trial: curve([r.final_val_loss + 0.1 * (epochs - e) for e in range(1, epochs + 1)])
              for r in results.itertuples()}
    return compare(results, curves, metric="val_loss"), curves


def _mean_lines(axes):
    return [line for line in axes.lines if not line.get_label().startswith("_")]


def test_a_one_epoch_sweep_draws_a_marker_per_arm():
    axes = plots.curves_figure(*_sweep([1e-8, 1e-4], seeds=(0,), epochs=1)).axes[0]
    assert len(axes.lines) == 2
    assert all(line.get_marker() not in (None, "None", "") for line in axes.lines)
    assert all(len(line.get_xdata()) == 1 for line in axes.lines)


@pytest.mark.parametrize("arms", [9, 12])
def test_every_arm_gets_its_own_style_and_a_legend_entry_outside(arms):
    figure = plots.curves_figure(*_sweep([10.0 ** -k for k in range(1, arms + 1)]))
    axes = figure.axes[0]
    lines = _mean_lines(axes)
    styles = {(line.get_color(), line.get_linestyle(), line.get_marker()) for line in lines}
    assert len(lines) == len(styles) == arms
    legend = axes.get_legend()
    assert len(legend.get_texts()) == arms
    figure.canvas.draw()
    # The legend sits to the right of the plotting area, not over the curves.
    assert legend.get_window_extent().x0 >= axes.get_window_extent().x1


@pytest.mark.parametrize("epochs", [1, 3])
def test_x_ticks_are_whole_numbers(epochs):
    figure = plots.curves_figure(*_sweep([1e-8, 1e-4], epochs=epochs))
    figure.canvas.draw()
    axes = figure.axes[0]
    low, high = axes.get_xlim()
    ticks = [t for t in axes.get_xticks() if low <= t <= high]
    assert ticks and all(float(t).is_integer() for t in ticks)


@pytest.mark.parametrize("seeds, spread", [((0,), False), ((0, 1), True)])
def test_the_band_seed_lines_and_their_title_only_with_several_seeds(seeds, spread):
    axes = plots.curves_figure(*_sweep([1e-8, 1e-4], seeds=seeds)).axes[0]
    assert ("95% t band" in axes.get_title()) is spread
    assert ("single seeds" in axes.get_title()) is spread
    assert bool(axes.collections) is spread
    assert len(axes.lines) == 2 * (1 + len(seeds) * spread)


SEEDS_ONLY = [
    pytest.param(["completed"] * 3, id="all-completed"),
    # Two seeds diverged after one epoch: later steps have a single value.
    pytest.param(["completed", "diverged", "diverged"], id="two-diverged-early"),
]


@pytest.mark.parametrize("statuses", SEEDS_ONLY)
def test_a_seeds_only_sweep_plots_without_warnings(tmp_path, statuses):
    rows = [{"trial": f"p0-s{seed}", "point": "p0", "seed": seed, "status": status,
             "final_val_loss": 0.5 if status == "completed" else math.nan}
            for seed, status in enumerate(statuses)]
    curves = {row["trial"]: curve([0.9, 0.7, 0.5] if row["status"] == "completed" else [0.9])
              for row in rows}
    result = compare(pd.DataFrame(rows), curves, metric="val_loss", keys=[])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = plots.curves_plot(result, curves, tmp_path / "curves.png")
    assert path.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]
