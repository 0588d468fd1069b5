"""``report.md`` and the PNG plots beside it, for a finished (or partial) sweep."""

from __future__ import annotations

from pathlib import Path

import yaml

from adamctl._atomic import atomic_write_text

__all__ = ["write_sweep_report"]


def write_sweep_report(sweep_dir: Path) -> Path:
    """Write ``curves.png``, ``heatmap.png`` (two-key grids) and ``report.md``; return the report."""
    import pandas as pd

    from adamctl.report.plots import curves_plot, heatmap_plot
    from adamctl.report.render import markdown
    from adamctl.report.tables import sweep_table

    sweep_dir = Path(sweep_dir)
    plan = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    table = sweep_table(sweep_dir)
    metric, keys = table.metric, list(plan["grid"])
    summary_path = sweep_dir / "summary.csv"
    summary = pd.read_csv(summary_path) if summary_path.is_file() else pd.DataFrame()
    curves = curves_plot(sweep_dir, plan, metric, sweep_dir / "curves.png")
    heatmap = heatmap_plot(summary, keys, f"final_{metric}_mean", metric, sweep_dir / "heatmap.png")
    results = pd.read_csv(sweep_dir / "results.csv")
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
        lines += [f"- {r.trial}: {r.status}: {r.error}" for r in failed.itertuples()]
    path = sweep_dir / "report.md"
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path
