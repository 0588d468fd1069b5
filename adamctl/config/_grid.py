"""The ``sweep`` section checked before any trial runs: seeds, grid keys, grid values.

Each grid key must be the dotted path of one config key (``optimizer.beta_1``,
``data.batch_size``); a path that names nothing is refused with the closest
valid path. Each grid value is a non-empty list of values, or a range::

    {log: [lo, hi], num: N}      # lo, hi > 0
    {linear: [lo, hi], num: N}   # N >= 2

With ``search`` random, qmc or tpe the grid is a search space instead, and
three more shapes are ranges to sample from (a list is then a choice)::

    {log: [lo, hi]}      # log-uniform, 0 < lo <= hi
    {linear: [lo, hi]}   # uniform, lo <= hi
    {int: [lo, hi]}      # an integer, lo <= hi

Every listed value, and both ends of a range, goes through the same checks
as the key would in the file (its type, choices and range, or the
optimizer's own checks), so that a bad value stops the sweep before any
trial starts. The grid is not expanded here: that belongs to
:mod:`adamctl.sweep`, which also checks each full trial config. The number
of trials (grid points times seeds) is capped at :data:`MAX_TRIALS` here,
before anything is expanded, because each trial's config is built and
resolved up front.

This is the one check of a grid, whether it was written in the file or
given with ``--grid`` (an override of ``sweep.grid.KEY``): errors name the
file line or the option.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

from adamctl.config._walk import (
    KeyPath,
    Where,
    closest,
    convert_field,
    fields_of,
    hints_of,
    section_class,
)
from adamctl.config.overrides import NotAMapping, set_path
from adamctl.config.schema import Config, SweepConfig
from adamctl.errors import ConfigError, InvalidArgument

__all__ = ["MAX_TRIALS", "check_sweep", "count_points"]

# Each trial's config is resolved before the first one runs (about a
# millisecond each), and each gets a run directory: 10,000 is far beyond a
# grid anyone runs on one machine, and still takes seconds to plan.
MAX_TRIALS = 10_000

_SHAPES = "a non-empty list of values, {log: [lo, hi], num: N} or {linear: [lo, hi], num: N}"
_SEARCH_SHAPES = ("a non-empty list of values (a choice), {log: [lo, hi]}, {linear: [lo, hi]}, "
                  "{int: [lo, hi]} or a range with num")
_SEARCH_ONLY = "is used by a search only: set sweep.search (--search random|qmc|tpe)"
_NOT_SWEPT = {
    "seed": "is set per trial from sweep.seeds; list the seeds there",
    "sweep": "cannot be swept",
}
_Check = Callable[[Any, KeyPath], None]
_SAMPLED = ("log", "linear", "int")  # range shapes without num: a search samples from them


def check_sweep(sweep: SweepConfig, optimizer: Mapping[str, Any], where: Where) -> None:
    """Check the seeds and every grid key and value; ``optimizer`` is the raw section.

    Raises:
        ConfigError: the first problem, at ``sweep.grid.<key>`` (and the
            index of the offending value).
    """
    _check_seeds(sweep.seeds, where)
    searching = _check_search(sweep, where)
    _check_executor(sweep, where)
    points = 1
    for key, spec in sweep.grid.items():
        path = ("sweep", "grid", key)
        check = _key_check(key, path, optimizer, where)
        for value_path, value in _grid_values(spec, path, where, searching=searching):
            check(value, value_path)
        points *= sweep.trials if searching else _axis_size(spec)
        if points * len(sweep.seeds) > MAX_TRIALS:
            raise where.error(f"makes more than {MAX_TRIALS} trials ({points} grid points so far, "
                              f"times {len(sweep.seeds)} seeds): sweep fewer values", path)


def _check_search(sweep: SweepConfig, where: Where) -> bool:
    """Whether ``sweep`` is a search; its trial count and pruner fit its kind."""
    if sweep.search == "grid":
        for key in ("trials", "prune"):
            if getattr(sweep, key) is not None:
                raise where.error(_SEARCH_ONLY, ("sweep", key), getattr(sweep, key))
        return False
    if sweep.trials is None:
        raise where.error(f"must be given with search: {sweep.search} (--trials N)",
                          ("sweep", "trials"), None)
    if sweep.trials > MAX_TRIALS:
        raise where.error(f"must be at most {MAX_TRIALS}", ("sweep", "trials"), sweep.trials)
    if not sweep.grid:
        raise where.error("a search needs a space: give --grid KEY=log:LO:HI (or a list)",
                          ("sweep", "grid"), {})
    return True


def _check_executor(sweep: SweepConfig, where: Where) -> None:
    """A population size only beside the population executor, which runs grids only."""
    if sweep.population_size is not None and sweep.executor not in (None, "population"):
        raise where.error(f"needs executor population; sweep.executor is {sweep.executor}",
                          ("sweep", "population_size"), sweep.population_size)
    if sweep.executor == "population" and sweep.search != "grid":
        raise where.error(f"population runs grid sweeps; search: {sweep.search} draws its points "
                          "one by one: use executor local", ("sweep", "executor"), sweep.executor)


def count_points(grid: Mapping[str, Any]) -> int:
    """How many grid points a checked grid has: the product of its axes' sizes."""
    return math.prod(_axis_size(spec) for spec in grid.values())


def _axis_size(spec: Any) -> int:
    return spec["num"] if isinstance(spec, Mapping) else len(spec)


def _check_seeds(seeds: tuple[int, ...], where: Where) -> None:
    for index, seed in enumerate(seeds):
        if seed in seeds[:index]:
            raise where.error("lists this seed twice", ("sweep", "seeds", index), seed)


def _key_check(key: Any, path: KeyPath, optimizer: Mapping[str, Any], where: Where) -> _Check:
    """How to check one value of the grid key ``key``, or the error that it names nothing."""
    parts = key.split(".") if isinstance(key, str) else []
    if not parts or not all(parts):
        raise where.error("must be the dotted path of a config key, such as optimizer.beta_1",
                          path)
    cls: type = Config
    for depth, part in enumerate(parts):
        fields = fields_of(cls)
        if part not in fields:
            near = closest(part, list(fields))
            raise where.error("names no config key", path,
                              suggestion=".".join([*parts[:depth], near, *parts[depth + 1:]])
                              if near else None)
        if cls is Config and part in _NOT_SWEPT:
            raise where.error(_NOT_SWEPT[part], path)
        if cls is Config and part == "optimizer":
            return _optimizer_check(tuple(parts[1:]), optimizer, where)
        field, hint = fields[part], hints_of(cls)[part]
        inner = section_class(hint)
        if inner is None and depth < len(parts) - 1:
            raise where.error(f"names no config key: {'.'.join(parts[:depth + 1])} has no keys",
                              path)
        if inner is None:
            return _field_check(field, hint, where)
        if depth == len(parts) - 1:
            raise where.error(f"names the whole {key} section: sweep one of its keys", path)
        cls = inner
    raise AssertionError("unreachable: the loop returns or raises")


def _field_check(field: Any, hint: Any, where: Where) -> _Check:
    """Check a value of a schema field as :func:`resolve` checks it in the file."""

    def check(value: Any, at: KeyPath) -> None:
        convert_field(field, hint, value, at, where)

    return check


def _optimizer_check(keys: tuple[str, ...], optimizer: Mapping[str, Any], where: Where) -> _Check:
    """Check a value of ``optimizer.<keys>`` by normalizing the optimizer section with it."""
    from adamctl.core import spec as core_spec  # stays keras-free; imported when first needed

    swept = ".".join(keys)
    if not keys:
        raise where.error("names the whole optimizer section: sweep one of its keys",
                          ("sweep", "grid", "optimizer"))

    def check(value: Any, at: KeyPath) -> None:
        try:
            core_spec.normalize_spec(set_path(optimizer, keys, value))
        except NotAMapping as error:
            inside = ".".join(keys[:error.depth + 1])
            raise where.error(f"cannot be set: optimizer.{inside} is not a mapping", at,
                              value) from None
        except InvalidArgument as error:
            raise _optimizer_error(error, swept, value, at, where) from None

    return check


def _optimizer_error(error: InvalidArgument, swept: str, value: Any, at: KeyPath,
                     where: Where) -> ConfigError:
    """The core's complaint about a swept optimizer value, placed at the grid value."""
    if error.argument == swept:
        return where.error(f"must be {error.allowed}", at, value, error.suggestion)
    other = ConfigError.from_invalid(error, prefix="optimizer")  # another argument objects
    return where.error(f"with this value, {other}", at, value)


def _grid_values(spec: Any, path: KeyPath, where: Where, *,
                 searching: bool) -> list[tuple[KeyPath, Any]]:
    """(path, value) for each listed value, or for both ends of a range."""
    if isinstance(spec, list) and spec:
        return [(path + (index,), value) for index, value in enumerate(spec)]
    if isinstance(spec, Mapping) and len(spec) == 1 and next(iter(spec)) in _SAMPLED:
        if not searching:
            raise where.error("is a range without num, which only a search samples from: give "
                              "num (log:LO:HI:N) or --search random|qmc|tpe", path, spec)
        scale = next(iter(spec))
        low, high = _check_bounds(spec[scale], scale, path + (scale,), where)
        if low > high:
            raise where.error("must be [lo, hi] with lo <= hi", path + (scale,), spec[scale])
        return [(path + (scale, 0), low), (path + (scale, 1), high)]
    if isinstance(spec, Mapping) and "num" in spec and len(spec) == 2:
        scale = "log" if "log" in spec else "linear" if "linear" in spec else None
        if scale is not None:
            _check_count(spec["num"], path + ("num",), where)
            low, high = _check_bounds(spec[scale], scale, path + (scale,), where)
            return [(path + (scale, 0), low), (path + (scale, 1), high)]
    raise where.error(f"must be {_SEARCH_SHAPES if searching else _SHAPES}", path, spec)


def _check_count(count: Any, path: KeyPath, where: Where) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= MAX_TRIALS:
        raise where.error(f"must be an integer in [2, {MAX_TRIALS}]", path, count)


def _check_bounds(bounds: Any, scale: str, path: KeyPath, where: Where) -> tuple[float, float]:
    numbers = isinstance(bounds, list) and len(bounds) == 2 and all(
        isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b)
        for b in bounds)
    if scale == "int" and not (numbers and all(isinstance(b, int) for b in bounds)):
        raise where.error("must be [lo, hi]: two integers", path, bounds)
    if scale == "log" and not (numbers and min(bounds) > 0):
        raise where.error("must be [lo, hi]: two finite numbers > 0", path, bounds)
    if not numbers:
        raise where.error("must be [lo, hi]: two finite numbers", path, bounds)
    return bounds[0], bounds[1]
