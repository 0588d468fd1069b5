"""The optimizer spec: the YAML ``optimizer:`` section, checked without Keras.

:func:`normalize_spec` takes a mapping of Adam's arguments by name and
returns a new plain dict with every argument present (defaults filled), in
the order of :data:`ADAM_DEFAULTS`, holding only YAML/JSON-safe values.
Schedules stay mappings, ``{schedule: CosineDecay, initial_learning_rate:
0.001, decay_steps: 1000}``, with their own defaults filled. Nothing in a
spec can name code to import or evaluate: schedules are looked up by name
in fixed tables. Defaults, help and checks all come from the one argument
table, ``adamctl.core._arguments``.
"""

from __future__ import annotations

import difflib
from typing import Any, Mapping

from adamctl.core._arguments import ARGUMENTS, EPSILON_MODES, WEIGHT_DECAY_MODES
from adamctl.core._checks import check_exclusive_clipping
from adamctl.core._values import BETA_SCHEDULES, LR_SCHEDULES
from adamctl.errors import InvalidArgument

__all__ = [
    "ADAM_DEFAULTS",
    "ADAM_HELP",
    "BETA_SCHEDULES",
    "EPSILON_MODES",
    "LR_SCHEDULES",
    "WEIGHT_DECAY_MODES",
    "normalize_spec",
]

ADAM_DEFAULTS: dict[str, Any] = {argument.name: argument.default for argument in ARGUMENTS}

# One line on each argument, for generated documentation.
ADAM_HELP: dict[str, str] = {argument.name: argument.help for argument in ARGUMENTS}

_CHECKS = {argument.name: argument.check for argument in ARGUMENTS}


def normalize_spec(spec: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check an optimizer spec and return it complete, in canonical order and form.

    Raises:
        InvalidArgument: an unknown key (with the closest valid one), or an
            argument of the wrong type or out of range; ``argument`` is the
            dotted path in the spec, e.g. ``"learning_rate.decay_steps"``.
    """
    spec = {} if spec is None else spec
    if not isinstance(spec, Mapping):
        raise InvalidArgument("optimizer", spec, "a mapping of Adam arguments")
    for key in spec:
        if key not in ADAM_DEFAULTS:
            close = difflib.get_close_matches(str(key), list(ADAM_DEFAULTS), n=1)
            raise InvalidArgument(str(key), spec[key], "one of the Adam arguments ("
                                  + ", ".join(ADAM_DEFAULTS) + ")",
                                  suggestion=close[0] if close else None)
    merged = {**ADAM_DEFAULTS, **spec}
    normalized = {key: _CHECKS[key](key, merged[key]) for key in ADAM_DEFAULTS}
    check_exclusive_clipping(normalized)
    return normalized
