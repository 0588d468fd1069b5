"""Consoles shared by the commands (rich on a terminal, plain otherwise), and a run's table.

Tables are drawn by :func:`adamctl.report.rich_table` only, so runs and
sweeps show numbers the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

__all__ = ["metrics_table", "progress_console", "stdout_console"]


def progress_console(quiet: bool) -> Console | None:
    """A console on stderr for progress, or None when quiet.

    On a terminal it draws a live bar; otherwise (nohup, CI, ``| tee``)
    training writes one plain line per epoch to it, so a long run is not silent.
    """
    if quiet:
        return None
    return Console(stderr=True)


def stdout_console() -> Console:
    """A console on stdout for results (tables are plain text, 160 columns wide, when piped)."""
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)


def metrics_table(run_dir: Path, *, title: str = "metrics") -> Table:
    """A run's metrics per epoch as a rich table, in the one format of every report table."""
    from adamctl.report import rich_table, run_table

    return rich_table(run_table(run_dir, title=title))
