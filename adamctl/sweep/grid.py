"""Grids of config values expanded into trials (pure functions).

A grid maps dotted config keys to the values each takes::

    optimizer.beta_1: [0.8, 0.9, 0.95]            # a list
    optimizer.epsilon: {log: [1.0e-8, 1.0e-2], num: 7}   # log-spaced, ends included
    optimizer.learning_rate: {linear: [0.001, 0.003], num: 3}

Expansion is the Cartesian product of the keys, in the order given, each
point repeated over the same seeds. Grids are parsed and checked by the
config layer alone, whether written in ``sweep.grid`` or given with
``--grid`` (:func:`adamctl.config.load_config`); nothing here checks them again.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

__all__ = ["GridPoint", "Trial", "expand", "grid_values"]


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
    """One run of a sweep: a grid point with a seed.

    ``attempt`` counts the runs of that (point, seed): ``sweep --rerun``
    gives a failed trial a fresh directory under a new id (``-r2``, ``-r3``...),
    so an id is never reused and the old directory stays as history.
    """

    point: GridPoint
    seed: int
    attempt: int = 1

    @property
    def id(self) -> str:
        first = f"{self.point.id}-s{self.seed}"
        return first if self.attempt == 1 else f"{first}-r{self.attempt}"

    def again(self) -> "Trial":
        """The next attempt at the same point and seed."""
        return Trial(self.point, self.seed, self.attempt + 1)


def grid_values(spec: list[Any] | Mapping[str, Any]) -> list[Any]:
    """The values one key takes: a list as given, or a log/linear range, ends included.

    ``{log: [lo, hi], num: N}`` gives lo * (hi/lo)^(i/(N-1)), i = 0..N-1;
    ``{linear: [lo, hi], num: N}`` gives lo + (hi-lo) * i/(N-1). ``spec`` has
    been checked by the config layer (:mod:`adamctl.config._grid`): a
    non-empty list, or a range with finite ends (positive for log) and a
    bounded count.
    """
    if isinstance(spec, list):
        return list(spec)
    scale = "log" if "log" in spec else "linear"
    low, high = (float(bound) for bound in spec[scale])
    count = spec["num"]
    return [_spaced(scale, low, high, i, count) for i in range(count)]


def _spaced(kind: str, low: float, high: float, i: int, count: int) -> float:
    fraction = i / (count - 1)
    if kind == "log":
        value = math.exp(math.log(low) + (math.log(high) - math.log(low)) * fraction)
    else:
        value = low + (high - low) * fraction
    # 12 significant digits: 1e-08 stays 1e-08 instead of 9.999999999999999e-09.
    return float(f"{value:.12g}")


def expand(grid: Mapping[str, Any], seeds: Sequence[int]) -> list[Trial]:
    """Every (grid point, seed), points in product order, seeds innermost."""
    keys = list(grid)
    axes = [grid_values(grid[key]) for key in keys]
    points = [
        GridPoint(index, tuple(zip(keys, combination)))
        for index, combination in enumerate(itertools.product(*axes))
    ]
    return [Trial(point, int(seed)) for point in points for seed in seeds]
