"""Which trials may train together: a pure function of their resolved configs.

Members of one population advance in lock-step, one compiled step for all,
so they must agree on everything that decides the step's shapes and the
loop's course: data, model, batch size, epochs, steps, precision, device.
They may differ in the ``optimizer`` section (each member owns its Adam, so
any Adam argument, schedule or ``amsgrad`` is allowed) and in ``seed``
(each member owns its data, initialization and dropout stream); ``name``
only names run directories.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

__all__ = ["Grouping", "group_trials", "backend_problem", "FREE_KEYS", "AUTO_MAX_SIZE"]

# Top-level config keys that members of one population may differ in.
FREE_KEYS = ("optimizer", "seed", "name")


def backend_problem(config: Mapping[str, Any]) -> str | None:
    """Why a trial on ``config``'s backend cannot be in a population; None on TensorFlow.

    The engines run on TensorFlow (stacked, replicated) and on JAX (mapped).
    """
    from adamctl.config import backend_of

    backend = backend_of(config)
    if backend in ("tensorflow", "jax"):
        return None
    return f"backend {backend}: the population engines run on TensorFlow and JAX"


@dataclass
class Grouping:
    """Trial ids in populations (each of two or more), the rest alone, and why.

    Attributes:
        populations: lists of trial ids that may train together.
        alone: trial ids that share their group with no other trial.
        why_alone: a sentence naming the keys that split the trials (and
            the backends no population trains on), when any trial is alone.
    """

    populations: list[list[str]] = field(default_factory=list)
    alone: list[str] = field(default_factory=list)
    why_alone: str | None = None


def _key(config: Mapping[str, Any]) -> str:
    fixed = {k: v for k, v in config.items() if k not in FREE_KEYS}
    return json.dumps(fixed, sort_keys=True, default=str)


# The largest population chosen automatically. Measured on the quickstart MLP
# (2 cores): a step of 16 members cost 2.5 ms, of 64 members 6.5 ms, against
# about 3.5 ms for one separate step; beyond 64 the per-member gain levels
# off while a population's memory and its time to first result keep growing.
AUTO_MAX_SIZE = 64


def group_trials(configs: Mapping[str, Mapping[str, Any]], *, size: int | None,
                 workers: int = 1) -> Grouping:
    """Split ``configs`` (by trial id, in order) into populations.

    Groups are the trials equal outside :data:`FREE_KEYS`. With ``size``,
    each group is cut into chunks of ``size``; without, into as few chunks
    of at most :data:`AUTO_MAX_SIZE` as keep ``workers`` processes busy,
    of even sizes. A chunk of one trial is left to run alone.
    """
    groups: dict[str, list[str]] = {}
    elsewhere = {t: why for t, c in configs.items() if (why := backend_problem(c)) is not None}
    for trial_id, config in configs.items():
        if trial_id not in elsewhere:
            groups.setdefault(_key(config), []).append(trial_id)
    grouping = Grouping()
    for members in groups.values():
        start = 0
        for length in _chunk_sizes(len(members), size, workers):
            chunk = members[start:start + length]
            start += length
            (grouping.populations.append(chunk) if len(chunk) > 1
             else grouping.alone.extend(chunk))
    grouped = {t: c for t, c in configs.items() if t not in elsewhere}
    reasons = [f"{len(grouping.alone)} trial(s) alone: "
               + _why_alone(grouped, size or AUTO_MAX_SIZE)] if grouping.alone else []
    reasons += [f"{count} trial(s) on {why}" for why, count in Counter(elsewhere.values()).items()]
    grouping.alone.extend(elsewhere)
    grouping.why_alone = "; ".join(reasons) or None
    return grouping


def _chunk_sizes(count: int, size: int | None, workers: int) -> list[int]:
    """Population sizes for a group of ``count`` trials."""
    if size is not None:
        size = max(1, size)
        return [size] * (count // size) + ([count % size] if count % size else [])
    parts = max(-(-count // AUTO_MAX_SIZE), min(max(1, workers), count // 2) or 1)
    base, extra = divmod(count, parts)
    return [base + 1] * extra + [base] * (parts - extra)


def _why_alone(configs: Mapping[str, Mapping[str, Any]], size: int) -> str:
    if size <= 1:
        return "the population size is 1"
    differing = sorted(_differing_keys([configs[t] for t in configs]))
    if differing:
        return (f"they share no group: trials differ in {', '.join(differing)} "
                "(populations may differ only in optimizer.* and seed)")
    return f"left over after cutting groups into populations of {size}"


def _differing_keys(configs: Sequence[Mapping[str, Any]], prefix: str = "") -> set[str]:
    """Dotted keys outside FREE_KEYS whose values are not all equal."""
    keys = {k for c in configs for k in c if prefix or k not in FREE_KEYS}
    found: set[str] = set()
    for key in keys:
        values = [c.get(key) for c in configs]
        if all(isinstance(v, Mapping) for v in values):
            found |= _differing_keys(values, f"{prefix}{key}.")
        elif any(json.dumps(v, sort_keys=True, default=str)
                 != json.dumps(values[0], sort_keys=True, default=str) for v in values):
            found.add(prefix + key)
    return found
