"""A sweep's curves.png, checked on the figure itself."""

from __future__ import annotations

import warnings

import pytest

from adamctl.report.plots import curves_figure, curves_plot
from tests.report.sweeps import write_sweep


def _curves(sweep, metric="val_loss"):
    return curves_figure(sweep, sweep.read_plan(), metric)


def test_a_one_epoch_sweep_draws_a_marker_per_point(tmp_path):
    sweep = write_sweep(tmp_path / "s", [0.5, 0.9], epochs=1)
    axes = _curves(sweep).axes[0]
    assert len(axes.lines) == 2
    assert all(line.get_marker() not in (None, "None", "") for line in axes.lines)
    assert all(len(line.get_xdata()) == 1 for line in axes.lines)


def test_nine_points_get_distinct_styles_and_a_legend_outside(tmp_path):
    sweep = write_sweep(tmp_path / "s", [0.1 * i for i in range(1, 10)])
    figure = _curves(sweep)
    axes = figure.axes[0]
    styles = {(line.get_color(), line.get_linestyle(), line.get_marker()) for line in axes.lines}
    assert len(styles) == 9
    legend = axes.get_legend()
    assert len(legend.get_texts()) == 9
    figure.canvas.draw()
    # The legend sits to the right of the plotting area, not over the curves.
    assert legend.get_window_extent().x0 >= axes.get_window_extent().x1


@pytest.mark.parametrize("epochs", [1, 3])
def test_epoch_ticks_are_whole_numbers(tmp_path, epochs):
    sweep = write_sweep(tmp_path / "s", [0.5, 0.9], epochs=epochs)
    figure = _curves(sweep)
    figure.canvas.draw()
    axes = figure.axes[0]
    ticks = [t for t in axes.get_xticks() if axes.get_xlim()[0] <= t <= axes.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)


@pytest.mark.parametrize("seeds, band", [((0,), False), ((0, 1), True)])
def test_the_std_band_and_its_title_only_with_several_seeds(tmp_path, seeds, band):
    sweep = write_sweep(tmp_path / "s", [0.5, 0.9], seeds=seeds)
    axes = _curves(sweep).axes[0]
    assert ("±1 std" in axes.get_title()) is band
    assert bool(axes.collections) is band


def test_a_seeds_only_sweep_plots_without_warnings(tmp_path):
    sweep = write_sweep(tmp_path / "s", [], key=None, seeds=(0, 1, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert curves_plot(sweep, sweep.read_plan(), "val_loss", sweep.curves_path)
    assert sweep.curves_path.read_bytes().startswith(b"\x89PNG")
