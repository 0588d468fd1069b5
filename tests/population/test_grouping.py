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


def test_without_a_size_groups_are_split_evenly_over_the_workers():
    grouping = group_trials(_configs(*({"seed": s} for s in range(7))), size=None, workers=2)
    assert [len(p) for p in grouping.populations] == [4, 3] and grouping.alone == []


def test_without_a_size_no_population_exceeds_the_automatic_maximum():
    from adamctl.population import AUTO_MAX_SIZE

    count = 2 * AUTO_MAX_SIZE + 1
    grouping = group_trials(_configs(*({"seed": s} for s in range(count))), size=None,
                            workers=2)
    sizes = [len(p) for p in grouping.populations]
    assert sum(sizes) == count and max(sizes) <= AUTO_MAX_SIZE and len(sizes) == 3


def test_two_trials_and_four_workers_make_one_population_not_two_alone():
    grouping = group_trials(_configs({"seed": 1}, {"seed": 2}), size=None, workers=4)
    assert grouping.populations == [["t0", "t1"]] and grouping.alone == []


def test_the_dispatch_counts_members_from_when_a_worker_takes_their_population():
    from adamctl.population import Dispatch, PopulationJob
    from adamctl.sweep.local import TrialJob

    def job(trial_id):
        return TrialJob(trial_id, f"runs/{trial_id}", {})

    dispatch = Dispatch([PopulationJob((job("a"), job("b"), job("c"))), job("d")])
    assert len(dispatch) == 2
    taken = iter(dispatch)
    next(taken)  # a worker takes the population
    assert dispatch.ended("b") == 2
    next(taken)  # and another the lone trial
    assert [dispatch.ended(t) for t in ("a", "d", "c")] == [2, 1, 0]


def test_trials_on_a_backend_without_an_engine_train_alone_and_say_why():
    grouping = group_trials(_configs(*({"backend": b, "optimizer": {"beta_2": v}}
                                       for b in ("tensorflow", "jax", "torch")
                                       for v in (0.9, 0.99))), size=None, workers=1)
    assert grouping.populations == [["t0", "t1"], ["t2", "t3"]]
    assert grouping.alone == ["t4", "t5"]
    assert "2 trial(s) on backend torch" in grouping.why_alone
    assert "differ in" not in grouping.why_alone  # the TensorFlow and JAX trials did group


def test_the_mapped_engine_takes_members_that_differ_in_adam_numbers_only():
    from adamctl.config import config_from_dict, config_to_dict
    from adamctl.population.mapped import why_not_mapped

    def configs(*optimizers: dict) -> list[dict]:
        return [config_to_dict(config_from_dict(merge(TINY, {"backend": "jax", "optimizer": o})))
                for o in optimizers]

    assert why_not_mapped(configs({"beta_2": 0.9, "epsilon": 1e-3, "learning_rate": 0.1},
                                  {"beta_1": 0.8})) is None
    assert "other than" in why_not_mapped(configs({"amsgrad": True}, {"amsgrad": False}))
    assert "other than" in why_not_mapped(configs({"weight_decay": 0.1}, {}))
    assert "schedule" in why_not_mapped(configs(
        {"learning_rate": {"schedule": "ExponentialDecay", "initial_learning_rate": 0.1,
                           "decay_steps": 3, "decay_rate": 0.5}}, {}))
    assert "clipnorm" in why_not_mapped(configs({"clipnorm": 1.0}, {"clipnorm": 1.0}))
    assert "JAX" in why_not_mapped([merge(c, {"backend": "tensorflow"}) for c in configs({}, {})])
