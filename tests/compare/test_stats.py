"""Every statistic against an independent computation: NumPy by hand, or scipy called directly.

Tolerances: pytest.approx's default (relative 1e-6) where the same numbers are summed in
another order; intervals from scipy with the same seed draw the same resamples, so they
agree to rounding.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from adamctl.compare.stats import (bootstrap_ci, compare_values, describe, holm, iqm,
                                   probability_better, seeds_needed, smallest_testable_n)

from tests.compare.helpers import PAIRED

BASE, NEAR, FAR = (np.array(PAIRED[e]) for e in (1e-8, 1e-4, 1e-1))


def _by_seed(values, seeds=None):
    return dict(zip(range(len(values)) if seeds is None else seeds, map(float, values)))


def _two_sided(null, observed):
    """scipy's two-sided permutation p-value, by definition: 2 * the smaller tail, at most 1."""
    tol = 1e-12  # float sums of the same numbers in another order
    return min(1.0, 2 * min(np.mean(null >= observed - tol), np.mean(null <= observed + tol)))


def _sign_flip_null(diffs):
    signs = np.array(list(itertools.product([1, -1], repeat=len(diffs))))
    return (signs * diffs).mean(axis=1)


def _split_null(a, b):
    pooled, n = np.concatenate([a, b]), len(a)
    null = []
    for chosen in itertools.combinations(range(len(pooled)), n):
        mask = np.zeros(len(pooled), bool)
        mask[list(chosen)] = True
        null.append(pooled[mask].mean() - pooled[~mask].mean())
    return np.array(null)


@pytest.mark.parametrize("values", [
    pytest.param([0.3, 0.1, 0.2, 0.9], id="n4"),
    pytest.param([5.0, 1.0, 4.0, 2.0, 3.0], id="n5"),
    pytest.param([8, 1, 7, 2, 6, 3, 5, 4, 100.0], id="n9-outlier"),
])
def test_iqm_is_the_mean_after_cutting_a_quarter_from_each_end(values):
    ordered = sorted(values)
    cut = len(values) // 4
    assert iqm(np.array(values)) == pytest.approx(np.mean(ordered[cut:len(values) - cut]))


def test_iqm_needs_four_seeds():
    assert iqm(np.array([1.0, 2.0, 3.0])) is None


def test_describe_matches_numpy():
    summary = describe(FAR)
    assert summary.n == 5
    assert summary.mean == pytest.approx(FAR.sum() / 5)
    assert summary.median == pytest.approx(sorted(FAR)[2])
    assert summary.std == pytest.approx(math.sqrt(((FAR - FAR.mean()) ** 2).sum() / 4))


def test_bootstrap_ci_is_scipy_bca_with_the_same_seed_and_contains_the_mean():
    summary = describe(NEAR, seed=7)
    direct = scipy_stats.bootstrap((NEAR,), np.mean, n_resamples=10_000, method="BCa",
                                   confidence_level=0.95, rng=np.random.default_rng(7))
    assert summary.ci.method == "BCa"
    assert (summary.ci.low, summary.ci.high) == pytest.approx(tuple(direct.confidence_interval),
                                                              rel=1e-12)  # same resamples
    assert summary.ci.low <= summary.mean <= summary.ci.high


def test_one_seed_has_no_interval_and_says_so():
    summary = describe(np.array([0.4]))
    assert (summary.n, summary.mean, summary.std, summary.iqm) == (1, 0.4, None, None)
    assert summary.ci.low is None and summary.ci.high is None
    assert "fewer than 2 seeds" in summary.ci.note


def test_two_seeds_get_an_interval_flagged_as_too_narrow():
    summary = describe(np.array([0.4, 0.6]))
    assert summary.ci.low <= 0.5 <= summary.ci.high
    assert "2 seeds" in summary.ci.note


def test_identical_seeds_fall_back_from_bca():
    interval = bootstrap_ci((np.array([0.5, 0.5, 0.5]),), lambda x, axis=-1: np.mean(x, axis=axis))
    assert interval.method != "BCa"
    assert (interval.low, interval.high) == (0.5, 0.5)


def test_paired_delta_is_the_mean_of_per_seed_differences():
    result = compare_values(_by_seed(NEAR), _by_seed(BASE), "min")
    diffs = NEAR - BASE
    assert result.paired and result.n_pairs == 5
    assert result.delta == pytest.approx(diffs.sum() / 5)
    assert result.sd_diff == pytest.approx(np.std(diffs, ddof=1))


def test_paired_ci_is_a_bootstrap_of_the_differences():
    result = compare_values(_by_seed(NEAR), _by_seed(BASE), "min", seed=3)
    direct = scipy_stats.bootstrap((NEAR - BASE,), np.mean, n_resamples=10_000, method="BCa",
                                   rng=np.random.default_rng(3))
    assert (result.ci.low, result.ci.high) == pytest.approx(tuple(direct.confidence_interval))
    assert result.ci.low <= result.delta <= result.ci.high


@pytest.mark.parametrize("arm", [pytest.param(NEAR, id="near"), pytest.param(FAR, id="far"),
                                 pytest.param(BASE + [0.01, -0.02, 0.03, 0.0, -0.01], id="mixed")])
def test_paired_p_value_is_the_exact_sign_flip_p_value(arm):
    result = compare_values(_by_seed(arm), _by_seed(BASE), "min")
    diffs = arm - BASE
    null = _sign_flip_null(diffs)
    assert result.p_value == pytest.approx(_two_sided(null, diffs.mean()))
    # The sign-flip null is symmetric, so this is also P(|T| >= |t|).
    assert result.p_value == pytest.approx(np.mean(np.abs(null) >= abs(diffs.mean()) - 1e-12))


def test_p_better_counts_seeds_where_the_arm_wins_ties_half():
    arm = BASE + np.array([-0.01, 0.02, 0.0, -0.03, 0.01])
    assert compare_values(_by_seed(arm), _by_seed(BASE), "min").p_better == pytest.approx(0.5)
    assert compare_values(_by_seed(arm), _by_seed(BASE), "max").p_better == pytest.approx(0.5)
    assert probability_better(arm, BASE, "min", paired=True) == pytest.approx((2 + 0.5) / 5)


def test_unpaired_arms_use_difference_of_means_and_a_split_permutation_test():
    other = np.array([0.58, 0.66, 0.61])
    result = compare_values(_by_seed(other, [10, 11, 12]), _by_seed(BASE), "min")
    assert not result.paired and "unpaired" in result.note
    assert result.delta == pytest.approx(other.mean() - BASE.mean())
    assert result.p_value == pytest.approx(_two_sided(_split_null(other, BASE),
                                                      other.mean() - BASE.mean()))
    wins = sum((o < b) + 0.5 * (o == b) for o in other for b in BASE)
    assert result.p_better == pytest.approx(wins / 15)
    assert result.ci.low <= result.delta <= result.ci.high


def test_unpaired_ci_matches_a_two_sample_scipy_bootstrap():
    other = np.array([0.58, 0.66, 0.61])
    result = compare_values(_by_seed(other, [10, 11, 12]), _by_seed(BASE), "min", seed=5)
    direct = scipy_stats.bootstrap((other, BASE), lambda x, y, axis: x.mean(axis) - y.mean(axis),
                                   n_resamples=10_000, rng=np.random.default_rng(5))
    assert (result.ci.low, result.ci.high) == pytest.approx(tuple(direct.confidence_interval))


def test_partial_overlap_pairs_the_shared_seeds_and_names_the_rest():
    arm = {0: 0.52, 1: 0.60, 3: 0.59}
    result = compare_values(arm, _by_seed(BASE), "min")
    assert result.paired and result.n_pairs == 3
    assert result.delta == pytest.approx(np.mean([0.52 - 0.50, 0.60 - 0.61, 0.59 - 0.58]))
    assert "[2, 4]" in result.note


def test_one_seed_is_compared_unpaired_without_interval_or_test():
    result = compare_values({0: 0.56}, _by_seed(BASE), "min")
    assert not result.paired
    assert result.delta == pytest.approx(0.56 - BASE.mean())
    assert result.ci.low is None and result.p_value is None
    assert result.p_better == pytest.approx(np.mean(0.56 < BASE))


def test_two_paired_seeds_cannot_go_below_one_half():
    result = compare_values({0: 0.6, 1: 0.7}, {0: 0.5, 1: 0.6}, "min")
    assert result.paired and result.p_value == pytest.approx(0.5)


def test_holm_matches_the_step_down_by_hand():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.2, None, 0.6]) == [pytest.approx(0.4), None, pytest.approx(0.6)]
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_seeds_needed_is_the_normal_approximation():
    z = 1.959964 + 0.841621  # z_0.975 + z_0.80 from a normal table
    assert seeds_needed(0.05, 0.2) == math.ceil((z * 0.2 / 0.05) ** 2)
    assert seeds_needed(0.0, 0.2) == math.inf
    assert seeds_needed(1.0, 0.01) == 6  # the sign-flip test's own floor at alpha = 0.05
    assert seeds_needed(1.0, 0.01, paired=False) == 4


def test_smallest_testable_n_is_where_the_extreme_arrangement_reaches_alpha():
    assert smallest_testable_n(paired=True) == 6   # 2 / 2**5 = 0.0625, 2 / 2**6 = 0.031
    assert smallest_testable_n(paired=False) == 4  # 2 / C(6, 3) = 0.1, 2 / C(8, 4) = 0.029
