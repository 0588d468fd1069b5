"""The search's samplers and space, without training: seeded, distinct, inside the ranges."""

from __future__ import annotations

import math

import pytest

from adamctl.sweep.space import describe, distributions
from adamctl.sweep.study import make_sampler, open_study

SPACE = {"optimizer.learning_rate": {"log": [1e-4, 1e-1]}, "data.batch_size": {"int": [8, 64]},
         "model.activation": ["relu", "tanh"], "optimizer.beta_1": {"linear": [0.8, 0.99]}}


def _ask(search: str, seed: int, count: int, tmp_path, name: str) -> list[dict]:
    study = open_study(None, name, mode="min",  # in memory: the sampler is what is tested
                       sampler=make_sampler(search, seed, trials=count))
    asked = []
    for _ in range(count):
        trial = study.ask(distributions(SPACE))
        asked.append(trial.params)
        study.tell(trial, float(len(asked)))  # any result; random and qmc ignore it
    return asked


@pytest.mark.parametrize("search", ["random", "qmc", "tpe"])
def test_a_seeded_sampler_asks_the_same_points_again(search, tmp_path):
    first = _ask(search, 7, 8, tmp_path, "a")
    assert first == _ask(search, 7, 8, tmp_path, "b")
    assert first != _ask(search, 8, 8, tmp_path, "c")


@pytest.mark.parametrize("search", ["random", "qmc"])
def test_sampled_points_lie_in_their_ranges(search, tmp_path):
    for point in _ask(search, 1, 16, tmp_path, "a"):
        assert 1e-4 <= point["optimizer.learning_rate"] <= 1e-1
        assert isinstance(point["data.batch_size"], int) and 8 <= point["data.batch_size"] <= 64
        assert point["model.activation"] in ("relu", "tanh")
        assert 0.8 <= point["optimizer.beta_1"] <= 0.99


def test_qmc_covers_the_log_range_evenly(tmp_path):
    # A scrambled Sobol sequence puts exactly one of 8 points in each eighth
    # of the (log-scaled) unit interval: that is what qmc is for.
    points = _ask("qmc", 3, 8, tmp_path, "a")[1:]  # the first is Optuna's random start
    cells = sorted(int(8 * (math.log(p["optimizer.learning_rate"]) - math.log(1e-4))
                       / (math.log(1e-1) - math.log(1e-4))) for p in points)
    assert len(set(cells)) == len(cells)


def test_describe_names_each_shape():
    assert [describe(spec) for spec in SPACE.values()] == [
        "log-uniform in [0.0001, 0.1]", "integer in [8, 64]", "one of 'relu', 'tanh'",
        "uniform in [0.8, 0.99]"]
