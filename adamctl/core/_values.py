"""Checks of the spec's structured values: schedules by name, weight-decay exclusions.

A learning rate or a beta may be a mapping naming a schedule in a fixed
table, ``{schedule: CosineDecay, initial_learning_rate: 0.001, decay_steps:
1000}``; each check returns the mapping with its defaults filled. Nothing
in a spec can name code to import or evaluate. Nothing here imports Keras.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any, Callable, Mapping

from adamctl.core._checks import (
    check_bool,
    check_int_at_least,
    check_non_negative,
    check_optional,
    check_positive,
    check_unit_interval,
    is_number,
)
from adamctl.errors import InvalidArgument

__all__ = ["BETA_SCHEDULES", "LR_SCHEDULES", "check_beta", "check_exclude", "check_learning_rate"]

_REQUIRED = object()

# Keras 3's learning-rate schedules: argument -> default (_REQUIRED: none).
LR_SCHEDULES: dict[str, dict[str, Any]] = {
    "ExponentialDecay": {"initial_learning_rate": _REQUIRED, "decay_steps": _REQUIRED,
                         "decay_rate": _REQUIRED, "staircase": False},
    "PiecewiseConstantDecay": {"boundaries": _REQUIRED, "values": _REQUIRED},
    "PolynomialDecay": {"initial_learning_rate": _REQUIRED, "decay_steps": _REQUIRED,
                        "end_learning_rate": 0.0001, "power": 1.0, "cycle": False},
    "InverseTimeDecay": {"initial_learning_rate": _REQUIRED, "decay_steps": _REQUIRED,
                         "decay_rate": _REQUIRED, "staircase": False},
    "CosineDecay": {"initial_learning_rate": _REQUIRED, "decay_steps": _REQUIRED,
                    "alpha": 0.0, "warmup_target": None, "warmup_steps": 0},
    "CosineDecayRestarts": {"initial_learning_rate": _REQUIRED, "first_decay_steps": _REQUIRED,
                            "t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0},
}

# adamctl's beta schedules (adamctl.core.schedules): argument -> default.
BETA_SCHEDULES: dict[str, dict[str, Any]] = {
    "constant": {"value": _REQUIRED},
    "linear": {"start": _REQUIRED, "end": _REQUIRED, "steps": _REQUIRED},
    "cosine": {"start": _REQUIRED, "end": _REQUIRED, "steps": _REQUIRED},
}


def check_learning_rate(name: str, value: Any) -> Any:
    """A float > 0, or a Keras learning-rate schedule by name with its arguments."""
    if isinstance(value, Mapping):
        return _schedule(name, value, LR_SCHEDULES, "a Keras learning-rate schedule")
    return check_positive(name, value)


def check_beta(name: str, value: Any) -> Any:
    """A float in [0, 1), or a beta schedule by name whose betas are in [0, 1)."""
    if isinstance(value, Mapping):
        schedule = _schedule(name, value, BETA_SCHEDULES, "a beta schedule")
        for key in ("value", "start", "end"):
            if key in schedule:
                check_unit_interval(f"{name}.{key}", schedule[key])
        if "steps" in schedule:
            schedule["steps"] = check_int_at_least(f"{name}.steps", schedule["steps"], 1)
        return schedule
    return check_unit_interval(name, value)


def _schedule(name: str, value: Mapping[str, Any], table: dict[str, dict[str, Any]],
              what: str) -> dict[str, Any]:
    kind = value.get("schedule")
    if kind not in table:
        close = difflib.get_close_matches(str(kind), list(table), n=1)
        raise InvalidArgument(f"{name}.schedule", kind, f"{what}: one of " + ", ".join(table),
                              suggestion=close[0] if close else None)
    signature = table[kind]
    for key in value:
        if key != "schedule" and key not in signature:
            close = difflib.get_close_matches(str(key), list(signature), n=1)
            raise InvalidArgument(f"{name}.{key}", value[key], f"an argument of {kind} ("
                                  + ", ".join(signature) + ")", suggestion=close[0] if close else None)
    result: dict[str, Any] = {"schedule": kind}
    for key, default in signature.items():
        if key not in value and default is _REQUIRED:
            raise InvalidArgument(f"{name}.{key}", None, f"given: {kind} requires it")
        result[key] = _schedule_value(f"{name}.{key}", value.get(key, default))
    if kind == "PiecewiseConstantDecay":
        _check_piecewise(name, result)
    return result


def _schedule_value(name: str, value: Any) -> Any:
    """A schedule argument checked as strictly as Adam's own (finite, in range, integral).

    Arguments in :data:`_SCHEDULE_ARGUMENTS` get their check; the beta
    schedules' are checked by :func:`check_beta` after this generic one: numbers
    (finite), booleans, null or lists of numbers; ints stay ints.
    """
    check = _SCHEDULE_ARGUMENTS.get(name.rpartition(".")[2])
    if check is not None:
        return check(name, value)
    if value is None or isinstance(value, bool):
        return value
    if is_number(value) and math.isfinite(value):
        return value if isinstance(value, int) else float(value)
    if isinstance(value, (list, tuple)) and all(is_number(v) and math.isfinite(v) for v in value):
        return [v if isinstance(v, int) else float(v) for v in value]
    raise InvalidArgument(name, value, "a finite number, true/false, null or a list of numbers")


def _numbers(check: Callable[[str, Any], Any]) -> Callable[[str, Any], list[Any]]:
    """A check of a non-empty list whose every item passes ``check``."""

    def check_list(name: str, value: Any) -> list[Any]:
        if not isinstance(value, (list, tuple)) or not value:
            raise InvalidArgument(name, value, "a non-empty list of numbers")
        return [check(f"{name}[{index}]", item) for index, item in enumerate(value)]

    return check_list


def _boundary(name: str, value: Any) -> Any:
    """A step number where a piecewise-constant rate changes: an integer >= 0 (or a float)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return check_int_at_least(name, value, 0)
    return check_non_negative(name, value)


# What Keras's schedules do with each argument, checked here so that a bad one
# is refused with the rest of the config instead of failing in the first step
# (decay_steps: 1e23 overflowed, initial_learning_rate: abc was a TypeError, and
# initial_learning_rate: -1 trained by gradient ascent).
_SCHEDULE_ARGUMENTS: dict[str, Callable[[str, Any], Any]] = {
    "initial_learning_rate": check_positive,
    "decay_steps": lambda n, v: check_int_at_least(n, v, 1),
    "first_decay_steps": lambda n, v: check_int_at_least(n, v, 1),
    "decay_rate": check_positive,
    "end_learning_rate": check_non_negative,
    "power": check_positive,
    "alpha": lambda n, v: check_unit_interval(n, v, closed=True),
    "warmup_target": lambda n, v: check_optional(check_positive, n, v),
    "warmup_steps": lambda n, v: check_int_at_least(n, v, 0),
    "t_mul": check_positive,
    "m_mul": check_positive,
    "staircase": check_bool,
    "cycle": check_bool,
    "boundaries": _numbers(_boundary),
    "values": _numbers(check_positive),
}


def _check_piecewise(name: str, schedule: Mapping[str, Any]) -> None:
    """PiecewiseConstantDecay needs one more value than boundaries, in increasing order."""
    boundaries, values = schedule["boundaries"], schedule["values"]
    if len(values) != len(boundaries) + 1:
        raise InvalidArgument(f"{name}.values", values, f"a list of {len(boundaries) + 1} "
                              f"numbers: one more than the {len(boundaries)} boundaries")
    if any(later <= earlier for earlier, later in zip(boundaries, boundaries[1:])):
        raise InvalidArgument(f"{name}.boundaries", boundaries, "increasing step numbers")


def check_exclude(name: str, value: Any) -> Any:
    """None, or ``{var_names: [regex, ...]}`` with every pattern compiling."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) - {"var_names"}:
        raise InvalidArgument(name, value, "null or {var_names: [patterns...]}")
    patterns = value.get("var_names") or []
    if not isinstance(patterns, (list, tuple)) or not all(isinstance(p, str) for p in patterns):
        raise InvalidArgument(f"{name}.var_names", patterns, "a list of regular-expression strings")
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise InvalidArgument(f"{name}.var_names", pattern,
                                  f"a valid regular expression ({error})") from None
    return {"var_names": list(patterns)}
