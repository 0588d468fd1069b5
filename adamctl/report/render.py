"""Render a :class:`ReportTable` as a rich table, CSV, Markdown or JSON.

Tables keep their human headers ("val_loss mean"); JSON is an object whose
keys are snake_case (``val_loss_mean``), documented in docs/report.md.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["FORMATS", "direction_words", "format_cell", "json_key", "json_object", "markdown",
           "render_text", "rich_table"]

FORMATS = ("table", "csv", "markdown", "json")


def render_text(table: Any, fmt: str) -> str:
    """The table as text in ``fmt`` (csv, markdown or json); tables go through rich."""
    frame = table.frame
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "markdown":
        if frame.empty and table.note:
            return f"{table.title}: {table.note}\n"
        return markdown(frame)
    if fmt == "json":
        return json.dumps(json_object(table), indent=2) + "\n"
    raise ValueError(f"fmt must be one of {FORMATS[1:]}. Received: fmt={fmt!r}")


def json_object(table: Any) -> dict[str, Any]:
    """The table as one JSON object: what it is, then ``rows`` with snake_case keys.

    A run: ``kind, path, status, note, rows``; a sweep: ``kind, path, metric,
    mode, rows``. Swept keys stay dotted config keys (``optimizer.beta_1``).
    """
    head: dict[str, Any] = {"kind": table.kind, "path": str(table.path) if table.path else None}
    if table.kind == "run":
        head.update(status=table.status, note=table.note)
    else:
        head.update(metric=table.metric, mode=table.mode)
    rows = [{json_key(k): _plain(v) for k, v in row.items()}
            for row in table.frame.to_dict("records")]
    return {**head, "rows": rows}


def json_key(column: Any) -> str:
    """A column header as a JSON key: ``val_loss mean`` -> ``val_loss_mean``."""
    return "_".join(str(column).split())


def rich_table(table: Any) -> Any:
    """A ``rich.table.Table`` of the frame, numbers to 4 significant digits.

    A run with no row yet is a line saying so (``run x: no epoch completed;
    diverged at step 2``), not an empty table.
    """
    from rich.table import Table
    from rich.text import Text

    if table.frame.empty and table.note:
        return Text(f"{table.title}: {table.note}")
    out = Table(title=_title(table), caption=_caption(table))
    for column in table.frame.columns:
        out.add_column(str(column), justify="right")
    for row in table.frame.itertuples(index=False):
        out.add_row(*(format_cell(value) for value in row))
    return out


def _title(table: Any) -> str:
    return f"{table.title} ({table.status})" if table.status else table.title


def _caption(table: Any) -> str | None:
    if table.metric:
        return direction_words(table.metric, table.mode)
    return table.note


def direction_words(metric: str, mode: str | None) -> str:
    """``sorted by val_loss (lower is better)``: the one wording of a table's order."""
    return f"sorted by {metric} ({'lower' if mode == 'min' else 'higher'} is better)"


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
