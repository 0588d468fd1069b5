"""A single run's curves.png, checked on the figure itself."""

from __future__ import annotations

import pytest

from adamctl.report.run_plots import run_curves_figure
from adamctl.store import RunDir
from tests.report.sweeps import write_run


def test_a_runs_curves_pair_every_metric_with_its_val_twin_and_show_the_learning_rate(tmp_path):
    logs = [{"loss": 1.0 / e, "val_loss": 1.2 / e, "accuracy": 0.5 + e / 10,
             "val_accuracy": 0.4 + e / 10, "learning_rate": 0.01 / e} for e in range(1, 4)]
    figure = run_curves_figure(write_run(RunDir(tmp_path / "r"), logs))
    metrics, rates = figure.axes[0], figure.axes[1]
    drawn = {line.get_label(): line for ax in figure.axes for line in ax.lines}
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(drawn)
    assert drawn["val_accuracy"].get_color() == drawn["accuracy"].get_color()
    assert drawn["val_accuracy"].get_linestyle() == "--"
    assert [line.get_label() for line in metrics.lines] == ["loss", "val_loss"]
    assert list(rates.lines[0].get_ydata()) == pytest.approx([0.01, 0.005, 0.01 / 3])
    assert rates.get_ylabel() == "learning rate"
