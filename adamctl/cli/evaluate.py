"""``adamctl evaluate RUN``: a finished run's final model measured on its data, or other data."""

from __future__ import annotations

import json
from pathlib import Path

import click

from adamctl.cli.options import overrides_option

__all__ = ["command"]


@click.command("evaluate")
@click.argument("run_dir", metavar="RUN", type=click.Path(exists=True, file_okay=False, path_type=Path))
@overrides_option
@click.option("--split", type=click.Choice(["validation", "train"]), default="validation",
              show_default=True, help="Which split of the (overridden) data to evaluate on.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
def command(run_dir: Path, overrides: tuple[str, ...], split: str, fmt: str) -> None:
    """Evaluate a finished run's final weights: loss and metrics on a data split.

    The data is rebuilt from the run's config.yaml (same source, seed and
    split), so by default this repeats the run's last validation. Only
    data.* keys may be overridden, e.g. to point at another file; a relative
    data.path is taken from the current directory.

    \b
    Example:
      adamctl evaluate runs/quickstart-20260101-120000
      adamctl evaluate runs/tabular-20260101-120000 --set data.path=holdout.csv --format json
    """
    from adamctl.training.evaluate import evaluate_run

    metrics = evaluate_run(run_dir, overrides=overrides, split=split)
    if fmt == "json":
        click.echo(json.dumps(metrics, indent=2))
        return
    from rich.table import Table

    from adamctl.cli.render import stdout_console
    from adamctl.report import format_cell

    table = Table(title=f"{run_dir} ({split})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics.items():
        table.add_row(name, format_cell(value))
    stdout_console().print(table)
