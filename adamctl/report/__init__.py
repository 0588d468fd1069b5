"""Reading results back: tables (pandas), their rendering, the sweep report and its plots.

Example::

    from adamctl.report import load_report, render_text

    table = load_report("runs/quickstart-sweep-20260101-120000")
    print(render_text(table, "markdown"))

Importing this package loads neither pandas nor matplotlib; the functions do.
"""

from adamctl.report.render import FORMATS, format_cell, json_object, render_text, rich_table
from adamctl.report.sweep_report import write_sweep_report
from adamctl.report.tables import ReportTable, load_report, run_table, sweep_table
from adamctl.report.write import write_report_files

__all__ = [
    "FORMATS",
    "ReportTable",
    "format_cell",
    "json_object",
    "load_report",
    "render_text",
    "rich_table",
    "run_table",
    "sweep_table",
    "write_report_files",
    "write_sweep_report",
]
