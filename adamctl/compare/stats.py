"""Statistics of one arm, and of one arm against another, over seeds.

Every interval and test goes through scipy.stats (``bootstrap``,
``permutation_test``, ``trim_mean``); only Holm's step-down and the sample
size formula are written out, each in a few lines with its source.

References:
    Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 14 (BCa).
    Agarwal et al. 2021, "Deep RL at the Edge of the Statistical Precipice"
    (rliable): IQM, probability of improvement P(X > Y).
    Holm 1979, "A simple sequentially rejective multiple test procedure".
    Good 2005, *Permutation, Parametric and Bootstrap Tests of Hypotheses*
    (sign-flip test of paired differences).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

__all__ = ["ArmStats", "Delta", "Interval", "describe", "bootstrap_ci", "compare_values",
           "holm", "seeds_needed", "smallest_testable_n", "iqm", "probability_better"]

RESAMPLES = 10_000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A confidence interval and how it was obtained (``method`` None: no interval)."""

    low: float | None
    high: float | None
    method: str | None
    note: str | None = None


@dataclass(frozen=True)
class ArmStats:
    """Summary of one arm's per-seed values."""

    n: int
    mean: float | None
    median: float | None
    iqm: float | None
    std: float | None
    ci: Interval


@dataclass(frozen=True)
class Delta:
    """One arm against a reference arm: arm minus reference, in the metric's units."""

    delta: float | None
    ci: Interval
    p_better: float | None
    p_value: float | None
    test: str | None
    paired: bool
    n_pairs: int
    sd_diff: float | None
    seeds_needed: float | None
    note: str | None = None


def _mean(x, axis=-1):
    return np.mean(x, axis=axis)


def _mean_difference(x, y, axis=-1):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def bootstrap_ci(samples: Sequence[np.ndarray], statistic: Callable, *, seed: int = 0,
                 resamples: int = RESAMPLES, confidence: float = CONFIDENCE) -> Interval:
    """A bootstrap interval of ``statistic`` over independent ``samples`` (scipy.stats.bootstrap).

    BCa (Efron & Tibshirani 1993, ch. 14) corrects the percentile interval for
    bias and skew.  It is undefined when the bootstrap distribution is
    degenerate (all values equal, or too few distinct resamples for the
    jackknife): scipy then warns and returns NaN, and the percentile
    interval is used instead, which is stated in ``method``.  A fresh
    ``numpy.random.default_rng(seed)`` per call makes every interval
    reproducible on its own.
    """
    if min(len(s) for s in samples) < 2:
        return Interval(None, None, None, "fewer than 2 seeds: no interval")
    from scipy import stats  # ~1 s to import: not for a sweep of single seeds

    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = stats.bootstrap(tuple(samples), statistic, n_resamples=resamples,
                                     confidence_level=confidence, method=method,
                                     vectorized=True, rng=np.random.default_rng(seed))
        low, high = result.confidence_interval
        if np.isfinite(low) and np.isfinite(high):
            return Interval(float(low), float(high), method, _interval_note(samples, method))
    value = float(statistic(*samples))
    return Interval(value, value, "degenerate", "every resample gives the same value")


def _interval_note(samples: Sequence[np.ndarray], method: str) -> str | None:
    notes = [] if method == "BCa" else ["BCa undefined (degenerate resamples)"]
    if min(len(s) for s in samples) == 2:
        # Resampling 2 values gives only 3 distinct means: the interval is too narrow.
        notes.append("2 seeds: the bootstrap understates the uncertainty")
    return "; ".join(notes) or None


def iqm(values: np.ndarray) -> float | None:
    """Interquartile mean: the mean of the middle 50% (rliable; scipy.stats.trim_mean(x, 0.25)).

    scipy cuts ``floor(0.25 n)`` values from each end.  Reported from 4
    seeds, where it first drops a value from each end.
    """
    if len(values) < 4:
        return None
    from scipy import stats

    return float(stats.trim_mean(values, 0.25))


def describe(values: np.ndarray, *, seed: int = 0, resamples: int = RESAMPLES,
             confidence: float = CONFIDENCE) -> ArmStats:
    """n, mean, median, IQM (n >= 4), sample std (ddof=1, n >= 2) and a bootstrap CI of the mean."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return ArmStats(0, None, None, None, None, Interval(None, None, None, "no seeds"))
    std = float(np.std(values, ddof=1)) if n >= 2 else None
    ci = bootstrap_ci((values,), _mean, seed=seed, resamples=resamples, confidence=confidence)
    return ArmStats(n, float(np.mean(values)), float(np.median(values)), iqm(values), std, ci)


def probability_better(arm: np.ndarray, reference: np.ndarray, mode: str, *,
                       paired: bool) -> float:
    """P(arm better than reference), ties counted half (rliable's probability of improvement).

    Paired: the fraction of seeds on which the arm is better.  Unpaired: the
    fraction of all (arm seed, reference seed) pairs, which is the
    Mann-Whitney U statistic divided by n * m.
    """
    arm, reference = np.asarray(arm, float), np.asarray(reference, float)
    if not paired:
        arm, reference = arm[:, None], reference[None, :]
    better = arm > reference if mode == "max" else arm < reference
    return float(np.mean(better + 0.5 * (arm == reference)))


def compare_values(arm: Mapping[int, float], reference: Mapping[int, float], mode: str, *,
                   seed: int = 0, resamples: int = RESAMPLES,
                   confidence: float = CONFIDENCE) -> Delta:
    """Arm minus reference over seeds: paired on the seeds both have, else unpaired.

    Paired (at least 2 shared seeds): delta is the mean of the per-seed
    differences, its CI a bootstrap of that mean, and the p-value a two-sided
    sign-flip permutation test (scipy.stats.permutation_test,
    permutation_type="samples": swapping arm and reference within a seed
    flips the sign of that difference; exact when 2**n <= resamples).
    Seeds only one side has are left out of the pairing and named in the
    note.  Unpaired: difference of means, a two-sample bootstrap CI, and a
    two-sided permutation test of the difference of means
    (permutation_type="independent"); with a single seed on either side
    there is no interval and no p-value.
    """
    shared = sorted(set(arm) & set(reference))
    if not arm or not reference:
        return Delta(None, Interval(None, None, None, "an arm has no seeds"), None, None,
                     None, False, 0, None, None, "no usable seeds")
    if len(shared) >= 2:
        return _paired(arm, reference, shared, mode, seed, resamples, confidence)
    return _unpaired(arm, reference, mode, seed, resamples, confidence)


def _paired(arm, reference, shared, mode, seed, resamples, confidence) -> Delta:
    from scipy import stats

    a = np.array([arm[s] for s in shared], dtype=float)
    b = np.array([reference[s] for s in shared], dtype=float)
    diffs = a - b
    ci = bootstrap_ci((diffs,), _mean, seed=seed, resamples=resamples, confidence=confidence)
    test = stats.permutation_test((a, b), _mean_difference, permutation_type="samples",
                                  vectorized=True, n_resamples=resamples,
                                  rng=np.random.default_rng(seed))
    sd = float(np.std(diffs, ddof=1))
    delta = float(np.mean(diffs))
    unmatched = sorted(set(arm) ^ set(reference))
    note = f"seeds {unmatched} have no partner and are left out of the pairing" if unmatched else None
    return Delta(delta, ci, probability_better(a, b, mode, paired=True), float(test.pvalue),
                 "sign-flip permutation", True, len(shared), sd,
                 seeds_needed(delta, sd, paired=True), note)


def _unpaired(arm, reference, mode, seed, resamples, confidence) -> Delta:
    a, b = np.array(list(arm.values()), float), np.array(list(reference.values()), float)
    delta = float(np.mean(a) - np.mean(b))
    ci = bootstrap_ci((a, b), _mean_difference, seed=seed, resamples=resamples,
                      confidence=confidence)
    p_value = None
    if min(len(a), len(b)) >= 2:  # scipy's permutation_test needs two values per sample
        from scipy import stats

        test = stats.permutation_test((a, b), _mean_difference, permutation_type="independent",
                                      vectorized=True, n_resamples=resamples,
                                      rng=np.random.default_rng(seed))
        p_value = float(test.pvalue)
    sd = math.sqrt(np.var(a, ddof=1) + np.var(b, ddof=1)) if min(len(a), len(b)) >= 2 else None
    return Delta(delta, ci, probability_better(a, b, mode, paired=False), p_value,
                 "permutation (independent)" if p_value is not None else None, False, 0, sd,
                 seeds_needed(delta, sd, paired=False), "seeds do not match: unpaired comparison")


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values (Holm 1979); None entries are skipped.

    With the m p-values sorted ascending p_(1) <= ... <= p_(m), the adjusted
    value is p~_(i) = max_{j <= i} min(1, (m - j + 1) * p_(j)); rejecting
    where p~ <= alpha controls the family-wise error rate at alpha.
    """
    present = [(p, i) for i, p in enumerate(p_values) if p is not None]
    adjusted: list[float | None] = [None] * len(p_values)
    running, m = 0.0, len(present)
    for rank, (p, index) in enumerate(sorted(present)):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[index] = running
    return adjusted


def smallest_testable_n(*, paired: bool, alpha: float = 0.05) -> int:
    """The fewest seeds at which the exact two-sided permutation test can reach ``alpha``.

    The smallest attainable p-value is 2 / 2**n for n sign-flipped pairs and
    2 / C(2n, n) for two independent arms of n seeds (one extreme
    arrangement at each end), so 6 paired or 4 unpaired seeds at alpha = 0.05.
    """
    n = 1
    while 2 / (2 ** n if paired else math.comb(2 * n, n)) > alpha:
        n += 1
    return n


def seeds_needed(delta: float | None, sd: float | None, *, paired: bool = True,
                 alpha: float = 0.05, power: float = 0.8) -> float | None:
    """Seeds needed to tell ``delta`` from zero: n = ((z_{1-alpha/2} + z_{power}) * sd / delta)^2.

    The normal approximation to a paired t-test (or, with sd the root of the
    summed variances, to a two-sample test with n seeds per arm), e.g. Chow,
    Shao & Wang 2008, *Sample Size Calculations in Clinical Research*, 3.1.
    Rounded up and raised to :func:`smallest_testable_n`, below which the
    permutation test cannot reach ``alpha`` whatever the effect; infinite
    when delta is 0.  An estimate at the observed effect, which is itself
    noisy: treat it as an order of magnitude.
    """
    if delta is None or sd is None or not math.isfinite(sd):
        return None
    if delta == 0:
        return math.inf
    from scipy import stats

    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    floor = smallest_testable_n(paired=paired, alpha=alpha)
    return float(max(floor, math.ceil((z * sd / abs(delta)) ** 2)))
