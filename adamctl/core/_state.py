"""Which saved optimizer state fits which optimizer: strict loading, minus Keras's own layouts.

Keras only warns and skips when a saved state does not fit (keras issue
19389); ``Adam.load_own_variables`` refuses. Two layouts that Keras itself
writes are not mismatches, and are accepted exactly:

- **An unbuilt optimizer's state.** A model saved after ``compile()`` but
  before training holds only the variables an optimizer has before
  ``build``: its iteration count (0) and, for a float learning rate, the
  learning rate. It loads into an optimizer that has not stepped either;
  the slots stay at their initial zeros.
- **A LossScaleOptimizer's state.** A ``mixed_float16`` model stores its
  wrapper's state under the optimizer's path: the wrapper's own iteration
  and learning rate (and, once built, its step counter and dynamic scale),
  then the wrapped optimizer's state. Loaded under another policy, the
  wrapped state (either form above) loads; the loss scale is dropped.

Everything else (another count, another shape) is an error. Nothing here
imports Keras: the state is a list of arrays.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["StateMismatch", "match_state"]

# The wrapper's own variables before the wrapped state: (iteration, learning
# rate) before build; (iteration, learning rate, step counter, dynamic scale)
# after. Integer counters and float values, all scalars.
_LOSS_SCALE_PREFIXES = (("i", "f", "i", "f"), ("i", "f"))


class StateMismatch(ValueError):
    """A saved state that is not this optimizer's (a ValueError, as Keras raises)."""


def match_state(entries: Sequence[Any], shapes: Sequence[tuple[int, ...]], *,
                unbuilt_count: int, stepped: bool) -> list[Any]:
    """The saved entries that go into the first ``len(result)`` variables.

    Args:
        entries: the saved arrays, in order.
        shapes: the shapes of the optimizer's variables, in order.
        unbuilt_count: how many of them exist before ``build`` (iteration,
            and the learning rate when it is a variable).
        stepped: the optimizer has applied at least one update.

    Raises:
        StateMismatch: the entries are neither this optimizer's full state,
            nor its unbuilt state, nor one of those wrapped by a loss-scale
            optimizer; the message says which count or shape differs.
    """
    entries = _unwrap_loss_scale(list(entries), (len(shapes), unbuilt_count))
    if len(entries) == len(shapes):
        return _checked(entries, shapes)
    if len(entries) == unbuilt_count and _is_unstepped(entries) and not stepped:
        return _checked(entries, shapes[:unbuilt_count])
    raise StateMismatch(f"has {len(shapes)} variables but the state to load has "
                        f"{len(entries)} entries")


def _unwrap_loss_scale(entries: list[Any], counts: tuple[int, int]) -> list[Any]:
    if len(entries) in counts:
        return entries
    for prefix in _LOSS_SCALE_PREFIXES:
        inner = entries[len(prefix):]
        if len(inner) in counts and _kinds(entries[:len(prefix) + 1]) == prefix + ("i",):
            return inner
    return entries


def _kinds(entries: Sequence[Any]) -> tuple[str, ...]:
    """'i' for an integer scalar, 'f' for a float scalar, '?' for anything else."""
    def kind(value: Any) -> str:
        array = np.asarray(value)
        if array.shape != ():
            return "?"
        return "i" if np.issubdtype(array.dtype, np.integer) else \
            "f" if np.issubdtype(array.dtype, np.floating) else "?"
    return tuple(kind(value) for value in entries)


def _is_unstepped(entries: Sequence[Any]) -> bool:
    """The first entry is an iteration count of 0."""
    return bool(entries) and _kinds(entries[:1]) == ("i",) and int(np.asarray(entries[0])) == 0


def _checked(entries: list[Any], shapes: Sequence[tuple[int, ...]]) -> list[Any]:
    for index, (value, shape) in enumerate(zip(entries, shapes)):
        if tuple(np.shape(value)) != tuple(shape):
            raise StateMismatch(f"state entry {index} has shape {tuple(np.shape(value))} "
                                f"but variable {index} has shape {tuple(shape)}")
    return entries
