"""Argument checks shared by ``Adam.__init__`` and the spec validation.

Each check returns the value in canonical form (ints accepted where floats
are expected become floats) or raises :class:`~adamctl.errors.InvalidArgument`,
whose message reads "`beta_1` must be a float in [0, 1). Received: beta_1=1.5".
Booleans are never numbers. Nothing here imports Keras.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any, Iterable, Mapping

from adamctl.errors import InvalidArgument

__all__ = [
    "check_bool",
    "check_choice",
    "check_exclusive_clipping",
    "check_name",
    "check_int_at_least",
    "check_non_negative",
    "check_optional",
    "check_positive",
    "check_unit_interval",
    "is_number",
]


def is_number(value: Any) -> bool:
    """A real number that is not a bool (YAML ``true`` is not 1)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _float(name: str, value: Any, allowed: str) -> float:
    if not is_number(value) or not math.isfinite(float(value)):
        raise InvalidArgument(name, value, allowed)
    return float(value)


def check_unit_interval(name: str, value: Any, *, closed: bool = False) -> float:
    """A float in [0, 1) (or [0, 1] when ``closed``)."""
    allowed = f"a float in [0, 1{']' if closed else ')'}"
    number = _float(name, value, allowed)
    if number < 0 or number > 1 or (number == 1 and not closed):
        raise InvalidArgument(name, value, allowed)
    return number


def check_positive(name: str, value: Any) -> float:
    """A finite float > 0."""
    number = _float(name, value, "a float > 0")
    if number <= 0:
        raise InvalidArgument(name, value, "a float > 0")
    return number


def check_non_negative(name: str, value: Any) -> float:
    """A finite float >= 0."""
    number = _float(name, value, "a float >= 0")
    if number < 0:
        raise InvalidArgument(name, value, "a float >= 0")
    return number


def check_int_at_least(name: str, value: Any, minimum: int, *, hint: str = "") -> int:
    """An integer >= ``minimum`` (a float with an integral value is refused)."""
    allowed = f"an integer >= {minimum}{hint}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InvalidArgument(name, value, allowed)
    return int(value)


def check_bool(name: str, value: Any) -> bool:
    """True or False."""
    if not isinstance(value, bool):
        raise InvalidArgument(name, value, "true or false")
    return value


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """One of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        import difflib

        by_lower = {c.lower(): c for c in choices}
        close = [by_lower[str(value).lower()]] if str(value).lower() in by_lower else \
            difflib.get_close_matches(str(value), choices, n=1)
        raise InvalidArgument(name, value, "one of " + ", ".join(repr(c) for c in choices),
                              suggestion=close[0] if close else None)
    return value


# What TensorFlow accepts as a name scope; Keras takes any string, and a name
# with a space then fails at the first compiled apply.
_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/]*$")


def check_name(name: str, value: Any) -> str:
    """A non-empty name TensorFlow accepts as a name scope."""
    if not isinstance(value, str) or not _NAME.match(value):
        raise InvalidArgument(name, value, "a non-empty name of letters, digits and . _ - /, "
                              "not starting with _ - or /")
    return value


def check_optional(check, name: str, value: Any, *args: Any, **kwargs: Any) -> Any:
    """``None``, or ``check(name, value, ...)``."""
    return None if value is None else check(name, value, *args, **kwargs)


def check_exclusive_clipping(arguments: Mapping[str, Any]) -> None:
    """At most one of clipnorm, clipvalue and global_clipnorm may be set."""
    given = [k for k in ("clipnorm", "clipvalue", "global_clipnorm") if arguments.get(k) is not None]
    if len(given) > 1:
        raise InvalidArgument(given[1], arguments[given[1]],
                              f"null when {given[0]} is set: clipnorm, clipvalue and "
                              "global_clipnorm are mutually exclusive")
