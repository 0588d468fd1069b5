"""Tuning curves: the expected best result after k trials of a random search.

A ranking of optimizers depends on the tuning budget (Choi et al. 2019;
Sivaprasad et al. 2020, "Optimizer Benchmarking Needs to Account for
Hyperparameter Tuning", ICML).  Given n trials drawn from a search space,
the expected best of k <= n of them is estimated without bias by sampling
without replacement (Tang et al. 2020, "Showing Your Work Doesn't Always
Work", ACL, eq. 4): with the values sorted from worst to best v_(1..n),

    E[best of k] = sum_{i=k}^{n} v_(i) * C(i - 1, k - 1) / C(n, k),

the chance that v_(i) is the best of a k-subset.  Dodge et al. 2019's form,
sum v_(i) ((i/n)^k - ((i-1)/n)^k), samples with replacement and is biased
towards the worse values.  The band is a percentile bootstrap of the whole
curve (resampling the n trials with replacement, as Sivaprasad et al. do),
i.e. how far the estimate itself could move with another set of n trials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["TuningCurve", "expected_best", "tuning_curve"]


@dataclass(frozen=True)
class TuningCurve:
    """Expected best after k = 1..n trials, with a bootstrap band of the same confidence."""

    k: np.ndarray
    expected: np.ndarray
    low: np.ndarray
    high: np.ndarray
    confidence: float
    resamples: int


def _weights(n: int):
    """W[k-1, i-1] = C(i-1, k-1) / C(n, k): P(v_(i) is the best of a random k-subset)."""
    from scipy.special import gammaln

    i = np.arange(1, n + 1)[None, :]
    k = np.arange(1, n + 1)[:, None]
    valid = i >= k

    def log_comb(a, b):
        return gammaln(a + 1) - gammaln(b + 1) - gammaln(np.maximum(a - b, 0) + 1)

    logw = log_comb(i - 1, k - 1) - log_comb(n, k)
    return np.where(valid, np.exp(np.where(valid, logw, 0.0)), 0.0)


def expected_best(values, mode: str = "max") -> np.ndarray:
    """Tang et al.'s unbiased expected best after k = 1..n trials, in the metric's units."""
    values = np.asarray(values, dtype=float)
    sign = 1.0 if mode == "max" else -1.0
    ordered = np.sort(sign * values)  # worst first, whatever the direction
    return sign * (_weights(len(values)) @ ordered)


def tuning_curve(values, mode: str = "max", *, seed: int = 0, resamples: int = 10_000,
                 confidence: float = 0.95) -> TuningCurve:
    """The expected-best curve of ``values`` (one per trial) and its bootstrap band."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        empty = np.array([])
        return TuningCurve(empty, empty, empty, empty, confidence, resamples)
    sign = 1.0 if mode == "max" else -1.0
    rng = np.random.default_rng(seed)
    draws = np.sort(sign * rng.choice(values, size=(resamples, n), replace=True), axis=1)
    curves = sign * (draws @ _weights(n).T)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(curves, [tail, 100 - tail], axis=0)
    return TuningCurve(np.arange(1, n + 1), expected_best(values, mode), low, high,
                       confidence, resamples)
