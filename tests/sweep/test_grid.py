"""Grid expansion and sweep planning: pure functions, every trial validated up front."""

from __future__ import annotations

import pytest

from adamctl.config import config_from_dict
from adamctl.errors import ConfigError
from adamctl.sweep.grid import expand, grid_values, parse_grid_option
from adamctl.sweep.plan import plan_sweep


@pytest.mark.parametrize("text, expected", [
    pytest.param("optimizer.beta_1=0.8,0.9,0.95", ("optimizer.beta_1", [0.8, 0.9, 0.95]), id="list"),
    pytest.param("optimizer.amsgrad=true,false", ("optimizer.amsgrad", [True, False]), id="bools"),
    pytest.param("optimizer.epsilon=log:1e-8:1e-2:7",
                 ("optimizer.epsilon", {"log": [1e-8, 1e-2], "num": 7}), id="log-range"),
    pytest.param("optimizer.learning_rate=linear:0.001:0.003:3",
                 ("optimizer.learning_rate", {"linear": [0.001, 0.003], "num": 3}), id="linear"),
])
def test_parse_grid_option(text, expected):
    assert parse_grid_option(text) == expected


def test_ranges_include_both_ends():
    assert grid_values("k", {"log": [1e-8, 1e-2], "num": 7}) == [
        1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2]
    assert grid_values("k", {"linear": [0.0, 1.0], "num": 5}) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_expansion_is_the_product_with_seeds_innermost():
    trials = expand({"a": [1, 2], "b": ["x", "y", "z"]}, seeds=[0, 5])
    assert len(trials) == 12
    assert [t.id for t in trials[:3]] == ["p000-s0", "p000-s5", "p001-s0"]
    assert trials[2].point.as_dict() == {"a": 1, "b": "y"}
    assert trials[-1].point.as_dict() == {"a": 2, "b": "z"} and trials[-1].seed == 5


def test_plan_builds_every_trial_config():
    base = config_from_dict({"name": "g", "seed": 10})
    plan = plan_sweep(base, grid_options=["optimizer.beta_1=0.8,0.9"], seeds=3)
    assert plan.seeds == (10, 11, 12) and len(plan.trials) == 6
    config = plan.configs["p001-s12"]
    assert config["optimizer"]["beta_1"] == 0.9 and config["seed"] == 12
    assert config["name"] == "g-p001-s12"


def test_a_bad_value_in_the_grid_fails_before_anything_runs():
    base = config_from_dict({})
    with pytest.raises(ConfigError, match=r"trial p001-s0 \(optimizer.beta_1=1.5\): "
                                          r"optimizer.beta_1 = 1.5: must be a float in \[0, 1\)"):
        plan_sweep(base, grid_options=["optimizer.beta_1=0.9,1.5"])


def test_an_empty_sweep_is_refused():
    with pytest.raises(ConfigError, match="nothing to sweep"):
        plan_sweep(config_from_dict({}))


def test_a_grid_key_through_a_plain_value_names_it():
    with pytest.raises(ConfigError, match=r"trial p000-s0 \(optimizer.learning_rate.decay_steps=5\): "
                                          r"cannot set optimizer.learning_rate.decay_steps: "
                                          r"optimizer.learning_rate is 0.001, not a mapping"):
        plan_sweep(config_from_dict({}), grid_options=["optimizer.learning_rate.decay_steps=5,6"])
