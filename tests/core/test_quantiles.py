"""Quantiles by bisection on bit patterns equal, bit for bit, those read off a sorted vector."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from adamctl.core._quantiles import grouped_quantiles


def _blend(low, high, position: float) -> np.float32:
    """The reduction's blend in float32, one rounding per operation (inf - inf is NaN, as there)."""
    with np.errstate(invalid="ignore"):
        return np.float32(low) + (np.float32(high) - np.float32(low)) * np.float32(
            position - math.floor(position))


def _sorted_reference(values: np.ndarray, sizes, levels) -> np.ndarray:
    """NumPy's linear quantiles of each source, read off np.sort, in float32."""
    offsets = np.cumsum([0, *sizes])
    rows = []
    for part in [values] + [values[a:b] for a, b in zip(offsets[:-1], offsets[1:])]:
        ordered = np.sort(part)
        row = []
        for level in levels:
            position = level * (len(part) - 1)
            base = int(math.floor(position))
            row.append(_blend(ordered[base], ordered[min(base + 1, len(part) - 1)], position))
        rows.append(row)
    return np.array(rows, np.float32)


def _vector(name: str, size: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    if name == "ties":
        return rng.integers(0, 4, size).astype(np.float32)
    if name == "zeros":
        return np.zeros(size, np.float32)
    values = (rng.standard_normal(size) * 10.0 ** rng.uniform(-30, 30, size)).astype(np.float32)
    if name == "infinities":
        values[[3, 50, 200]] = [np.inf, -np.inf, np.inf]
    return values


NAMES = ["ties", "sign-and-scale", "infinities", "zeros"]


@pytest.mark.parametrize("name", NAMES)
def test_each_segment_and_the_whole_match_a_sort(name):
    sizes = [1, 2, 300, 397]  # segments of one and two values included
    values, other = _vector(name, 700), np.random.default_rng(1).random(700).astype(np.float32)
    first, second = grouped_quantiles([(tf.constant(values), (0.01, 0.5, 0.99)),
                                       (tf.constant(other), (0.5,))], sizes)
    np.testing.assert_array_equal(np.asarray(first),
                                  _sorted_reference(values, sizes, (0.01, 0.5, 0.99)))
    np.testing.assert_array_equal(np.asarray(second), _sorted_reference(other, sizes, (0.5,)))


@pytest.mark.parametrize("name", NAMES)
def test_compiled_with_xla_the_order_statistics_are_the_same(name):
    # Odd counts and levels 0, 0.5, 1 fall on ranks exactly: no blend whose
    # rounding XLA may change by fusing a multiply-add.
    sizes, levels = [1, 3, 301], (0.0, 0.5, 1.0)
    values = _vector(name, 305)
    compiled = tf.function(lambda x: grouped_quantiles([(x, levels)], sizes)[0], jit_compile=True)
    np.testing.assert_array_equal(np.asarray(compiled(tf.constant(values))),
                                  _sorted_reference(values, sizes, levels))


def test_a_nan_sorts_by_its_sign_as_in_ieee_total_order():
    # -NaN comes before every number and +NaN after, as in XLA's sort: p01 of
    # 100 values with one -NaN reads ranks 0 (the NaN) and 1, and p99 of 100
    # values with one +NaN reads ranks 98 and 99 (the NaN).
    low_nan, high_nan = np.arange(100, dtype=np.float32), np.arange(100, dtype=np.float32)
    low_nan[7], high_nan[7] = -np.float32("nan"), np.float32("nan")
    low, high = (np.asarray(grouped_quantiles([(tf.constant(x), (0.01, 0.99))], [100])[0])[0]
                 for x in (low_nan, high_nan))
    assert math.isnan(low[0]) and low[1] == _blend(98, 99, 0.99 * 99)
    assert high[0] == _blend(0, 1, 0.01 * 99) and math.isnan(high[1])
