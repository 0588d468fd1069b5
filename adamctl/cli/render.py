"""Consoles and tables shared by the commands (rich on a terminal, plain otherwise)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

__all__ = ["metrics_table", "progress_console", "stdout_console"]


def progress_console(quiet: bool) -> Console | None:
    """A console on stderr for live progress, or None when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    return Console(stderr=True)


def stdout_console() -> Console:
    """A console on stdout for results (tables are plain text, 160 columns wide, when piped)."""
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)


def metrics_table(metrics_csv: Path, *, title: str = "metrics") -> Table:
    """The rows of a ``metrics.csv`` as a rich table, numbers shown to 4 significant digits."""
    from adamctl.training.metrics_file import read_metrics_rows

    rows = read_metrics_rows(metrics_csv)
    table = Table(title=title)
    columns = list(rows[0]) if rows else ["epoch"]
    for column in columns:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*(_short(row.get(column, "")) for column in columns))
    return table


def _short(text: str) -> str:
    try:
        number = float(text)
    except ValueError:
        return text
    return text if number.is_integer() and "." not in text and "e" not in text else f"{number:.4g}"
