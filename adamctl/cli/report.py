"""``adamctl report PATH``: the table of a run or a sweep, as a table, CSV, Markdown or JSON.

Printing is read-only: only ``--write`` rewrites files (a sweep's report.md
and plots, a run's curves.png), so a report can be printed from a sweep that
is still running, or from a directory one may only read.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["command"]


@click.command("report")
@click.argument("path", metavar="PATH", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "markdown", "json"]),
              default="table", show_default=True, help="Output format.")
@click.option("--metric", help="Sweeps: the metric to sort by (default: sweep.metric).")
@click.option("--mode", type=click.Choice(["min", "max"]),
              help="Sweeps: which way is better (default: the sweep's mode for its own metric; "
              "for another, max for accuracy-like names, min for losses and errors).")
@click.option("--write", is_flag=True,
              help="Also rewrite the files: a sweep's report.md and PNG plots (for --metric), "
              "a run's curves.png and diagnostics.png. Without it nothing is written.")
def command(path: Path, fmt: str, metric: str | None, mode: str | None, write: bool) -> None:
    """Show a run's metrics per epoch, or a sweep's grid points sorted by its metric.

    A sweep's table shows the swept keys, the metric's mean and std over
    seeds, the number of completed seeds and each point's trial statuses.
    With --write, a sweep's report.md and plots, or a run's curves.png (loss
    and metrics with their val_ twins, learning rate below) and, with
    training.diagnostics_every, diagnostics.png (epsilon dominance and
    effective-lr percentiles per variable over steps), are rewritten.

    \b
    Example:
      adamctl report runs/quickstart-sweep-20260101-120000
      adamctl report runs/quickstart-sweep-20260101-120000 --metric val_accuracy --write
      adamctl report runs/quickstart-20260101-120000 --format json
    """
    from adamctl.report import load_report, render_text, rich_table, write_report_files

    table = load_report(path, metric=metric, mode=mode)
    if write:
        for written in write_report_files(table):
            click.echo(f"wrote {written}", err=True)
    if fmt == "table":
        from adamctl.cli.render import stdout_console

        stdout_console().print(rich_table(table))
    else:
        click.echo(render_text(table, fmt), nl=False)
