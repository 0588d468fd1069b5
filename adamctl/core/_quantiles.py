"""Exact quantiles of a vector and of each of its segments, without sorting it.

A quantile (NumPy's default, "linear") blends two order statistics, the
k-th and (k+1)-th smallest values. Each is found by bisection on the
values' bit patterns, mapped to integers in IEEE 754 total order
(-NaN < -inf < ... < -0 < +0 < ... < +inf < +NaN, the order XLA's sort
uses): the k-th smallest is the least integer c with at least k + 1 keys
<= c, and it is one of the keys, so the result is a value of the vector,
bit for bit what a sort would give. 32 rounds of "count the keys <= c"
settle every quantile of every segment at once.

Why not sort: on a CPU a sort was the whole cost of a diagnostics step
(XLA's sort of 5.7k floats took 0.8 ms, four of them 3.2 ms; TensorFlow's own
0.4 ms, outside XLA), while 32 rounds of comparisons fuse into one loop of
the compiled reduction. The work is 32 * 2 * levels comparisons per value;
a sort's is about log2(n) comparisons per value, but far from memory order.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

__all__ = ["grouped_quantiles"]

_ROUNDS = 32  # the keys span 2**32 integers; each round halves every interval
_MAGNITUDE = 0x7FFFFFFF  # all bits but the sign
_LARGEST = np.iinfo(np.int32).max


def grouped_quantiles(wanted: Sequence[tuple[Any, Sequence[float]]],
                      sizes: Sequence[int]) -> list[Any]:
    """For each ``(values, levels)``: quantiles of all values, then of each run of ``sizes``.

    Returns one (1 + segments, levels) table per pair, the same numbers as
    NumPy's ``np.quantile(x, levels)`` on float32 ``x`` sorted in total
    order: order statistics at ranks floor(q (n - 1)) and the next, blended
    by the fractional part, in float32. All pairs share one bisection loop.
    """
    from keras import ops

    sizes = [int(size) for size in sizes]
    levels = [level for _, pair_levels in wanted for level in pair_levels]
    # One row of keys per level (a vector's keys repeated for each of its
    # levels): every count of a round is then one comparison per source.
    keys = ops.stack([_total_order_keys(values) for values, pair_levels in wanted
                      for _ in pair_levels])
    low_rank, high_rank, fraction = _ranks(sizes, levels)
    sources = _sources(keys, sizes)
    count_at_most = _counter(sources)
    low = _least_key_with_count(count_at_most, low_rank + 1)
    enough = count_at_most(low) >= ops.convert_to_tensor(high_rank + 1)
    high = ops.where(enough, low, _next_key_above(sources, low))
    lows, highs = _values_of(low), _values_of(high)
    blended = lows + (highs - lows) * ops.convert_to_tensor(fraction)
    rows = np.cumsum([0, *(len(pair_levels) for _, pair_levels in wanted)]).tolist()
    return [ops.transpose(blended[first:last]) for first, last in zip(rows[:-1], rows[1:])]


def _ranks(sizes: list[int], levels: Sequence[float]) -> tuple[Any, Any, np.ndarray]:
    """The two ranks and the blend fraction of each (level, source), source 0 being all values."""
    counts = [sum(sizes), *sizes]
    low, high, fraction = [], [], []
    for level in levels:
        positions = [level * (count - 1) for count in counts]
        bases = [int(math.floor(position)) for position in positions]
        low.append(bases)
        high.append([min(base + 1, count - 1) for base, count in zip(bases, counts)])
        fraction.append([position - base for position, base in zip(positions, bases)])
    return (np.array(low, "int32"), np.array(high, "int32"), np.array(fraction, "float32"))


def _total_order_keys(values: Any) -> Any:
    """int32 keys that order as the float32 values do in IEEE total order."""
    from keras import ops

    bits = ops.view(ops.convert_to_tensor(values, "float32"), "int32")
    return ops.where(bits < 0, ops.bitwise_xor(bits, _MAGNITUDE), bits)


def _values_of(keys: Any) -> Any:
    """The float32 values of total-order keys (the mapping is its own inverse)."""
    from keras import ops

    return ops.view(ops.where(keys < 0, ops.bitwise_xor(keys, _MAGNITUDE), keys), "float32")


def _counter(sources: list[Any]) -> Any:
    """c (levels, 1 + segments) -> how many keys of each (level, source) are <= c."""
    from keras import ops

    def count_at_most(thresholds: Any) -> Any:
        return ops.stack([ops.sum(ops.cast(part <= thresholds[:, index, None], "int32"), axis=1)
                          for index, part in enumerate(sources)], axis=1)

    return count_at_most


def _sources(keys: Any, sizes: list[int]) -> list[Any]:
    """All keys (levels, n), then each segment's columns: static slices, each count one fusion."""
    offsets = np.cumsum([0, *sizes]).tolist()
    return [keys, *(keys[:, start:stop] for start, stop in zip(offsets[:-1], offsets[1:]))]


def _least_key_with_count(count_at_most: Any, needed: np.ndarray) -> Any:
    """For each (level, source), the least int32 c with ``count_at_most(c) >= needed``."""
    from keras import ops

    needed = ops.convert_to_tensor(needed)

    def halve(_: Any, bounds: tuple[Any, Any]) -> tuple[Any, Any]:
        low, high = bounds
        # floor((low + high) / 2) without leaving int32.
        middle = (ops.right_shift(low, 1) + ops.right_shift(high, 1)
                  + ops.bitwise_and(ops.bitwise_and(low, high), 1))
        enough = count_at_most(middle) >= needed
        return ops.where(enough, low, middle + 1), ops.where(enough, middle, high)

    start = (ops.full(needed.shape, np.iinfo(np.int32).min, "int32"),
             ops.full(needed.shape, _LARGEST, "int32"))
    return ops.fori_loop(0, _ROUNDS, halve, start)[0]


def _next_key_above(sources: list[Any], floor: Any) -> Any:
    """For each (level, source), the least key greater than ``floor`` (int32 max if none)."""
    from keras import ops

    largest = ops.full((), _LARGEST, "int32")
    return ops.stack([ops.min(ops.where(part > floor[:, index, None], part, largest), axis=1)
                      for index, part in enumerate(sources)], axis=1)
