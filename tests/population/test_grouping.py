"""Which trials may share a population: a pure function of their configs."""

from __future__ import annotations

from adamctl.population import group_trials
from tests.helpers import TINY, merge


def _configs(*extras: dict) -> dict[str, dict]:
    return {f"t{index}": merge(TINY, extra) for index, extra in enumerate(extras)}


def test_optimizer_settings_and_seed_share_a_population():
    grouping = group_trials(_configs({"optimizer": {"beta_2": 0.99}}, {"seed": 9},
                                     {"optimizer": {"amsgrad": True, "epsilon": 1e-3}}), size=16)
    assert grouping.populations == [["t0", "t1", "t2"]] and grouping.alone == []


def test_a_batch_size_difference_splits_and_says_which_key():
    grouping = group_trials(_configs({"data": {"batch_size": 16}}, {"data": {"batch_size": 64}}),
                            size=16)
    assert grouping.populations == [] and grouping.alone == ["t0", "t1"]
    assert "data.batch_size" in grouping.why_alone


def test_groups_are_cut_to_the_population_size():
    grouping = group_trials(_configs(*({"seed": s} for s in range(5))), size=2)
    assert grouping.populations == [["t0", "t1"], ["t2", "t3"]] and grouping.alone == ["t4"]
