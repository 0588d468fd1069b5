"""``--budget 2h``: a length of time as a click parameter type."""

from __future__ import annotations

import re

import click

__all__ = ["Duration", "parse_duration"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")


def parse_duration(text: str) -> float:
    """Seconds in ``90s``, ``30m``, ``2h``, ``1h30m`` or ``1d``; ValueError otherwise."""
    text = text.strip().lower()
    parts = _PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(text)
    seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise ValueError(text)
    return seconds


class Duration(click.ParamType):
    """A positive duration such as ``2h`` or ``1h30m``, converted to seconds."""

    name = "DURATION"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return parse_duration(value)
        except ValueError:
            self.fail(f"{value!r} is not a duration: write it as 90s, 30m, 2h, 1h30m or 1d",
                      param, ctx)
