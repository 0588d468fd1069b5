"""Grids of config values: parsing, and expansion into trials (pure functions).

A grid maps dotted config keys to the values each takes::

    optimizer.beta_1: [0.8, 0.9, 0.95]            # a list
    optimizer.epsilon: {log: [1.0e-8, 1.0e-2], num: 7}   # log-spaced, ends included
    optimizer.learning_rate: {linear: [0.001, 0.003], num: 3}

Expansion is the Cartesian product of the keys, in the order given, each
point repeated over the same seeds.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from adamctl.config.load import parse_value
from adamctl.errors import ConfigError

__all__ = ["GridPoint", "Trial", "expand", "grid_values", "parse_grid_option"]


@dataclass(frozen=True)
class GridPoint:
    """One combination of swept values, numbered in expansion order."""

    index: int
    values: tuple[tuple[str, Any], ...]

    @property
    def id(self) -> str:
        return f"p{self.index:03d}"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)


@dataclass(frozen=True)
class Trial:
    """One run of a sweep: a grid point with a seed."""

    point: GridPoint
    seed: int

    @property
    def id(self) -> str:
        return f"{self.point.id}-s{self.seed}"


def grid_values(key: str, spec: Any, *, source: str | None = None) -> list[Any]:
    """The values one key takes: a list as given, or a log/linear range, ends included.

    ``{log: [lo, hi], num: N}`` gives lo * (hi/lo)^(i/(N-1)), i = 0..N-1;
    ``{linear: [lo, hi], num: N}`` gives lo + (hi-lo) * i/(N-1).
    """
    if isinstance(spec, list):
        if not spec:
            raise ConfigError("must list at least one value", file=source, key_path=f"sweep.grid.{key}")
        return list(spec)
    if isinstance(spec, Mapping) and set(spec) in ({"log", "num"}, {"linear", "num"}):
        kind = "log" if "log" in spec else "linear"
        low, high = _bounds(key, spec[kind], kind, source)
        count = _count(key, spec["num"], source)
        return [_spaced(kind, low, high, i, count) for i in range(count)]
    raise ConfigError(
        "must be a list of values, {log: [lo, hi], num: N} or {linear: [lo, hi], num: N}",
        file=source, key_path=f"sweep.grid.{key}", value=spec,
    )


def _bounds(key: str, bounds: Any, kind: str, source: str | None) -> tuple[float, float]:
    ok = (
        isinstance(bounds, list) and len(bounds) == 2
        and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
    )
    if not ok or (kind == "log" and min(bounds) <= 0):
        need = "two positive numbers" if kind == "log" else "two numbers"
        raise ConfigError(f"{kind} must be [lo, hi]: {need}", file=source,
                          key_path=f"sweep.grid.{key}.{kind}", value=bounds)
    return float(bounds[0]), float(bounds[1])


def _count(key: str, count: Any, source: str | None) -> int:
    if not isinstance(count, int) or isinstance(count, bool) or count < 2:
        raise ConfigError("must be an integer >= 2", file=source,
                          key_path=f"sweep.grid.{key}.num", value=count)
    return count


def _spaced(kind: str, low: float, high: float, i: int, count: int) -> float:
    fraction = i / (count - 1)
    if kind == "log":
        value = math.exp(math.log(low) + (math.log(high) - math.log(low)) * fraction)
    else:
        value = low + (high - low) * fraction
    # 12 significant digits: 1e-08 stays 1e-08 instead of 9.999999999999999e-09.
    return float(f"{value:.12g}")


def expand(grid: Mapping[str, Any], seeds: Sequence[int], *, source: str | None = None) -> list[Trial]:
    """Every (grid point, seed), points in product order, seeds innermost."""
    keys = list(grid)
    axes = [grid_values(key, grid[key], source=source) for key in keys]
    points = [
        GridPoint(index, tuple(zip(keys, combination)))
        for index, combination in enumerate(itertools.product(*axes))
    ]
    return [Trial(point, int(seed)) for point in points for seed in seeds]


def parse_grid_option(text: str) -> tuple[str, Any]:
    """``KEY=v1,v2,...``, ``KEY=log:LO:HI:N`` or ``KEY=linear:LO:HI:N`` -> (key, spec).

    Each listed value is parsed as YAML, so ``true``, ``1e-8`` and ``null`` mean
    what they do in a config file.

    Raises:
        ValueError: the text has none of these forms.
    """
    key, sep, rest = text.partition("=")
    key, rest = key.strip(), rest.strip()
    if not sep or not key or not rest:
        raise ValueError(f"{text!r} is not KEY=v1,v2,... (for example optimizer.beta_1=0.8,0.9)")
    head, _, tail = rest.partition(":")
    if head in ("log", "linear") and tail:
        parts = tail.split(":")
        if len(parts) != 3:
            raise ValueError(f"{text!r}: a range is {head}:LO:HI:N (for example {head}:1e-8:1e-2:7)")
        low, high, count = (parse_value(part) for part in parts)
        return key, {head: [low, high], "num": count}
    return key, [parse_value(value) for value in rest.split(",")]
