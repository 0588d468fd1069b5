"""The sweep section: grid keys name real config keys, grid values have a valid shape."""

from __future__ import annotations

import pytest

from adamctl.config import load_config, resolve
from adamctl.config.schema import SweepConfig
from adamctl.errors import ConfigError

from .helpers import exactly, write


def _grid(entries: str) -> str:
    return "sweep:\n  grid:\n" + "".join(f"    {line}\n" for line in entries.splitlines())


def test_valid_grid_is_kept_as_written_not_expanded():
    grid = {"optimizer.beta_1": [0.8, 0.9], "optimizer.epsilon": {"log": [1e-8, 1e-2], "num": 7},
            "data.batch_size": {"linear": [16, 64], "num": 4}, "model.hidden": [[8], [16, 16]],
            "data.source": ["synthetic", "digits"]}
    config = resolve({"sweep": {"grid": grid, "seeds": [0, 1, 2], "mode": "max"}})
    assert config.sweep == SweepConfig(grid=grid, seeds=(0, 1, 2), metric="val_loss",
                                       mode="max")


@pytest.mark.parametrize("entry, message", [
    pytest.param("trainng.epochs: [1, 2]", '{f}:3: sweep.grid.trainng.epochs: names no config '
                 'key (did you mean "training.epochs"?)', id="typo-in-section"),
    pytest.param("training.epoch: [1, 2]", '{f}:3: sweep.grid.training.epoch: names no config '
                 'key (did you mean "training.epochs"?)', id="typo-in-key"),
    pytest.param("model.hidden.units: [1]", "{f}:3: sweep.grid.model.hidden.units: names no "
                 "config key: model.hidden has no keys", id="below-a-leaf"),
    pytest.param("data: [{}]", "{f}:3: sweep.grid.data: names the whole data section: sweep one "
                 "of its keys", id="whole-section"),
    pytest.param("optimizer: [{}]", "{f}:3: sweep.grid.optimizer: names the whole optimizer "
                 "section: sweep one of its keys", id="whole-optimizer"),
    pytest.param("seed: [1, 2]", "{f}:3: sweep.grid.seed: is set per trial from sweep.seeds; "
                 "list the seeds there", id="seed"),
    pytest.param("sweep.mode: [min]", "{f}:3: sweep.grid.sweep.mode: cannot be swept",
                 id="sweep-itself"),
    pytest.param("training..epochs: [1]", "{f}:3: sweep.grid.training..epochs: must be the "
                 "dotted path of a config key, such as optimizer.beta_1", id="empty-part"),
])
def test_grid_key_must_name_a_config_key(tmp_path, entry, message):
    path = write(tmp_path, _grid(entry))
    with pytest.raises(ConfigError, match=exactly(message.format(f=path))):
        load_config(path)


@pytest.mark.parametrize("entry, message", [
    pytest.param("data.batch_size: []", "{f}:3: sweep.grid.data.batch_size = []: must be a "
                 "non-empty list of values, {{log: [lo, hi], num: N}} or {{linear: [lo, hi], "
                 "num: N}}", id="empty-list"),
    pytest.param("data.batch_size: 32", "{f}:3: sweep.grid.data.batch_size = 32: must be a "
                 "non-empty list of values, {{log: [lo, hi], num: N}} or {{linear: [lo, hi], "
                 "num: N}}", id="scalar"),
    pytest.param("data.noise: {range: [0, 1], num: 3}", "{f}:3: sweep.grid.data.noise = "
                 "{{'range': [0, 1], 'num': 3}}: must be a non-empty list of values, "
                 "{{log: [lo, hi], num: N}} or {{linear: [lo, hi], num: N}}", id="unknown-scale"),
    pytest.param("data.noise: {log: [0, 0.1], num: 3}", "{f}:3: sweep.grid.data.noise.log = "
                 "[0, 0.1]: must be [lo, hi]: two finite numbers > 0", id="log-from-zero"),
    pytest.param("data.noise: {log: [0.1], num: 3}", "{f}:3: sweep.grid.data.noise.log = [0.1]: "
                 "must be [lo, hi]: two finite numbers > 0", id="log-one-bound"),
    pytest.param("data.noise: {linear: [0, x], num: 3}", "{f}:3: sweep.grid.data.noise.linear = "
                 "[0, 'x']: must be [lo, hi]: two finite numbers", id="linear-not-numbers"),
    pytest.param("data.noise: {linear: [0, 1], num: 1}", "{f}:3: sweep.grid.data.noise.num = 1: "
                 "must be an integer in [2, 10000]", id="one-point"),
    pytest.param("data.noise: {linear: [0, 1], num: 2.5}", "{f}:3: sweep.grid.data.noise.num = "
                 "2.5: must be an integer in [2, 10000]", id="fractional-count"),
])
def test_grid_value_must_have_a_valid_shape(tmp_path, entry, message):
    path = write(tmp_path, _grid(entry))
    with pytest.raises(ConfigError, match=exactly(message.format(f=path))):
        load_config(path)


@pytest.mark.parametrize("entry, message", [
    pytest.param("training.epochs:\n  - 2\n  - -3", "{f}:5: sweep.grid.training.epochs[1] = -3: "
                 "must be an integer in [1, 2147483647]", id="listed-value-out-of-range"),
    pytest.param("data.batch_size: {log: [0.5, 64], num: 4}", "{f}:3: sweep.grid.data.batch_size"
                 ".log[0] = 0.5: must be an integer", id="range-end-wrong-type"),
    pytest.param("data.source: [synthetic, cvs]", "{f}:3: sweep.grid.data.source[1] = 'cvs': "
                 "must be one of synthetic, digits, csv, parquet, npz, mnist, fashion_mnist, "
                 'cifar10, cifar100 or boston_housing (did you mean "csv"?)', id="choice"),
    pytest.param("model.hidden: [32, 64]", "{f}:3: sweep.grid.model.hidden[0] = 32: must be a "
                 "list of integers", id="list-field-needs-list-values"),
])
def test_grid_values_get_the_same_checks_as_the_key(tmp_path, entry, message):
    path = write(tmp_path, _grid(entry))
    with pytest.raises(ConfigError, match=exactly(message.format(f=path))):
        load_config(path)


@pytest.mark.parametrize("seeds, message", [
    pytest.param([1, 2, 1], "sweep.seeds[2] = 1: lists this seed twice", id="repeated"),
    pytest.param([0, -1], "sweep.seeds[1] = -1: must be an integer in [0, 4294967295]",
                 id="negative"),
])
def test_seeds_are_checked(seeds, message):
    with pytest.raises(ConfigError, match=exactly(message)):
        resolve({"sweep": {"seeds": seeds}})


@pytest.mark.parametrize("section, message", [
    pytest.param({"executor": "local", "population_size": 8}, "sweep.population_size = 8: "
                 "needs executor population; sweep.executor is local", id="size-beside-local"),
    pytest.param({"executor": "population", "search": "random", "trials": 4,
                  "grid": {"optimizer.beta_2": {"linear": [0.9, 0.99]}}},
                 "sweep.executor = 'population': population runs grid sweeps; search: random "
                 "draws its points one by one: use executor local", id="population-search"),
    pytest.param({"executor": "threads"}, "sweep.executor = 'threads': must be one of "
                 "local, ray, population or null", id="unknown"),
])
def test_the_executor_keys_are_checked(section, message):
    with pytest.raises(ConfigError, match=exactly(message)):
        resolve({"sweep": section})


def test_the_executor_keys_are_kept_and_a_size_may_wait_for_the_command_line():
    config = resolve({"sweep": {"population_size": 4, "seeds": [0, 1]}})
    assert (config.sweep.executor, config.sweep.population_size) == (None, 4)
