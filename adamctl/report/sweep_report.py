"""``report.md`` of a sweep, and the figures beside it.

The report opens with the protocol (search space, budget, seeds, selection
rule, epsilon convention, versions): Choi et al. 2019 show that rankings of
optimizers follow the search space, so no ranking is printed without it.
Then the comparison of the grid points over seeds (intervals, paired
deltas, ties with the best; :mod:`adamctl.compare`), its figures
(sensitivity, annotated heatmap, curves with per-seed lines, tuning curve),
the mean and std per point, and the trials that did not complete.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adamctl._atomic import atomic_write_text
from adamctl.errors import AdamctlError
from adamctl.store import SweepDir

__all__ = ["write_sweep_report", "sweep_protocol", "import_comparison"]


def import_comparison() -> None:
    """Import what the report's comparison needs (for a sweep to do it while trials train)."""
    import scipy.special  # noqa: F401 - the tuning curve's gammaln

    import adamctl.compare.comparison  # noqa: F401


_FIGURES = (("sensitivity", "sensitivity_path"), ("heatmap", "heatmap_path"),
            ("curves", "curves_path"), ("tuning curve", "tuning_path"))


def write_sweep_report(sweep_dir: SweepDir | Path, *, metric: str | None = None,
                       mode: str | None = None, helper: Any = None) -> Path:
    """Write ``report.md`` and the PNG figures beside it; return the report's path.

    ``metric`` and ``mode`` choose the metric and its direction as
    :func:`adamctl.report.tables.sweep_direction` does (default: the sweep's).
    ``helper``, a started :class:`~adamctl.sweep._warm.FigureHelper`, draws
    some of the figures at the same time (:mod:`adamctl.report.figure_helper`).
    """
    from adamctl.report.render import markdown
    from adamctl.report.tables import sweep_table
    from adamctl.store.tables import results_frame

    sweep = SweepDir(sweep_dir)
    plan = sweep.read_plan()
    table = sweep_table(sweep.root, metric=metric, mode=mode)
    results = results_frame(sweep)
    result, curves, problem = _comparison(sweep, plan, results, table.metric, table.mode)
    counts = results["status"].value_counts().to_dict() if "status" in results else {}
    lines = [f"# Sweep {plan['name']}", "", sweep_protocol(sweep, plan, results, result),
             f"{len(plan['trials'])} trials: "
             + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none finished"), ""]
    lines += _comparison_section(sweep, result, curves, problem, helper)
    better = "lower" if table.mode == "min" else "higher"
    lines += [f"## Mean and sample std per grid point, sorted by final {table.metric} "
              f"({better} is better)", "",
              markdown(table.frame)]
    if "status" in results:
        failed = results[~results["status"].isin(["completed"])]
        if not failed.empty:
            lines += ["## Trials that did not complete", ""]
            lines += [f"- {r.trial}: {r.status}" + (f": {r.error}" if isinstance(r.error, str) else "")
                      for r in failed.itertuples()]
            lines += _resume_hint(sweep, failed["status"])
    atomic_write_text(sweep.report_path, "\n".join(lines) + "\n")
    return sweep.report_path


def _comparison(sweep: SweepDir, plan: dict[str, Any], results: Any, metric: str, mode: str):
    """The comparison of the grid points, or the reason there is none yet."""
    from adamctl.compare import compare
    from adamctl.store.tables import trial_curves

    if results.empty:
        return None, {}, "no trial has finished yet"
    curves = trial_curves(sweep, results["trial"])
    try:
        result = compare(results, curves, metric=metric, mode=mode,
                         keys=list(plan["grid"]))
    except AdamctlError as error:
        return None, curves, str(error)
    return result, curves, None


def _comparison_section(sweep: SweepDir, result: Any, curves: dict, problem: str | None,
                        helper: Any = None) -> list:
    """The comparison table, the lines under it, and the figures."""
    from adamctl.compare import plots
    from adamctl.report.comparison_table import comparison_footer, comparison_table
    from adamctl.report.figure_helper import draw_figures
    from adamctl.report.render import markdown

    lines = ["## Comparison over seeds", ""]
    if result is None:
        return lines + [f"No comparison: {problem}.", ""]
    lines += [markdown(comparison_table(result).frame)]
    lines += [f"{line}\n" for line in comparison_footer(result)]
    made = draw_figures({"sensitivity_path": (plots.sensitivity_plot, (result, sweep.sensitivity_path)),
                         "heatmap_path": (plots.heatmap_plot, (result, sweep.heatmap_path)),
                         "curves_path": (plots.curves_plot, (result, curves, sweep.curves_path)),
                         "tuning_path": (plots.tuning_plot, (result, sweep.tuning_path))}, helper)
    for title, attribute in _FIGURES:
        if made[attribute] is not None:
            lines += [f"![{result.metric} {title}]({made[attribute].name})", ""]
    return lines


def sweep_protocol(sweep: SweepDir, plan: dict[str, Any], results: Any, result: Any) -> str:
    """The protocol block of ``sweep`` (:func:`adamctl.compare.protocol_markdown`)."""
    from adamctl.compare import protocol_markdown, selection_rule

    base = plan.get("base") or {}
    budget: dict[str, Any] = {"trials": len(plan["trials"]),
                              "epochs per trial": (base.get("training") or {}).get("epochs")}
    steps = results["steps"].dropna() if "steps" in results else []
    if len(steps):
        budget["steps per trial"] = int(steps.max())
    selection = (selection_rule(result) if result is not None else
                 f"best grid point = {'highest' if plan['mode'] == 'max' else 'lowest'} mean "
                 f"final {plan['metric']} over seeds")
    return protocol_markdown(search_space=plan["grid"], seeds=plan["seeds"], budget=budget,
                             selection=selection, epsilon_mode=_epsilon_mode(plan),
                             versions=_versions(sweep, plan))


def _epsilon_mode(plan: dict[str, Any]) -> str:
    """The base config's ``optimizer.epsilon_mode``; every value when it is swept."""
    swept = plan["grid"].get("optimizer.epsilon_mode")
    if swept:
        return ", ".join(str(v) for v in swept)
    return str(((plan.get("base") or {}).get("optimizer") or {}).get("epsilon_mode", "hat"))


def _versions(sweep: SweepDir, plan: dict[str, Any]) -> dict[str, str]:
    """Package versions as the first trial that ran recorded them in summary.json."""
    from adamctl.store.summary import summary_of

    for trial in plan["trials"]:
        recorded = (summary_of(sweep.trial(trial["id"])) or {}).get("versions")
        if recorded:
            versions = {k: v for k, v in recorded.items()
                        if k not in ("backend", "backend_version")}
            if recorded.get("backend"):
                versions[recorded["backend"]] = recorded.get("backend_version", "?")
            return versions
    return {}


def _resume_hint(sweep: SweepDir, statuses) -> list[str]:
    """How to finish a sweep that stopped early: interrupted trials continue, pending ones start."""
    waiting = statuses.isin(["interrupted", "pending", "running"])
    if not waiting.any():
        return []
    count = int(waiting.sum())
    return ["", f"{count} trial{'s' * (count > 1)} did not finish: `adamctl sweep --resume "
            f"{sweep.root}` continues interrupted trials from their newest checkpoint and "
            "starts the pending ones."]
