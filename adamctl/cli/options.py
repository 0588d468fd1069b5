"""Options shared by several commands, as plain decorators."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click

__all__ = ["GpuList", "KeyValue", "config_argument", "grid_option", "overrides_option", "quiet_option"]


class KeyValue(click.ParamType):
    """``KEY.PATH=VALUE``: a dotted config key and a YAML value."""

    name = "KEY.PATH=VALUE"

    def __init__(self, example: str = "optimizer.beta_1=0.95") -> None:
        self.example = example

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        key, sep, _ = text.partition("=")
        if not sep or not key.strip():
            self.fail(f"{text!r} is not KEY.PATH=VALUE (for example {self.example})", param, ctx)
        if any(not part for part in key.strip().split(".")):
            self.fail(f"{text!r} has an empty part in its key {key!r}", param, ctx)
        return text


class GpuList(click.ParamType):
    """``0,1``: comma-separated GPU indices, each once."""

    name = "GPUS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        if isinstance(value, tuple):
            return value
        parts = [part.strip() for part in str(value).split(",")]
        if not all(part.isdigit() for part in parts):
            self.fail(f"{value!r} is not a list of GPU indices (for example 0,1)", param, ctx)
        gpus = tuple(int(part) for part in parts)
        if len(set(gpus)) != len(gpus):
            self.fail(f"{value!r} names a GPU twice", param, ctx)
        return gpus


class StatusList(click.ParamType):
    """``failed,diverged``: trial statuses that ``sweep --resume --rerun`` runs again."""

    name = "STATUSES"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None):
        from adamctl.sweep.lifecycle import RERUNNABLE

        if isinstance(value, tuple):
            return value
        statuses = tuple(dict.fromkeys(part.strip() for part in str(value).split(",")))
        unknown = [status for status in statuses if status not in RERUNNABLE]
        if unknown:
            self.fail(f"{', '.join(map(repr, unknown))} is not a status to rerun; choose among "
                      f"{', '.join(RERUNNABLE)} (comma-separated)", param, ctx)
        return statuses


def overrides_option(function: Callable) -> Callable:
    """``--set KEY.PATH=VALUE``, repeatable: override any config key."""
    return click.option(
        "--set", "overrides", multiple=True, type=KeyValue(), metavar="KEY.PATH=VALUE",
        help="Override a config key; the value is parsed as YAML. Repeatable.",
    )(function)


def grid_option(function: Callable) -> Callable:
    """``--grid KEY.PATH=VALUES``, repeatable: the override ``--set sweep.grid.KEY.PATH=VALUES``.

    Only the KEY.PATH= form is checked here; the values are parsed and
    checked by the config layer, with the file's ``sweep.grid``.
    """
    return click.option(
        "--grid", "grid_options", multiple=True, type=KeyValue("optimizer.beta_1=0.8,0.9"),
        metavar="KEY=V1,V2,...",
        help="Sweep KEY over values: KEY=V1,V2,..., KEY=[V1, V2] (YAML, for list values), or a "
        "range KEY=log:LO:HI:N or KEY=linear:LO:HI:N. Repeatable; sets sweep.grid.KEY.",
    )(function)


def quiet_option(function: Callable) -> Callable:
    """``--quiet``: no progress display, no tables; only the result path."""
    return click.option(
        "--quiet", "-q", is_flag=True, help="Print only the result path: no progress, no table."
    )(function)


def config_argument(function: Callable) -> Callable:
    """The CONFIG argument: a YAML file."""
    return click.argument(
        "config_path", metavar="CONFIG", type=click.Path(dir_okay=False, path_type=Path)
    )(function)
