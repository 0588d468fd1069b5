"""Render a :class:`ReportTable` as a rich table, CSV, Markdown or JSON."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["FORMATS", "format_cell", "render_text", "rich_table", "markdown"]

FORMATS = ("table", "csv", "markdown", "json")


def render_text(table: Any, fmt: str) -> str:
    """The table as text in ``fmt`` (csv, markdown or json); tables go through rich."""
    frame = table.frame
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "markdown":
        return markdown(frame)
    if fmt == "json":
        records = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
        return json.dumps(records, indent=2) + "\n"
    raise ValueError(f"fmt must be one of {FORMATS[1:]}. Received: fmt={fmt!r}")


def rich_table(table: Any) -> Any:
    """A ``rich.table.Table`` of the frame, numbers to 4 significant digits."""
    from rich.table import Table

    caption = None
    if table.metric:
        caption = f"sorted by {table.metric} ({'lower' if table.mode == 'min' else 'higher'} is better)"
    out = Table(title=table.title, caption=caption)
    for column in table.frame.columns:
        out.add_column(str(column), justify="right")
    for row in table.frame.itertuples(index=False):
        out.add_row(*(format_cell(value) for value in row))
    return out


def markdown(frame: Any) -> str:
    """A GitHub-flavoured Markdown table."""
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---:" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(format_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"


def format_cell(value: Any) -> str:
    """The one number format of every table: floats to 4 significant digits, NaN blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _plain(value: Any) -> Any:
    """NumPy scalars to Python, NaN to null."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
