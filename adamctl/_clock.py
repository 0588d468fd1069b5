"""The one clock for timestamps written to disk: local time with its UTC offset, to the second."""

from __future__ import annotations

import datetime as _dt

__all__ = ["now_iso"]


def now_iso() -> str:
    """Now as ISO 8601 with the offset (``2026-01-01T12:00:00+01:00``), so files from
    machines in different zones still order correctly."""
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")
