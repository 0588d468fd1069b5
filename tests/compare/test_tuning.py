"""Tuning curves: Tang et al.'s unbiased expected best, against enumeration of every subset."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from adamctl.compare.tuning import expected_best, tuning_curve

VALUES = np.array([0.61, 0.55, 0.70, 0.58, 0.66, 0.52, 0.63])


@pytest.mark.parametrize("mode, best", [pytest.param("max", max, id="max"),
                                        pytest.param("min", min, id="min")])
def test_expected_best_is_the_average_over_all_k_subsets(mode, best):
    brute = [np.mean([best(subset) for subset in itertools.combinations(VALUES, k)])
             for k in range(1, len(VALUES) + 1)]
    np.testing.assert_allclose(expected_best(VALUES, mode), brute, rtol=1e-12)


def test_curve_starts_at_the_mean_and_ends_at_the_best():
    curve = tuning_curve(VALUES, "min")
    assert curve.expected[0] == pytest.approx(VALUES.mean())
    assert curve.expected[-1] == pytest.approx(VALUES.min())
    assert list(curve.k) == list(range(1, 8))


def test_band_is_a_seeded_percentile_bootstrap_of_the_curve():
    curve = tuning_curve(VALUES, "max", seed=4, resamples=2000)
    rng = np.random.default_rng(4)
    draws = rng.choice(VALUES, size=(2000, len(VALUES)), replace=True)
    first = np.percentile(draws.mean(axis=1), [2.5, 97.5])  # k = 1: the mean of a resample
    assert (curve.low[0], curve.high[0]) == pytest.approx(tuple(first))
    assert np.all(curve.low <= curve.high)
    repeat = tuning_curve(VALUES, "max", seed=4, resamples=2000)
    np.testing.assert_array_equal(curve.low, repeat.low)


def test_no_trials_give_an_empty_curve():
    assert len(tuning_curve([], "max").k) == 0
