"""A search space: the checked ``sweep.grid`` read as Optuna distributions.

The grid's syntax is kept whole (``--grid KEY=log:LO:HI`` and the YAML
``sweep.grid`` alike); a search reads its shapes as::

    {log: [lo, hi]}            log-uniform float in [lo, hi]
    {linear: [lo, hi]}         uniform float in [lo, hi]
    {int: [lo, hi]}            integer in [lo, hi], both ends included
    [a, b, c]                  a choice among the values
    {log: [lo, hi], num: N}    a choice among the N grid values

The space was checked by the config layer (:mod:`adamctl.config._grid`):
finite bounds, positive for log, lo <= hi, integers for int. Optuna is
imported only when the distributions are built.
"""

from __future__ import annotations

from typing import Any, Mapping

from adamctl.sweep.grid import grid_values

__all__ = ["distributions", "describe"]


def distributions(space: Mapping[str, Any]) -> dict[str, Any]:
    """Each swept key's ``optuna.distributions.BaseDistribution``."""
    return {key: _distribution(spec) for key, spec in space.items()}


def describe(spec: Any) -> str:
    """How one key is sampled, in words (for ``--dry-run``)."""
    if isinstance(spec, Mapping) and "num" not in spec:
        scale, (low, high) = next(iter(spec.items()))
        kind = {"log": "log-uniform", "linear": "uniform", "int": "integer"}[scale]
        return f"{kind} in [{low}, {high}]"
    return "one of " + ", ".join(repr(value) for value in grid_values(spec))


def _distribution(spec: Any) -> Any:
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    if isinstance(spec, Mapping) and "num" not in spec:
        scale, (low, high) = next(iter(spec.items()))
        if scale == "int":
            return IntDistribution(int(low), int(high))
        return FloatDistribution(float(low), float(high), log=scale == "log")
    # Optuna stores a choice by index; a choice's values must be plain scalars.
    return CategoricalDistribution(tuple(grid_values(spec)))
