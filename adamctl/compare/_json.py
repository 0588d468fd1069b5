"""A Comparison as the documented JSON object (docs/compare.md), and as a flat table.

JSON has no NaN or infinity: a value that does not exist (no interval from
one seed, no p-value for the baseline) is null, and so is a time to target
whose median seed never reached it (``target_reached`` says how many did).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adamctl.compare.comparison import ArmResult, Comparison

CI_METHOD = ("bootstrap (scipy.stats.bootstrap), BCa; percentile where BCa is undefined; "
             "per-arm method in ci_method")


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def comparison_json(result: "Comparison") -> dict[str, Any]:
    """The top-level object: what was compared, how, and one entry per arm."""
    tie = result.closest_tie()
    payload: dict[str, Any] = {
        "metric": result.metric, "mode": result.mode, "value": result.value,
        "baseline": result.baseline.point, "best": result.best.point,
        "confidence": result.confidence, "resamples": result.resamples, "seed": result.seed,
        "ci_method": CI_METHOD,
        "test": "sign-flip permutation on paired seeds, else two-sample permutation; "
                "Holm-adjusted across arms",
        "closest_tie": None if tie is None else {
            "point": tie.point, "delta": _number(tie.vs_best.delta),
            "seeds_needed": _number(tie.vs_best.seeds_needed)},
        "arms": [arm_json(row, result) for row in result.arms],
        "notes": list(result.notes),
    }
    if result.target is not None:
        payload["target"] = result.target
    return payload


def arm_json(row: "ArmResult", result: "Comparison") -> dict[str, Any]:
    """One arm's entry: the documented keys first, then the extra detail."""
    stats, delta = row.stats, row.vs_baseline
    entry: dict[str, Any] = {
        "point": row.point, "n": stats.n, "mean": _number(stats.mean),
        "ci_low": _number(stats.ci.low), "ci_high": _number(stats.ci.high),
        "delta": _number(delta.delta), "delta_ci_low": _number(delta.ci.low),
        "delta_ci_high": _number(delta.ci.high), "p_better": _number(delta.p_better),
        "p_value": _number(row.p_value), "tied_with_best": row.tied_with_best,
        "diverged": len(row.arm.diverged),
        "failed": len(row.arm.failed), "median": _number(stats.median),
        "iqm": _number(stats.iqm), "std": _number(stats.std), "ci_method": stats.ci.method,
        "delta_ci_method": delta.ci.method, "p_value_raw": _number(delta.p_value),
        "paired": delta.paired, "n_pairs": delta.n_pairs,
        "seeds_needed": _number(row.vs_best.seeds_needed),
        "seeds": row.arm.seeds, "diverged_seeds": list(row.arm.diverged),
        "failed_seeds": list(row.arm.failed),
    }
    if result.target is not None and row.target is not None:
        entry["steps_to_target"] = _number(row.target.median_steps)
        entry["seconds_to_target"] = _number(row.target.median_seconds)
        entry["target_reached"] = row.target.reached
    return entry


def comparison_frame(result: "Comparison"):
    """One row per arm, best first: the swept keys, then the statistics, for tables and CSV."""
    import pandas as pd

    rows = []
    for row in result.arms:
        entry = arm_json(row, result)
        flat = {**row.point, **{k: v for k, v in entry.items()
                                if k not in ("point", "seeds", "diverged_seeds", "failed_seeds")}}
        rows.append(flat)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values("mean", ascending=result.mode == "min",
                             na_position="last").reset_index(drop=True)
