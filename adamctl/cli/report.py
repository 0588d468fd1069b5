"""``adamctl report PATH``: the table of a run or a sweep, as a table, CSV, Markdown or JSON."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["command"]


@click.command("report")
@click.argument("path", metavar="PATH", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "markdown", "json"]),
              default="table", show_default=True, help="Output format.")
@click.option("--metric", help="Sweeps: the metric to sort by (default: sweep.metric).")
@click.option("--mode", type=click.Choice(["min", "max"]), help="Sweeps: which way is better.")
@click.option("--plots/--no-plots", default=True, show_default=True,
              help="Sweeps: also rewrite report.md and the PNG plots beside it.")
def command(path: Path, fmt: str, metric: str | None, mode: str | None, plots: bool) -> None:
    """Show a run's metrics per epoch, or a sweep's grid points sorted by its metric.

    A sweep's table shows only the swept keys, the metric's mean and std over
    seeds, and the number of seeds.

    \b
    Example:
      adamctl report runs/quickstart-sweep-20260101-120000
      adamctl report runs/quickstart-20260101-120000 --format csv
    """
    from adamctl.report import load_report, render_text, rich_table, write_sweep_report

    table = load_report(path, metric=metric, mode=mode)
    if table.kind == "sweep" and plots:
        write_sweep_report(path)
    if fmt == "table":
        from adamctl.cli.render import stdout_console

        stdout_console().print(rich_table(table))
    else:
        click.echo(render_text(table, fmt), nl=False)
