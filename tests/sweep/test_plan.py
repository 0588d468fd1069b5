"""What a sweep plan takes from the config: seeds, the metric's direction, how trials run."""

from __future__ import annotations

import re

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


def test_the_configs_executor_is_kept_beside_the_plan_not_in_it(tmp_path):
    from adamctl.store import SweepDir
    from adamctl.sweep.lifecycle import check_same_plan
    from adamctl.sweep.plan import plan_from_dict

    section = {"grid": {"optimizer.epsilon": [1e-8, 1e-4]}, "executor": "population",
               "population_size": 2}
    plan, _ = adamctl.sweep.prepare(_config(tmp_path, {"sweep": section}))
    assert plan.execution == {"executor": "population", "population_size": 2}
    assert plan_from_dict(yaml.safe_load(yaml.safe_dump(plan.to_dict()))).execution == \
        plan.execution
    assert all(config.get("sweep") is None for config in plan.configs.values())
    local, _ = adamctl.sweep.prepare(_config(tmp_path, {"sweep": {"grid": section["grid"]}}))
    assert local.execution == {}
    check_same_plan(plan.to_dict(), local.to_dict(), SweepDir(tmp_path / "sw"))  # no error


@pytest.mark.parametrize("executor, size, message", [
    pytest.param("local", 4, "--population-size needs --executor population (or "
                 "sweep.executor: population); the executor is local", id="size-beside-local"),
    pytest.param(None, 4, "the executor is local", id="size-alone"),
])
def test_a_population_size_needs_the_population_executor(tmp_path, executor, size, message):
    from adamctl.errors import UsageError
    from adamctl.store import SweepDir

    plan, _ = adamctl.sweep.prepare(_config(tmp_path, {}), grid_options=["optimizer.epsilon=1e-8"],
                                    seeds=2)
    with pytest.raises(UsageError, match=re.escape(message)):
        adamctl.sweep.start(plan, SweepDir(tmp_path / "sw"), executor=executor,
                            population_size=size)
    assert not (tmp_path / "sw").exists()
