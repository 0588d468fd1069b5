"""Grid expansion and sweep planning: pure functions, every trial validated up front."""

from __future__ import annotations

import pytest

from adamctl.config import config_from_dict, load_config
from adamctl.errors import ConfigError
from adamctl.sweep.grid import expand, grid_values
from adamctl.sweep.plan import plan_sweep


def _config(tmp_path, grid=(), text="name: g\nseed: 10\n"):
    path = tmp_path / "g.yaml"
    path.write_text(text)
    return load_config(path, grid=grid)


def test_ranges_include_both_ends():
    assert grid_values({"log": [1e-8, 1e-2], "num": 7}) == [
        1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]
    assert grid_values({"linear": [0.0, 1.0], "num": 5}) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_expansion_is_the_product_with_seeds_innermost():
    trials = expand({"a": [1, 2], "b": ["x", "y", "z"]}, seeds=[0, 5])
    assert len(trials) == 12
    assert [t.id for t in trials[:3]] == ["p000-s0", "p000-s5", "p001-s0"]
    assert trials[2].point.as_dict() == {"a": 1, "b": "y"}
    assert trials[-1].point.as_dict() == {"a": 2, "b": "z"} and trials[-1].seed == 5


def test_plan_builds_every_trial_config(tmp_path):
    plan = plan_sweep(_config(tmp_path, ["optimizer.beta_1=0.8,0.9"]), seeds=3)
    assert plan.seeds == (10, 11, 12) and len(plan.trials) == 6
    config = plan.configs["p001-s12"]
    assert config["optimizer"]["beta_1"] == 0.9 and config["seed"] == 12
    assert config["name"] == "g-p001-s12"


def test_list_values_sweep_through_grid(tmp_path):
    plan = plan_sweep(_config(tmp_path, ["model.hidden=[[8], [4, 4]]"]))
    assert [c["model"]["hidden"] for c in plan.configs.values()] == [[8], [4, 4]]


def test_a_combination_that_breaks_a_trial_names_the_trial():
    # Each value is fine alone (the grid check passes); one combination clips twice.
    base = config_from_dict({"sweep": {"grid": {"optimizer.clipnorm": [None, 1.0],
                                                "optimizer.clipvalue": [None, 0.5]}}})
    with pytest.raises(ConfigError, match=r"trial p003-s0 \(optimizer.clipnorm=1.0, "
                                          r"optimizer.clipvalue=0.5\): optimizer.clipvalue = 0.5: "
                                          r"must be null when clipnorm is set"):
        plan_sweep(base)


def test_an_empty_sweep_is_refused():
    with pytest.raises(ConfigError, match="nothing to sweep"):
        plan_sweep(config_from_dict({}))


@pytest.mark.parametrize("seeds, message", [
    pytest.param(5001, r"--seeds = 5001: must be in \[1, 5000\]: 2 grid points times N seeds "
                       r"must make at most 10000 trials", id="too-many-trials"),
])
def test_seed_count_is_bounded_before_expanding(tmp_path, seeds, message):
    with pytest.raises(ConfigError, match=message):
        plan_sweep(_config(tmp_path, ["optimizer.beta_1=0.8,0.9"]), seeds=seeds)


def test_seeds_past_the_largest_seed_are_refused(tmp_path):
    config = _config(tmp_path, text="seed: 4294967294\n")
    with pytest.raises(ConfigError, match=r"--seeds = 3: must be at most 2: the seeds run from "
                                          r"seed \(4294967294\) up, to at most 4294967295"):
        plan_sweep(config, seeds=3)
