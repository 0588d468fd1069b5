"""``--grid KEY=VALUES``: an override of ``sweep.grid.KEY``, checked with the file's grid."""

from __future__ import annotations

import pytest

from adamctl.config import load_config
from adamctl.config.overrides import Override, parse_grid_override
from adamctl.errors import ConfigError

from .helpers import exactly, write


@pytest.mark.parametrize("text, spec", [
    pytest.param("optimizer.beta_1=0.8,0.9,0.95", [0.8, 0.9, 0.95], id="comma-list"),
    pytest.param("optimizer.amsgrad=true,false", [True, False], id="bools"),
    pytest.param("optimizer.beta_1=0.9", [0.9], id="one-value"),
    pytest.param("optimizer.epsilon=[1e-8,1e-4]", [1e-8, 1e-4], id="yaml-list"),
    pytest.param("model.hidden=[[8], [16, 16]]", [[8], [16, 16]], id="list-values"),
    pytest.param("optimizer.epsilon=log:1e-8:1e-2:7", {"log": [1e-8, 1e-2], "num": 7},
                 id="log-range"),
    pytest.param("optimizer.learning_rate=linear:0.001:0.003:3",
                 {"linear": [0.001, 0.003], "num": 3}, id="linear-range"),
    pytest.param("data.noise={linear: [0, 1], num: 3}", {"linear": [0, 1], "num": 3},
                 id="yaml-range"),
    pytest.param("data.source=log", ["log"], id="a-value-named-like-a-scale"),
])
def test_grid_option_is_the_override_of_sweep_grid_key(text, spec):
    key = text.partition("=")[0]
    assert parse_grid_override(text) == Override(text, ("sweep", "grid", key), spec, "--grid")


@pytest.mark.parametrize("text, message", [
    pytest.param("optimizer.beta_1", "--grid optimizer.beta_1: must be KEY.PATH=VALUES, for "
                 "example optimizer.beta_1=0.8,0.9 or optimizer.epsilon=log:1e-8:1e-2:7",
                 id="no-equals"),
    pytest.param("optimizer.beta_1=", "--grid optimizer.beta_1=: must be KEY.PATH=VALUES, for "
                 "example optimizer.beta_1=0.8,0.9 or optimizer.epsilon=log:1e-8:1e-2:7",
                 id="no-values"),
    pytest.param("optimizer.epsilon=log:1e-8", "--grid optimizer.epsilon=log:1e-8: "
                 "sweep.grid.optimizer.epsilon = 'log:1e-8': a range is log:LO:HI:N, for "
                 "example log:1e-8:1e-2:7 (or log:LO:HI for a search)", id="range-missing-high"),
    pytest.param("data.batch_size=int:1:8:3", "--grid data.batch_size=int:1:8:3: "
                 "sweep.grid.data.batch_size = 'int:1:8:3': a range is int:LO:HI, for "
                 "example int:1:8", id="int-range-with-count"),
    pytest.param("model.hidden=[8", "--grid model.hidden=[8: sweep.grid.model.hidden: not valid "
                 "YAML: while parsing a flow sequence, expected ',' or ']', but got '<stream "
                 "end>' (column 3)", id="bad-yaml"),
])
def test_malformed_grid_option_names_the_option(text, message):
    with pytest.raises(ConfigError, match=exactly(message)):
        parse_grid_override(text)


# (--grid text, the same entry in the file's sweep.grid, what both must say after the place)
SAME_MISTAKES = [
    pytest.param("optimizer.epsilon=log:0:1:3", "optimizer.epsilon: {log: [0, 1], num: 3}",
                 "sweep.grid.optimizer.epsilon.log = [0, 1]: must be [lo, hi]: two finite "
                 "numbers > 0", id="log-from-zero"),
    pytest.param("optimizer.epsilon=log:1e-8:.inf:3", "optimizer.epsilon: {log: [1e-8, .inf], "
                 "num: 3}", "sweep.grid.optimizer.epsilon.log = [1e-08, inf]: must be [lo, hi]: "
                 "two finite numbers > 0", id="log-to-inf"),
    pytest.param("data.noise=linear:.nan:1:3", "data.noise: {linear: [.nan, 1], num: 3}",
                 "sweep.grid.data.noise.linear = [nan, 1]: must be [lo, hi]: two finite numbers",
                 id="linear-from-nan"),
    pytest.param("data.noise=linear:0:1:1", "data.noise: {linear: [0, 1], num: 1}",
                 "sweep.grid.data.noise.num = 1: must be an integer in [2, 10000]",
                 id="one-point"),
    pytest.param("optimizer.epsilon=log:1e-8:1:100000000", "optimizer.epsilon: {log: [1e-8, 1], "
                 "num: 100000000}", "sweep.grid.optimizer.epsilon.num = 100000000: must be an "
                 "integer in [2, 10000]", id="unbounded-count"),
    pytest.param("optimizer.beta_1=0.9,1.5", "optimizer.beta_1: [0.9, 1.5]",
                 "sweep.grid.optimizer.beta_1[1] = 1.5: must be a float in [0, 1)",
                 id="optimizer-value"),
    pytest.param("trainng.epochs=1,2", "trainng.epochs: [1, 2]", "sweep.grid.trainng.epochs: "
                 'names no config key (did you mean "training.epochs"?)', id="unknown-key"),
    pytest.param("optimizer.epsilon=[]", "optimizer.epsilon: []", "sweep.grid.optimizer.epsilon "
                 "= []: must be a non-empty list of values, {log: [lo, hi], num: N} or "
                 "{linear: [lo, hi], num: N}", id="empty-list"),
    pytest.param("optimizer.learning_rate.decay_steps=5,6",
                 "optimizer.learning_rate.decay_steps: [5, 6]",
                 "sweep.grid.optimizer.learning_rate.decay_steps[0] = 5: cannot be set: "
                 "optimizer.learning_rate is not a mapping", id="through-a-plain-value"),
]


@pytest.mark.parametrize("option, entry, message", SAME_MISTAKES)
def test_grid_option_and_file_grid_give_the_same_message(tmp_path, option, entry, message):
    base = "optimizer:\n  learning_rate: 0.001\n"
    bare = write(tmp_path, base, "bare.yaml")
    with pytest.raises(ConfigError, match=exactly(f"--grid {option}: {message}")):
        load_config(bare, grid=[option])
    in_file = write(tmp_path, f"{base}sweep:\n  grid:\n    {entry}\n", "grid.yaml")
    with pytest.raises(ConfigError, match=exactly(f"{in_file}:5: {message}")):
        load_config(in_file)


def test_grid_option_adds_to_the_file_grid_and_replaces_the_same_key(tmp_path):
    path = write(tmp_path, "sweep:\n  grid:\n    optimizer.beta_1: [0.8]\n    data.noise: [0.1]\n")
    config = load_config(path, grid=["optimizer.beta_1=0.9,0.95", "optimizer.amsgrad=true,false"])
    assert config.sweep.grid == {"optimizer.beta_1": [0.9, 0.95], "data.noise": [0.1],
                                 "optimizer.amsgrad": [True, False]}


def test_an_error_in_the_file_grid_still_names_the_file_beside_a_grid_option(tmp_path):
    path = write(tmp_path, "sweep:\n  grid:\n    data.noise: [-1]\n")
    with pytest.raises(ConfigError, match=exactly(
            f"{path}:3: sweep.grid.data.noise[0] = -1.0: must be a number >= 0")):
        load_config(path, grid=["optimizer.beta_1=0.9"])


def test_the_product_of_the_axes_is_capped_before_expanding(tmp_path):
    path = write(tmp_path, "sweep:\n  seeds: [0, 1]\n")
    with pytest.raises(ConfigError, match=exactly(
            "--grid data.noise=linear:0:1:10000: sweep.grid.data.noise: makes more than 10000 "
            "trials (10000 grid points so far, times 2 seeds): sweep fewer values")):
        load_config(path, grid=["data.noise=linear:0:1:10000"])
    with pytest.raises(ConfigError, match=r"^--grid optimizer.beta_1=linear:0:0.9:200: "
                                          r"sweep.grid.optimizer.beta_1: makes more than 10000"):
        load_config(path, grid=["data.noise=linear:0:1:100", "optimizer.beta_1=linear:0:0.9:200"])
