"""``report.md`` and the PNG plots beside it, for a finished (or partial) sweep."""

from __future__ import annotations

from pathlib import Path

from adamctl._atomic import atomic_write_text
from adamctl.store import SweepDir

__all__ = ["write_sweep_report"]


def write_sweep_report(sweep_dir: SweepDir | Path, *, metric: str | None = None,
                       mode: str | None = None) -> Path:
    """Write ``curves.png``, ``heatmap.png`` (two-key grids) and ``report.md``; return the report.

    ``metric`` and ``mode`` choose the metric and its direction as
    :func:`adamctl.report.tables.sweep_direction` does (default: the sweep's).
    """
    from adamctl.report.plots import curves_plot, heatmap_plot
    from adamctl.report.render import markdown
    from adamctl.report.tables import sweep_table
    from adamctl.store.tables import results_frame, summary_frame

    sweep = SweepDir(sweep_dir)
    plan = sweep.read_plan()
    table = sweep_table(sweep.root, metric=metric, mode=mode)
    metric, keys = table.metric, list(plan["grid"])
    curves = curves_plot(sweep, plan, metric, sweep.curves_path)
    heatmap = heatmap_plot(summary_frame(sweep), keys, f"final_{metric}_mean", metric,
                           sweep.heatmap_path)
    results = results_frame(sweep)
    counts = results["status"].value_counts().to_dict()
    lines = [
        f"# Sweep {plan['name']}", "",
        f"{len(plan['trials'])} trials: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())),
        f"over {', '.join(keys) or 'seeds only'}; seeds {plan['seeds']}.", "",
        f"Sorted by final {metric} ({'lower' if table.mode == 'min' else 'higher'} is better), "
        "mean and sample std over seeds:", "",
        markdown(table.frame),
    ]
    if curves:
        lines += [f"![{metric} curves](curves.png)", ""]
    if heatmap:
        lines += [f"![{metric} heatmap](heatmap.png)", ""]
    failed = results[~results["status"].isin(["completed"])]
    if not failed.empty:
        lines += ["## Trials that did not complete", ""]
        lines += [f"- {r.trial}: {r.status}" + (f": {r.error}" if isinstance(r.error, str) else "")
                  for r in failed.itertuples()]
        lines += _resume_hint(sweep, failed["status"])
    atomic_write_text(sweep.report_path, "\n".join(lines) + "\n")
    return sweep.report_path


def _resume_hint(sweep: SweepDir, statuses) -> list[str]:
    """How to finish a sweep that stopped early: interrupted trials continue, pending ones start."""
    waiting = statuses.isin(["interrupted", "pending", "running"])
    if not waiting.any():
        return []
    count = int(waiting.sum())
    return ["", f"{count} trial{'s' * (count > 1)} did not finish: `adamctl sweep --resume "
            f"{sweep.root}` continues interrupted trials from their newest checkpoint and "
            "starts the pending ones."]
