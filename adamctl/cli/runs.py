"""``adamctl runs [DIR]``: one row per run or sweep, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import click

from adamctl.store.catalog import SORT_KEYS
from adamctl.store.rundir import RUNS_ROOT

__all__ = ["command", "render_rows"]

_COLUMNS = ("name", "kind", "trials", "status", "started", "duration_s", "steps", "metric",
            "final", "best", "path", "reason")


@click.command("runs")
@click.argument("root", metavar="[DIR]", required=False, default=str(RUNS_ROOT),
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--status", help="Only rows with this status (completed, running, broken, ...).")
@click.option("--name", "name_glob", metavar="GLOB", help="Only runs whose name matches GLOB.")
@click.option("--sort", "sort_key", type=click.Choice(SORT_KEYS), default="started",
              show_default=True, help="Sort by this column (final/best: best first).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format.")
def command(root: Path, status: str | None, name_glob: str | None, sort_key: str,
            fmt: str) -> None:
    """List the runs and sweeps under DIR (default runs/): status, steps, main metric.

    Only summary.json files are read. A run whose summary.json is missing
    or damaged is listed with status "broken" and the reason.

    \b
    Example:
      adamctl runs
      adamctl runs runs/ --status completed --sort best
      adamctl runs --name 'digits*' --format csv
    """
    from adamctl.store.catalog import runs_table

    rows = runs_table(root, status=status, name=name_glob, sort=sort_key)
    records = [row.as_dict() for row in rows]
    if fmt == "table":
        from adamctl.cli.render import stdout_console

        stdout_console().print(_rich(records, root))
    else:
        click.echo(render_rows(records, fmt), nl=False)


def render_rows(records: list[dict[str, Any]], fmt: str) -> str:
    """The rows as CSV (a header even when empty) or a JSON list."""
    if fmt == "json":
        return json.dumps(records, indent=2) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def _rich(records: list[dict[str, Any]], root: Path) -> Any:
    from rich.table import Table

    from adamctl.report import format_cell

    table = Table(title=f"{len(records)} runs and sweeps under {root}")
    shown = ("name", "kind", "status", "started", "duration_s", "steps", "metric", "final",
             "best", "path", "reason")
    for column in shown:
        table.add_column(column, justify="left" if column in ("name", "path", "reason") else "right")
    for record in records:
        cells = dict(record)
        if record["kind"] == "sweep":
            cells["kind"] = f"sweep ({record['trials']} trials)"
        # The folder is in the title; rows show the rest of each path, and
        # the start to the minute, so that a row fits a terminal.
        cells["path"] = _relative(record["path"], root)
        cells["started"] = (record["started"] or "")[:16].replace("T", " ")
        table.add_row(*(format_cell(cells[column]) for column in shown))
    return table


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root)) or "."
    except ValueError:
        return path
