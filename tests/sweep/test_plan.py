"""What a sweep plan takes from the config: seeds and the metric's direction."""

from __future__ import annotations

import pytest
import yaml

import adamctl.sweep
from tests.helpers import TINY, merge


def _config(tmp_path, extra):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(merge(merge(TINY, {"seed": 7}), extra)))
    return path


@pytest.mark.parametrize("extra, grid", [
    pytest.param({}, ["optimizer.epsilon=1e-8,1e-4"], id="--grid"),
    pytest.param({"sweep": {"grid": {"optimizer.epsilon": [1e-8, 1e-4]}}}, [], id="sweep.grid"),
])
def test_a_grid_without_seeds_runs_at_the_configs_seed(tmp_path, extra, grid):
    plan, _ = adamctl.sweep.prepare(_config(tmp_path, extra), grid_options=grid)
    assert plan.seeds == (7,)
    assert {trial.seed for trial in plan.trials} == {7}


def test_listed_seeds_win_over_the_configs_seed(tmp_path):
    path = _config(tmp_path, {"sweep": {"grid": {"optimizer.epsilon": [1e-8]}, "seeds": [1, 2]}})
    plan, _ = adamctl.sweep.prepare(path)
    assert plan.seeds == (1, 2)


@pytest.mark.parametrize("metric, mode, expected", [
    pytest.param("val_accuracy", None, "max", id="accuracy-auto"),
    pytest.param("val_loss", None, "min", id="loss-auto"),
    pytest.param("val_accuracy", "min", "min", id="explicit-wins"),
])
def test_the_direction_follows_the_metric_unless_given(tmp_path, metric, mode, expected):
    section = {"grid": {"optimizer.epsilon": [1e-8, 1e-4]}, "metric": metric}
    if mode:
        section["mode"] = mode
    plan, _ = adamctl.sweep.prepare(_config(tmp_path, {"sweep": section}))
    assert plan.mode == expected
