"""Time to target and AlgoPerf performance profiles, against hand-made curves and integrals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from adamctl.compare.arms import build_arms
from adamctl.compare.target import arm_target, first_reach, performance_profile

from tests.compare.helpers import curve


def test_first_reach_is_the_first_logged_step_at_or_past_the_target():
    reach = first_reach(curve([0.9, 0.7, 0.5, 0.6]), "val_loss", 0.7, "min")
    assert (reach.steps, reach.seconds) == (20.0, 4.0)


def test_first_reach_for_a_metric_to_maximise():
    table = curve([0.2, 0.5, 0.8], metric="val_accuracy")
    assert first_reach(table, "val_accuracy", 0.75, "max").steps == 30.0


def test_a_miss_is_infinite():
    reach = first_reach(curve([0.9, 0.8]), "val_loss", 0.1, "min")
    assert reach.steps == math.inf and reach.seconds == math.inf


def test_a_nan_never_counts_as_reaching():
    assert first_reach(curve([math.nan, 0.4]), "val_loss", 0.5, "min").steps == 20.0


def test_without_step_column_epochs_count_and_without_time_seconds_are_unknown():
    table = pd.DataFrame({"epoch": [1, 2, 3], "val_loss": [0.9, 0.4, 0.3]})
    reach = first_reach(table, "val_loss", 0.5, "min")
    assert (reach.steps, reach.seconds) == (2.0, None)


def test_arm_median_includes_misses_and_lost_seeds(messy_results):
    arm = next(a for a in build_arms(messy_results, "val_loss") if a.point_id == "e1e-06")
    curves = {"e1e-06-s0": curve([0.9, 0.5]), "e1e-06-s1": curve([0.4, 0.3]),
              "e1e-06-s2": curve([0.9, math.nan]), "e1e-06-s3": curve([0.8, 0.7, 0.45])}
    result = arm_target(arm, curves, "val_loss", 0.5, "min")
    # seeds 0..4: 20, 10, inf (diverged), 30, inf (failed, no curve)
    assert [result.per_seed[s].steps for s in range(5)] == [20, 10, math.inf, 30, math.inf]
    assert result.median_steps == 30.0
    assert result.reached == 3
    assert result.median_seconds is None  # the failed seed has no curve, so no time


def test_profile_ratios_and_scores_match_a_numerical_integral():
    times = pd.DataFrame({"w1": [100.0, 200.0, math.inf], "w2": [300.0, 150.0, 450.0],
                          "w3": [10.0, 50.0, 20.0]}, index=["a", "b", "c"])
    profile = performance_profile(times)
    expected = np.array([[1, 2, 1], [2, 1, 5], [math.inf, 3, 2]], dtype=float)
    np.testing.assert_allclose(profile.ratios.values, expected)
    taus = np.linspace(1, 4, 300_001)
    for name, ratios in zip(times.index, expected):
        rho = (ratios[:, None] <= taus[None, :]).mean(axis=0)
        integral = np.sum((rho[1:] + rho[:-1]) / 2 * np.diff(taus)) / 3
        # a Riemann sum of a step function: off by at most one grid cell per step
        assert profile.scores[name] == pytest.approx(integral, abs=1e-4)
    assert profile.scores["a"] == pytest.approx((3 + 2 + 3) / 3 / 3)


def test_a_workload_nobody_reaches_counts_against_everyone():
    times = pd.DataFrame({"w1": [1.0, 2.0], "w2": [math.inf, math.inf]}, index=["a", "b"])
    profile = performance_profile(times)
    assert profile.ratios["w2"].tolist() == [math.inf, math.inf]
    assert profile.scores["a"] == pytest.approx(0.5)
    assert profile.rho.loc["a"].iloc[-1] == 0.5


def test_workload_sweeps_make_the_profile_table(paired_results):
    from adamctl.compare import compare, target_times

    fast = {t: curve([0.4]) for t in paired_results["trial"]}
    slow = {t: curve([0.9, 0.8, 0.4]) for t in paired_results["trial"]}
    slow["e0.1-s0"] = slow["e0.1-s1"] = slow["e0.1-s2"] = curve([0.9])
    workloads = {"easy": compare(paired_results, fast, metric="val_loss", target=0.5),
                 "hard": compare(paired_results, slow, metric="val_loss", target=0.5)}
    times = target_times(workloads)
    assert times.loc["optimizer.epsilon=1e-08"].tolist() == [10.0, 30.0]
    assert times.loc["optimizer.epsilon=0.1", "hard"] == math.inf  # 3 of 5 seeds missed
    scores = performance_profile(times).scores
    assert scores["optimizer.epsilon=1e-08"] == pytest.approx(1.0)
    assert scores["optimizer.epsilon=0.1"] == pytest.approx(0.5)
