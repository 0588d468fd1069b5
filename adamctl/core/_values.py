"""Checks of the spec's structured values: schedules by name, weight-decay exclusions.

A learning rate or a beta may be a mapping naming a schedule in a fixed
table, ``{schedule: CosineDecay, initial_learning_rate: 0.001, decay_steps:
1000}``; each check returns the mapping with its defaults filled. Nothing
in a spec can name code to import or evaluate. Nothing here imports Keras.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Mapping

from adamctl.core._checks import check_int_at_least, check_positive, check_unit_interval, is_number
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
    return result


def _schedule_value(name: str, value: Any) -> Any:
    """Schedule arguments: numbers, booleans, null or lists of numbers; ints stay ints."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if is_number(value):
        return value if isinstance(value, int) else float(value)
    if isinstance(value, (list, tuple)) and all(is_number(v) for v in value):
        return [v if isinstance(v, int) else float(v) for v in value]
    raise InvalidArgument(name, value, "a number, true/false, null or a list of numbers")


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
