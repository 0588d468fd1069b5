"""Metric values written as people read them: a float32 with its own shortest digits.

Keras computes losses and metrics in float32; widened to a Python float,
0.001 reads 0.0010000000474974513, which is the same float32 but noise to a
reader of metrics.csv or summary.json. A value that is exactly a float32 is
replaced by the float of float32's shortest round-tripping decimal
(``str(np.float32(x))``): it reads back as the same float32, and every
file and the in-memory summary then hold the same number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["tidy_float32"]


def tidy_float32(value: Any) -> Any:
    """``value`` with float32 noise removed; anything else (ints, float64 values) unchanged."""
    if not isinstance(value, float) or value != value or abs(value) == float("inf"):
        return value
    single = np.float32(value)
    if float(single) != value:
        return value  # not a float32 (a time, a rounded mean): keep every digit
    shortest = float(str(single))
    # Guard against double rounding (decimal -> float64 -> float32), which
    # could in principle land on a neighbouring float32.
    return shortest if np.float32(shortest) == single else value
