"""A comparison of arms as a table to read, and the lines that go under it.

One row per arm, best mean first: the point, seeds (with the lost ones),
mean and CI, delta to the baseline and its CI, P(better), the Holm p-value,
a mark for arms tied with the best and, with a target, the median steps to
reach it. The footer says how many seeds the closest tie needs and every
note of the comparison. ``adamctl compare`` prints it and ``report.md``
embeds it, so both read the same.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from adamctl.report.render import format_cell
from adamctl.report.tables import ReportTable

if TYPE_CHECKING:
    from adamctl.compare.comparison import ArmResult, Comparison

__all__ = ["comparison_footer", "comparison_table", "profile_table", "TIED_MARK"]

TIED_MARK = "*"


def comparison_table(result: "Comparison", *, title: str = "comparison") -> ReportTable:
    """The arms of ``result`` as a :class:`ReportTable` of display strings, best mean first."""
    import pandas as pd

    rows = sorted(result.arms, key=lambda r: _rank(r, result.mode))
    frame = pd.DataFrame([_row(r, result) for r in rows])
    return ReportTable(frame, kind="comparison", title=title, metric=result.metric,
                       mode=result.mode)


def _rank(row: "ArmResult", mode: str) -> float:
    mean = row.stats.mean
    if mean is None:
        return math.inf
    return -mean if mode == "max" else mean


def _row(row: "ArmResult", result: "Comparison") -> dict[str, Any]:
    delta = row.vs_baseline
    is_base = row is result.baseline
    entry: dict[str, Any] = {
        "arm": _label(row.point) + (" (baseline)" if is_base else ""),
        "n": _seeds(row),
        f"{result.metric} mean": row.stats.mean,
        "95% CI": _interval(row.stats.ci.low, row.stats.ci.high),
        "delta": None if is_base else delta.delta,
        "delta CI": "" if is_base else _interval(delta.ci.low, delta.ci.high),
        "P(better)": None if is_base else delta.p_better,
        "Holm p": row.p_value,
        "tied w/ best": _tie(row),
    }
    if result.target is not None:
        entry["steps to target"] = _steps(row)
    return entry


def _label(point: dict[str, Any]) -> str:
    return ", ".join(f"{key}={format_cell(value)}" for key, value in point.items()
                     if value is not None)


def _seeds(row: "ArmResult") -> str:
    lost = [f"{len(row.arm.diverged)} diverged"] if row.arm.diverged else []
    lost += [f"{len(row.arm.failed)} failed"] if row.arm.failed else []
    return f"{row.stats.n}" + (f" ({', '.join(lost)})" if lost else "")


def _interval(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f"[{format_cell(float(low))}, {format_cell(float(high))}]"


def _tie(row: "ArmResult") -> str:
    if row.tied_with_best is None:
        return "?"
    return TIED_MARK if row.tied_with_best else ""


def _steps(row: "ArmResult") -> str:
    if row.target is None:
        return ""
    steps = row.target.median_steps
    reached = f" ({row.target.reached}/{len(row.target.per_seed)} reached)"
    return ("inf" if not math.isfinite(steps) else format_cell(float(steps))) + reached


def comparison_footer(result: "Comparison") -> list[str]:
    """The lines under the table: legend, the closest tie's seeds-needed estimate, the notes."""
    lines = [f"{TIED_MARK}: tied with the best arm ({_label(result.best.point)}): the "
             f"{result.confidence:.0%} CI of its difference to the best contains 0; "
             "?: one seed, undecidable. delta = arm minus baseline, in "
             f"{result.metric} ({'higher' if result.mode == 'max' else 'lower'} is better)."]
    tie = result.closest_tie()
    if tie is not None:
        lines.append(f"Closest tie: {_label(tie.point)}, {format_cell(float(tie.vs_best.delta))} "
                     f"from the best; about {format_cell(float(tie.vs_best.seeds_needed))} seeds "
                     "per arm would resolve it at this effect (80% power, alpha 0.05).")
    lines += [f"Note: {note}" for note in result.notes]
    return lines


def profile_table(times: Any, profile: Any, *, metric: str) -> ReportTable:
    """Settings x workloads: median steps to target, and the AlgoPerf score, best first."""
    frame = times.copy().astype(object)
    frame = frame.map(lambda v: "inf" if not math.isfinite(v) else format_cell(float(v)))
    frame.insert(0, "setting", times.index)
    frame["score"] = profile.scores.values
    frame = frame.sort_values("score", ascending=False).reset_index(drop=True)
    return ReportTable(frame, kind="profile", title=f"steps to target of {metric}, per workload",
                       metric="score", mode="max")
