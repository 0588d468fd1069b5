"""``compare``: every arm of a sweep against a baseline and against the best arm.

Takes the results table (one row per trial) and, for time to target, the
per-epoch curves; returns a :class:`Comparison` of plain values.  Nothing
here reads or writes files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from adamctl.compare.arms import Arm, build_arms, infer_mode
from adamctl.compare.stats import (CONFIDENCE, RESAMPLES, ArmStats, Delta, Interval, compare_values,
                                   describe, holm, smallest_testable_n)
from adamctl.compare.target import ArmTarget, arm_target
from adamctl.compare.tuning import TuningCurve, tuning_curve
from adamctl.errors import AdamctlError, UsageError

__all__ = ["ArmResult", "Comparison", "compare", "find_arm", "target_times"]



@dataclass(frozen=True)
class ArmResult:
    """One arm: its statistics, and how it stands against the baseline and the best arm.

    ``p_value`` is Holm-adjusted across the arms compared with the baseline;
    ``vs_baseline.p_value`` is the unadjusted one.  ``tied_with_best`` is
    None when there is no interval to decide it (fewer than 2 seeds).
    """

    arm: Arm
    stats: ArmStats
    vs_baseline: Delta
    vs_best: Delta
    p_value: float | None
    tied_with_best: bool | None
    target: ArmTarget | None = None

    @property
    def point(self) -> dict[str, Any]:
        return self.arm.point


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`; ``to_json()`` is the documented JSON object."""

    metric: str
    mode: str
    value: str
    keys: list[str]
    baseline: ArmResult
    best: ArmResult
    arms: list[ArmResult]
    confidence: float
    resamples: int
    seed: int
    target: float | None = None
    tuning: TuningCurve | None = None
    notes: list[str] = field(default_factory=list)

    def closest_tie(self) -> ArmResult | None:
        """Of the arms tied with the best, the one needing the fewest seeds to be told apart."""
        tied = [a for a in self.arms if a.tied_with_best and a is not self.best
                and a.vs_best.seeds_needed is not None]
        return min(tied, key=lambda a: a.vs_best.seeds_needed, default=None)

    def to_json(self) -> dict[str, Any]:
        from adamctl.compare._json import comparison_json

        return comparison_json(self)

    def to_frame(self):
        from adamctl.compare._json import comparison_frame

        return comparison_frame(self)


def compare(results: Any, curves: Mapping[str, Any] | None = None, *, metric: str,
            mode: str | None = None, value: str = "final",
            baseline: Mapping[str, Any] | str | None = None, target: float | None = None,
            keys: Sequence[str] | None = None, seed: int = 0, resamples: int = RESAMPLES,
            confidence: float = CONFIDENCE) -> Comparison:
    """Compare the arms of a results table over seeds.

    Args:
        results: DataFrame, one row per trial, as results.csv: ``seed``,
            ``status``, ``point`` (optional), ``trial`` (to find curves), the
            swept keys and ``final_<metric>`` / ``best_<metric>``.
        curves: trial id -> that trial's per-epoch DataFrame (metrics.csv:
            the metric, ``step`` or ``epoch``, optionally ``time_s``);
            needed only with ``target``.
        metric: the metric's name, e.g. "val_loss".
        mode: "min" or "max"; default inferred from the name as Keras's
            ``mode="auto"`` does.
        value: "final" (each seed's last value) or "best" (its best).
        baseline: the reference point ({key: value}, or a point id);
            default the best arm by mean.
        target: a value of the metric; adds time to target per arm.
        keys: the swept keys; default every column that is not bookkeeping.
        seed, resamples, confidence: of every bootstrap and permutation test.

    Raises:
        UsageError: unknown metric, mode, value or baseline; a target without curves.
        AdamctlError: no arm has a single usable seed.
    """
    mode = infer_mode(metric, mode)
    arms = build_arms(results, metric, value=value, keys=keys)
    base = find_arm(arms, baseline) if baseline is not None else None  # checked before any work
    if target is not None and curves is None:
        raise UsageError("a target needs the per-epoch curves (metrics.csv) of the trials")
    options = dict(seed=seed, resamples=resamples, confidence=confidence)
    described = [describe(arm.array(), **options) for arm in arms]
    best = _best(arms, described, mode, metric)
    rows = _arm_results(arms, described, base or best, best, mode, options)
    if target is not None:
        rows = [replace(row, target=arm_target(row.arm, curves, metric, target, mode))
                for row in rows]
    pool = [v for arm in arms for v in arm.values.values()]
    best_row, base_row = rows[arms.index(best)], rows[arms.index(base or best)]
    return Comparison(metric, mode, value, list(keys) if keys is not None else _keys(arms),
                      base_row, best_row, rows, confidence, resamples, seed, target,
                      tuning_curve(pool, mode, **options), _notes(rows, best_row))


def _arm_results(arms: list[Arm], described: list[ArmStats], base: Arm, best: Arm, mode: str,
                 options: dict) -> list[ArmResult]:
    """Each arm against the baseline (Holm across arms) and against the best (for ties)."""
    vs_base = [_against(a, base, mode, options) for a in arms]
    vs_best = vs_base if base is best else [_against(a, best, mode, options) for a in arms]
    adjusted = holm([d.p_value if a is not base else None for a, d in zip(arms, vs_base)])
    return [ArmResult(a, s, db, dt, p, _tied(a, best, dt))
            for a, s, db, dt, p in zip(arms, described, vs_base, vs_best, adjusted)]


def target_times(workloads: Mapping[str, Comparison], *, seconds: bool = False):
    """The input of ``performance_profile``: median time to target, setting x workload.

    ``workloads`` maps a workload name to the comparison of one sweep of it
    (made with a target).  Rows are the settings (swept points, labelled
    "key=value,..."), columns the workloads; a setting a workload did not
    run, or whose median seed missed, gets infinity, as AlgoPerf scores a
    miss.  ``seconds`` uses wall time instead of steps.
    """
    import pandas as pd

    columns = {}
    for name, result in workloads.items():
        if result.target is None:
            raise UsageError(f"workload {name!r} was compared without a target")
        columns[name] = {_label(row.point): _time(row.target, seconds) for row in result.arms}
    return pd.DataFrame(columns).fillna(math.inf)


def _time(target: ArmTarget | None, seconds: bool) -> float:
    value = None if target is None else (target.median_seconds if seconds else target.median_steps)
    return math.inf if value is None else value


def _keys(arms: list[Arm]) -> list[str]:
    return list(arms[0].point) if arms else []


def _best(arms: list[Arm], described: list[ArmStats], mode: str, metric: str) -> Arm:
    scored = [(s.mean, a) for a, s in zip(arms, described) if s.mean is not None]
    if not scored:
        raise AdamctlError(f"no trial has a usable value of {metric}: nothing to compare")
    pick = max if mode == "max" else min
    return pick(scored, key=lambda pair: pair[0])[1]


def _against(arm: Arm, reference: Arm, mode: str, options: dict) -> Delta:
    """``compare_values``; an arm against itself differs by exactly 0 on every seed."""
    if arm is reference:
        return Delta(0.0, Interval(0.0, 0.0, "exact"), 0.5, None, None, True, arm.n, 0.0, None,
                     None)
    return compare_values(arm.values, reference.values, mode, **options)


def _tied(arm: Arm, best: Arm, delta: Delta) -> bool | None:
    """Tied with the best arm when the CI of (arm - best) contains zero."""
    if arm is best:
        return True
    if delta.ci.low is None:
        return None
    return delta.ci.low <= 0.0 <= delta.ci.high


def find_arm(arms: list[Arm], baseline: Mapping[str, Any] | str) -> Arm:
    """The arm at ``baseline``: a point id, or {key: value} naming every swept key it needs."""
    if isinstance(baseline, str):
        found = [a for a in arms if a.point_id == baseline]
    else:
        known = set(arms[0].point) if arms else set()
        unknown = sorted(set(baseline) - known)
        if unknown:
            raise UsageError(f"baseline key {unknown[0]!r} is not swept; swept keys: "
                             f"{', '.join(sorted(known))}")
        found = [a for a in arms if all(_same(a.point[k], v) for k, v in baseline.items())]
    if len(found) != 1:
        points = "; ".join(_label(a.point) for a in arms)
        what = "matches no arm" if not found else f"matches {len(found)} arms (give every key)"
        raise UsageError(f"baseline {_label(baseline) if not isinstance(baseline, str) else baseline}"
                         f" {what}; arms: {points}")
    return found[0]


def _same(actual: Any, wanted: Any) -> bool:
    """Equal as given, or as numbers (so "1e-7" on a command line matches 1e-07)."""
    if actual == wanted or str(actual) == str(wanted):
        return True
    try:
        return math.isclose(float(actual), float(wanted), rel_tol=1e-9, abs_tol=0.0)
    except (TypeError, ValueError):
        return False


def _label(point: Mapping[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in point.items())


def _notes(rows: list[ArmResult], best: ArmResult) -> list[str]:
    """Everything a reader must know that the numbers do not say: lost seeds, weak intervals."""
    notes = []
    if best.stats.n == 1:
        notes.append(f"the best arm, {_label(best.point)}, rests on a single seed")
    for row in rows:
        label, arm = _label(row.point), row.arm
        if arm.diverged or arm.failed:
            notes.append(f"{label}: {len(arm.diverged)} diverged and {len(arm.failed)} failed "
                         "seed(s) excluded from its statistics")
        for note in (row.stats.ci.note, row.vs_baseline.note, row.vs_best.note):
            if note:
                notes.append(f"{label}: {note}")
    notes.extend(_test_floor_note(rows))
    return list(dict.fromkeys(notes))


def _test_floor_note(rows: list[ArmResult]) -> list[str]:
    """Say so when too few seeds are paired for the test to reach p < 0.05 at all."""
    pairs = [r.vs_baseline.n_pairs for r in rows if r.vs_baseline.test == "sign-flip permutation"]
    floor = smallest_testable_n(paired=True)
    if pairs and min(pairs) < floor:
        n = min(pairs)
        return [f"with {n} paired seeds the smallest possible sign-flip p-value is "
                f"{2 / 2 ** n:.3g}: at least {floor} seeds are needed to reach p < 0.05"]
    return []
