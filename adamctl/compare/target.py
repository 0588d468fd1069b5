"""Time to a target, per seed and per arm, and AlgoPerf performance profiles.

The speed of an optimizer is the time it takes to reach a fixed validation
target (DeepOBS: epochs to a per-problem target; AlgoPerf, Dahl et al. 2023,
"Benchmarking Neural Network Training Algorithms", arXiv:2306.07179: time to
target, median over studies, infinity for a miss).  Across workloads,
performance profiles say on what fraction of workloads each submission is
within a factor tau of the fastest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from adamctl.compare.arms import Arm

__all__ = ["Reach", "ArmTarget", "first_reach", "arm_target", "Profile", "performance_profile",
           "STEP_COLUMNS", "TIME_COLUMNS"]

# Columns of metrics.csv (adamctl/training/callbacks/metrics_csv.py) that
# measure progress, in order of preference.
STEP_COLUMNS = ("step", "epoch")
TIME_COLUMNS = ("time_s", "wall_time_s")


@dataclass(frozen=True)
class Reach:
    """When one run first reached the target: steps and wall seconds (inf: never; None: not logged)."""

    steps: float
    seconds: float | None


@dataclass(frozen=True)
class ArmTarget:
    """An arm's time to target: per seed, and the medians over seeds (AlgoPerf)."""

    per_seed: dict[int, Reach]
    median_steps: float
    median_seconds: float | None
    reached: int


def _reached(values: np.ndarray, target: float, mode: str) -> np.ndarray:
    return values >= target if mode == "max" else values <= target


def first_reach(curve: Any, metric: str, target: float, mode: str) -> Reach:
    """The first logged row where ``metric`` reaches ``target`` (>= for max, <= for min).

    ``curve`` is one run's per-epoch table (metrics.csv): the metric column,
    a step column (``step``, else ``epoch``) and optionally a wall-time
    column (``time_s`` or ``wall_time_s``, seconds since the start).  A run
    that never reaches the target, or has no such metric, gets infinity.
    """
    step_column = next((c for c in STEP_COLUMNS if c in curve.columns), None)
    time_column = next((c for c in TIME_COLUMNS if c in curve.columns), None)
    if metric not in curve.columns or step_column is None:
        return Reach(math.inf, math.inf if time_column else None)
    values = np.asarray(curve[metric], dtype=float)
    hits = np.flatnonzero(_reached(values, target, mode) & np.isfinite(values))
    if len(hits) == 0:
        return Reach(math.inf, math.inf if time_column else None)
    row = hits[0]
    seconds = float(curve[time_column].iloc[row]) if time_column else None
    return Reach(float(curve[step_column].iloc[row]), seconds)


def arm_target(arm: Arm, curves: Mapping[str, Any], metric: str, target: float,
               mode: str) -> ArmTarget:
    """Every seed of ``arm`` (diverged and failed ones too) against the target.

    A seed's curve is ``curves[trial id]``; a seed without a curve counts as
    a miss.  The medians are over all seeds, infinity included, so an arm
    that misses on more than half its seeds has an infinite median.
    """
    seeds = sorted({*arm.values, *arm.diverged, *arm.failed})
    per_seed = {}
    for seed in seeds:
        curve = curves.get(arm.trials.get(seed, ""))
        per_seed[seed] = (first_reach(curve, metric, target, mode) if curve is not None
                          else Reach(math.inf, None))
    steps = [r.steps for r in per_seed.values()]
    seconds = [r.seconds for r in per_seed.values()]
    median_seconds = None
    if seconds and all(s is not None for s in seconds):
        median_seconds = float(np.median(seconds))
    return ArmTarget(per_seed, float(np.median(steps)) if steps else math.inf, median_seconds,
                     sum(math.isfinite(s) for s in steps))


@dataclass(frozen=True)
class Profile:
    """Performance profiles: ratios r[s, w], rho_s(tau) on a grid, and each submission's score."""

    ratios: Any
    taus: np.ndarray
    rho: Any
    scores: Any
    r_max: float


def performance_profile(times: Any, *, r_max: float = 4.0,
                        taus: Sequence[float] | None = None) -> Profile:
    """AlgoPerf performance profiles and scores (Dahl et al. 2023, Sec. 4.5).

    ``times``: a DataFrame, one row per submission (an optimizer setting),
    one column per workload, each cell the median time to target over
    studies (infinity for a miss).  With r[s, w] = t[s, w] / min_s t[s, w],

        rho_s(tau) = |{w : r[s, w] <= tau}| / |W|,
        score_s = 1 / (r_max - 1) * integral_1^{r_max} rho_s(tau) dtau.

    rho_s is a step function, so the integral is exact:
    score_s = mean_w max(0, r_max - r[s, w]) / (r_max - 1).  A workload no
    submission reaches gives every submission an infinite ratio.
    """
    import pandas as pd

    values = np.asarray(times, dtype=float)
    best = values.min(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = np.where(np.isfinite(best), values / best, math.inf)
    ratios = np.where(np.isnan(ratios), math.inf, ratios)
    grid = np.asarray(taus if taus is not None else np.linspace(1.0, r_max, 301), dtype=float)
    rho = (ratios[:, :, None] <= grid[None, None, :]).mean(axis=1)
    scores = np.clip(r_max - ratios, 0.0, r_max - 1).mean(axis=1) / (r_max - 1)
    index = times.index
    return Profile(pd.DataFrame(ratios, index=index, columns=times.columns), grid,
                   pd.DataFrame(rho, index=index, columns=grid),
                   pd.Series(scores, index=index, name="score"), r_max)
