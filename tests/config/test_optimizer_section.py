"""The optimizer section through the real ``adamctl.core.spec.normalize_spec``.

These rely on the core's checks (``beta_1`` in [0, 1), unknown Adam
arguments refused with a suggestion) and assert where the error points
(file, line or override, key path, value), not the core's wording.
"""

from __future__ import annotations

import re

import pytest

from adamctl.config import load_config, resolve
from adamctl.errors import ConfigError

from .helpers import write


def _starts(prefix: str) -> str:
    return "^" + re.escape(prefix) + "must be .+"


@pytest.mark.parametrize("text, overrides, prefix, line", [
    pytest.param("optimizer:\n  learning_rate: 0.01\n  beta_1: 1.5\n", [],
                 "{f}:3: optimizer.beta_1 = 1.5: ", 3, id="in-the-file"),
    pytest.param("optimizer:\n  beta_1: 0.9\n", ["optimizer.beta_1=1.5"],
                 "--set optimizer.beta_1=1.5: optimizer.beta_1 = 1.5: ", None, id="override"),
])
def test_beta_1_out_of_range_names_key_and_value(tmp_path, text, overrides, prefix, line):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=_starts(prefix.format(f=path))) as caught:
        load_config(path, overrides)
    assert (caught.value.key_path, caught.value.value, caught.value.line) == (
        "optimizer.beta_1", 1.5, line)
    assert "[0, 1)" in str(caught.value)


def test_unknown_optimizer_argument_suggests_the_closest():
    with pytest.raises(ConfigError, match=_starts("optimizer.bta_1 = 0.8: ")) as caught:
        resolve({"optimizer": {"bta_1": 0.8}})
    assert caught.value.suggestion == "beta_1"


def test_optimizer_section_comes_back_complete_and_is_a_fixed_point():
    config = resolve({"optimizer": {"beta_1": 0.8}})
    assert config.optimizer["beta_1"] == 0.8
    assert "beta_2" in config.optimizer and "epsilon" in config.optimizer
    assert resolve({"optimizer": config.optimizer}).optimizer == config.optimizer


def test_grid_value_out_of_range_names_the_grid_entry(tmp_path):
    path = write(tmp_path, "sweep:\n  grid:\n    optimizer.beta_1: [0.9, 1.5]\n")
    with pytest.raises(ConfigError, match=_starts(
            f"{path}:3: sweep.grid.optimizer.beta_1[1] = 1.5: ")):
        load_config(path)


def test_grid_key_naming_no_adam_argument_is_refused(tmp_path):
    path = write(tmp_path, "sweep:\n  grid:\n    optimizer.bta_1: [0.9]\n")
    prefix = f"{path}:3: sweep.grid.optimizer.bta_1[0] = 0.9: "
    with pytest.raises(ConfigError, match=_starts(prefix)) as caught:
        load_config(path)
    assert caught.value.suggestion == "beta_1"


COSINE = {"schedule": "CosineDecay", "initial_learning_rate": 0.01, "decay_steps": 10}


@pytest.mark.parametrize("schedule, key, value, allowed", [
    pytest.param({**COSINE, "initial_learning_rate": -1.0}, "initial_learning_rate", -1.0,
                 "a float > 0", id="negative-rate-like-learning_rate"),
    pytest.param({**COSINE, "initial_learning_rate": "abc"}, "initial_learning_rate", "abc",
                 "a float > 0", id="rate-string"),
    pytest.param({**COSINE, "decay_steps": 1e23}, "decay_steps", 1e23, "an integer >= 1",
                 id="steps-float"),
    pytest.param({**COSINE, "decay_steps": 0}, "decay_steps", 0, "an integer >= 1",
                 id="steps-zero"),
    pytest.param({**COSINE, "alpha": 1.5}, "alpha", 1.5, "a float in [0, 1]", id="alpha"),
    pytest.param({**COSINE, "warmup_steps": -1}, "warmup_steps", -1, "an integer >= 0",
                 id="warmup-steps"),
    pytest.param({"schedule": "ExponentialDecay", "initial_learning_rate": 0.1,
                  "decay_steps": 10, "decay_rate": 0.5, "staircase": "yes"}, "staircase", "yes",
                 "true or false", id="staircase-string"),
    pytest.param({"schedule": "PiecewiseConstantDecay", "boundaries": [10, 20],
                  "values": [0.1, 0.01]}, "values", [0.1, 0.01],
                 "a list of 3 numbers: one more than the 2 boundaries", id="piecewise-count"),
    pytest.param({"schedule": "PiecewiseConstantDecay", "boundaries": [20, 10],
                  "values": [0.1, 0.01, 0.001]}, "boundaries", [20, 10],
                 "increasing step numbers", id="piecewise-order"),
    pytest.param({"schedule": "PiecewiseConstantDecay", "boundaries": [10],
                  "values": [0.1, -0.01]}, "values[1]", -0.01, "a float > 0",
                 id="piecewise-negative-rate"),
])
def test_schedule_arguments_are_checked_like_plain_values(schedule, key, value, allowed):
    with pytest.raises(ConfigError) as caught:
        resolve({"optimizer": {"learning_rate": schedule}})
    assert (caught.value.key_path, caught.value.value, caught.value.problem) == (
        f"optimizer.learning_rate.{key}", value, f"must be {allowed}")


def test_integers_in_the_optimizer_section_must_fit_int32(tmp_path):
    path = write(tmp_path, "optimizer:\n  learning_rate:\n    schedule: CosineDecay\n"
                 "    initial_learning_rate: 0.01\n    decay_steps: 4294967296\n")
    with pytest.raises(ConfigError, match=re.escape(
            f"{path}:5: optimizer.learning_rate.decay_steps = 4294967296: must be at most "
            "2147483647: TensorFlow keeps it in an int32")):
        load_config(path)


def test_every_keras_schedule_with_its_defaults_resolves():
    minimal = {"initial_learning_rate": 0.01, "decay_steps": 10, "decay_rate": 0.5,
               "first_decay_steps": 10, "boundaries": [5], "values": [0.01, 0.001]}
    from adamctl.core.spec import LR_SCHEDULES

    for name, signature in LR_SCHEDULES.items():
        spec = {"schedule": name, **{k: v for k, v in minimal.items() if k in signature}}
        assert resolve({"optimizer": {"learning_rate": spec}}).optimizer["learning_rate"][
            "schedule"] == name
