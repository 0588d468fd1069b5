"""The files a report can write, for ``adamctl report --write`` and notebooks.

Kept apart from loading and rendering, which never write: printing a report
is read-only, and only this call rewrites files.
"""

from __future__ import annotations

from pathlib import Path

from adamctl.store import RunDir, SweepDir

__all__ = ["write_report_files"]


def write_report_files(table) -> list[Path]:
    """Write what belongs beside ``table``'s directory; return the paths written.

    A sweep: report.md, curves.png and (two-key grids) heatmap.png, for the
    table's metric and direction. A run: curves.png, unless no epoch completed,
    and diagnostics.png when it records diagnostics.
    """
    if table.kind == "sweep":
        from adamctl.report.sweep_report import write_sweep_report

        sweep = SweepDir(table.path)
        report = write_sweep_report(sweep, metric=table.metric, mode=table.mode)
        return [report, *(p for p in (sweep.curves_path, sweep.heatmap_path) if p.is_file())]
    from adamctl.report.diagnostics_plot import diagnostics_plot
    from adamctl.report.run_plots import run_curves_plot

    run = RunDir(table.path)
    return [path for path in (run_curves_plot(run), diagnostics_plot(run)) if path]
