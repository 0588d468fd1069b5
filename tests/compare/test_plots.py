"""Every figure is written, decodes as a PNG and shows something (pixel variance)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from adamctl.compare import compare, plots
from adamctl.compare.target import performance_profile

from tests.compare.helpers import curve, trial_rows


def _assert_real_png(path):
    import matplotlib.image

    assert path is not None and path.is_file() and path.stat().st_size > 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = matplotlib.image.imread(path)
    assert pixels.ndim == 3 and min(pixels.shape[:2]) > 100
    assert pixels[..., :3].std() > 0.05  # a blank or one-colour figure is ~0


def _two_key_results():
    rows = []
    for eps in (1e-8, 1e-6, 1e-4):
        for b1 in (0.8, 0.9):
            values = [0.5 + 100 * eps + (0.9 - b1) + s / 50 for s in range(3)]
            statuses = ["diverged", "completed", "completed"] if (eps, b1) == (1e-4, 0.8) else None
            rows += trial_rows(eps, values, statuses=statuses, extra=("optimizer.beta_1", b1))
    return pd.DataFrame(rows)


@pytest.fixture
def two_keys():
    results = _two_key_results()
    curves = {r.trial: curve([r.final_val_loss + 0.3, r.final_val_loss + 0.1, r.final_val_loss])
              for r in results.itertuples()}
    return compare(results, curves, metric="val_loss", target=0.7), curves


@pytest.mark.parametrize("draw", [
    pytest.param(plots.sensitivity_plot, id="sensitivity"),
    pytest.param(plots.heatmap_plot, id="heatmap"),
    pytest.param(plots.tuning_plot, id="tuning"),
])
def test_comparison_figures(tmp_path, two_keys, draw):
    _assert_real_png(draw(two_keys[0], tmp_path / "figure.png"))


def test_curves_figure(tmp_path, two_keys):
    result, curves = two_keys
    _assert_real_png(plots.curves_plot(result, curves, tmp_path / "curves.png"))


def test_one_key_with_lost_and_single_seeds(tmp_path, messy_results):
    result = compare(messy_results, metric="val_loss")
    _assert_real_png(plots.sensitivity_plot(result, tmp_path / "sensitivity.png"))
    _assert_real_png(plots.heatmap_plot(result, tmp_path / "heatmap.png"))


def test_profile_figure(tmp_path):
    times = pd.DataFrame({"w1": [100.0, 200.0, math.inf], "w2": [300.0, 150.0, 450.0]},
                         index=["eps=1e-8", "eps=1e-4", "eps=1e-1"])
    _assert_real_png(plots.profile_plot(performance_profile(times), tmp_path / "profile.png"))


def test_heatmap_of_three_keys_does_not_apply(tmp_path, paired_results):
    paired_results["a"], paired_results["b"] = 1, 2
    result = compare(paired_results, metric="val_loss")
    assert plots.heatmap_plot(result, tmp_path / "heatmap.png") is None
    assert not (tmp_path / "heatmap.png").exists()


def test_log_spacing_is_detected_from_the_values():
    assert plots.is_log_spaced([1e-8, 1e-4, 1e-1])
    assert not plots.is_log_spaced([0.8, 0.9, 0.95])
    assert not plots.is_log_spaced(["adam", "sgd"])
    assert not plots.is_log_spaced(np.array([0.0, 1.0, 100.0]))


def _luminance(color):
    """WCAG relative luminance of a matplotlib colour."""
    from matplotlib.colors import to_rgb

    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(color)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _behind(text, cell_rgb):
    """The colour a cell's text is read against: the cell, under the text's box if it has one."""
    box = text.get_bbox_patch()
    if box is None:
        return cell_rgb
    *face, alpha = box.get_facecolor()
    return tuple(alpha * f + (1 - alpha) * c for f, c in zip(face, cell_rgb[:3]))


@pytest.mark.parametrize("mode", ["min", "max"])
def test_heatmap_text_is_readable_on_bright_and_dark_cells(mode):
    result = compare(_two_key_results(), metric="val_loss", mode=mode)
    figure = plots.heatmap_figure(result)
    axes = figure.axes[0]
    image = axes.images[0]
    values = image.get_array()
    for text in axes.texts:
        column, row = (round(v) for v in text.get_position())
        cell = image.to_rgba(values[row, column])
        lighter, darker = sorted([_luminance(text.get_color()), _luminance(_behind(text, cell))],
                                 reverse=True)
        # WCAG AA contrast for normal text.
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5, text.get_text()
