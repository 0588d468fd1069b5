"""The beta_1 = sqrt(beta_2) boundary on the heatmap, read from the figure's artists."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from adamctl.compare import compare, plots
from adamctl.compare._beta_boundary import BOUNDARY_LABEL

B1, B2 = "optimizer.beta_1", "optimizer.beta_2"


def _results(beta_1s, beta_2s, *, keys=(B1, B2)):
    rows = []
    for b1 in beta_1s:
        for b2 in beta_2s:
            values = {B1: b1, B2: b2, "optimizer.epsilon": b1}
            point = f"{b1}-{b2}"
            rows += [{"trial": f"{point}-s{s}", "point": point, "seed": s, "status": "completed",
                      **{k: values[k] for k in keys}, "final_val_loss": 0.5 + b1 - b2 + s / 50}
                     for s in range(2)]
    return pd.DataFrame(rows)


def _heatmap(beta_1s, beta_2s, keys=(B1, B2)):
    result = compare(_results(beta_1s, beta_2s, keys=keys), metric="val_loss", keys=list(keys))
    figure = plots.heatmap_figure(result)
    return figure.axes[0]


def _boundary(axes):
    lines = [line for line in axes.get_lines() if line.get_label() == BOUNDARY_LABEL]
    return lines[0] if len(lines) == 1 else None


def _curve_at(line, x: float) -> float:
    """The curve's y where its x equals ``x``."""
    xs, ys = line.get_xdata(), line.get_ydata()
    order = np.argsort(xs)
    return float(np.interp(x, np.asarray(xs)[order], np.asarray(ys)[order]))


@pytest.mark.parametrize("keys", [pytest.param((B1, B2), id="beta_1-rows"),
                                  pytest.param((B2, B1), id="beta_2-rows")])
def test_boundary_crosses_the_centre_of_every_cell_on_it(keys):
    # sqrt(0.81) = 0.9, sqrt(0.9801) = 0.99, sqrt(0.998001) = 0.999: the diagonal cells.
    axes = _heatmap((0.9, 0.99, 0.999), (0.81, 0.9801, 0.998001), keys)
    line = _boundary(axes)
    assert line is not None
    for index in range(3):
        # The betas round-trip through log(1 - beta) and a sqrt: float64 ulps, not more.
        assert _curve_at(line, index) == pytest.approx(index, abs=1e-9)


def test_cells_lie_on_the_side_of_the_boundary_their_betas_say():
    beta_1s, beta_2s = (0.8, 0.9, 0.95, 0.99), (0.9, 0.99, 0.999)
    axes = _heatmap(beta_1s, beta_2s)
    line = _boundary(axes)
    for column, b2 in enumerate(beta_2s):
        boundary_row = _curve_at(line, column)
        for row, b1 in enumerate(beta_1s):
            # Rows count down the image with beta_1 rising, so the convergent side has smaller rows.
            assert (row < boundary_row) == (b1 < math.sqrt(b2)), (b1, b2)


def test_boundary_is_labelled_in_the_legend_and_keeps_the_image_extent():
    axes = _heatmap((0.8, 0.9, 0.95, 0.99), (0.9, 0.99, 0.999))
    assert "sqrt" in BOUNDARY_LABEL and "Zhang et al. 2022" in BOUNDARY_LABEL
    legend = axes.get_legend()
    assert legend is not None and [t.get_text() for t in legend.get_texts()] == [BOUNDARY_LABEL]
    assert axes.get_xlim() == pytest.approx((-0.5, 2.5))
    assert sorted(axes.get_ylim()) == pytest.approx([-0.5, 3.5])


def test_one_beta_2_level_gives_a_level_segment_across_its_column():
    line = _boundary(_heatmap((0.9, 0.99), (0.9801,)))
    assert list(line.get_xdata()) == [-0.5, 0.5]
    assert list(line.get_ydata()) == pytest.approx([1.0, 1.0])


def test_no_boundary_when_the_keys_are_not_both_betas():
    axes = _heatmap((0.8, 0.9), (0.9, 0.99), keys=("optimizer.epsilon", B2))
    assert _boundary(axes) is None and axes.get_legend() is None
