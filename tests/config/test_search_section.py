"""``sweep.search``/``trials``/``prune``: a grid read as a search space, checked before anything runs."""

from __future__ import annotations

import pytest

from adamctl.config import load_config
from adamctl.config.overrides import Override, parse_grid_override
from adamctl.errors import ConfigError

from .helpers import exactly, write

SEARCH = ["sweep.search=qmc", "sweep.trials=4"]


@pytest.mark.parametrize("text, spec", [
    pytest.param("optimizer.learning_rate=log:1e-4:1e-1", {"log": [1e-4, 1e-1]}, id="log"),
    pytest.param("data.noise=linear:0:0.5", {"linear": [0, 0.5]}, id="linear"),
    pytest.param("data.batch_size=int:8:64", {"int": [8, 64]}, id="int"),
])
def test_a_range_without_a_count_is_a_range_to_sample(text, spec):
    key = text.partition("=")[0]
    assert parse_grid_override(text) == Override(text, ("sweep", "grid", key), spec, "--grid")


def test_a_search_keeps_its_space_trials_and_pruner(tmp_path):
    path = write(tmp_path, "name: x\n")
    config = load_config(path, [*SEARCH, "sweep.prune=asha"],
                         grid=["optimizer.learning_rate=log:1e-4:1e-1", "data.batch_size=int:8:64",
                               "optimizer.beta_1=0.8,0.9"])
    assert (config.sweep.search, config.sweep.trials, config.sweep.prune) == ("qmc", 4, "asha")
    assert config.sweep.grid["optimizer.learning_rate"] == {"log": [1e-4, 1e-1]}


@pytest.mark.parametrize("overrides, grid, message", [
    pytest.param([], ["optimizer.learning_rate=log:1e-4:1e-1"],
                 "--grid optimizer.learning_rate=log:1e-4:1e-1: sweep.grid.optimizer.learning_rate"
                 " = {'log': [0.0001, 0.1]}: is a range without num, which only a search samples "
                 "from: give num (log:LO:HI:N) or --search random|qmc|tpe", id="range-in-a-grid"),
    pytest.param(["sweep.search=tpe"], ["optimizer.beta_1=0.8,0.9"],
                 "{file}: sweep.trials = null: must be given with search: tpe (--trials N)",
                 id="no-trials"),
    pytest.param(["sweep.trials=3"], ["optimizer.beta_1=0.8,0.9"],
                 "--set sweep.trials=3: sweep.trials = 3: is used by a search only: set "
                 "sweep.search (--search random|qmc|tpe)", id="trials-in-a-grid"),
    pytest.param(["sweep.prune=median"], ["optimizer.beta_1=0.8,0.9"],
                 "--set sweep.prune=median: sweep.prune = 'median': is used by a search only: set "
                 "sweep.search (--search random|qmc|tpe)", id="prune-in-a-grid"),
    pytest.param(SEARCH, ["data.batch_size=int:64:8"],
                 "--grid data.batch_size=int:64:8: sweep.grid.data.batch_size.int = [64, 8]: must "
                 "be [lo, hi] with lo <= hi", id="reversed-bounds"),
    pytest.param(SEARCH, ["data.batch_size=int:1.5:8"],
                 "--grid data.batch_size=int:1.5:8: sweep.grid.data.batch_size.int = [1.5, 8]: "
                 "must be [lo, hi]: two integers", id="int-bounds-not-integers"),
    pytest.param(SEARCH, ["optimizer.learning_rate=log:0:1"],
                 "--grid optimizer.learning_rate=log:0:1: sweep.grid.optimizer.learning_rate.log ="
                 " [0, 1]: must be [lo, hi]: two finite numbers > 0", id="log-from-zero"),
    pytest.param(SEARCH, ["optimizer.beta_1=linear:0.5:1.5"],
                 "--grid optimizer.beta_1=linear:0.5:1.5: sweep.grid.optimizer.beta_1.linear[1] = "
                 "1.5: must be a float in [0, 1)", id="end-out-of-range"),
])
def test_a_bad_search_is_refused_naming_where(tmp_path, overrides, grid, message):
    path = write(tmp_path, "name: x\n")
    with pytest.raises(ConfigError, match=exactly(message.replace("{file}", str(path)))):
        load_config(path, overrides, grid=grid)


def test_a_search_without_a_space_is_refused(tmp_path):
    path = write(tmp_path, "name: x\nsweep: {search: random, trials: 3}\n")
    with pytest.raises(ConfigError, match="a search needs a space"):
        load_config(path)
