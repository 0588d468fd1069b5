"""The shadow check: do members, trained in the population, match their separate runs bit for bit?

Exactness depends on the kernels the machine picks, so it is measured, not
assumed. A few representative members are trained alone for a few steps
with ``train_on_batch`` (what the separate run calls) and validated with
``evaluate``; the population takes the same steps and validates; every
model, optimizer and metric variable and every step's logs must agree bit
for bit. The steps are the epoch's first two batches and its first batch
of another size (the short last one), so both traced shapes are checked.
Both sides' steps are also timed, for the probe of what the population
gains (:mod:`adamctl.population.probe`). Afterwards the population is put
back to its initial state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, MutableMapping, Sequence

import numpy as np

from adamctl.population.member import Member

__all__ = ["SeparateRun", "separate_run", "shadow_compare", "shadow_steps", "representatives"]


@dataclass
class SeparateRun:
    """What one member's separate run gave over the shadow steps: logs, then its variables;
    ``step_s``: the wall time of its fastest full step after the first (which traces), None
    when the epoch has one batch."""

    logs: list[dict[str, float]]
    arrays: list[np.ndarray]
    step_s: float | None = None


def shadow_steps(member: Member) -> list[int]:
    """The epoch-0 batch indices the check trains: two, and one of a different size if any."""
    member.plan_epoch()
    sizes = [len(index) for index in member.batches]
    chosen = list(range(min(2, len(sizes))))
    other = next((i for i, size in enumerate(sizes) if size != sizes[0]), None)
    return chosen + ([other] if other is not None and other not in chosen else [])


def representatives(configs: Sequence[dict[str, Any]]) -> list[int]:
    """One member per distinct Adam code path (AMSGrad, weight decay, schedule), first first."""
    seen: dict[tuple, int] = {}
    for index, config in enumerate(configs):
        spec = config["optimizer"]
        key = (bool(spec.get("amsgrad")), spec.get("weight_decay") is not None,
               isinstance(spec.get("learning_rate"), dict))
        seen.setdefault(key, index)
    return sorted(seen.values())


def separate_run(job: Any, steps: Sequence[int] | None = None) -> tuple[SeparateRun, list[int]]:
    """Train ``job``'s config alone on the shadow steps as ``adamctl train`` does; no files."""
    import keras

    from adamctl.config import config_from_dict
    from adamctl.training.loop import _metrics_kept_across_steps, _validate
    from adamctl.training.session import prepare

    keras.backend.clear_session(free_memory=False)
    member = Member.of(job.trial_id, job.run_dir, prepare(config_from_dict(job.config)))
    member.plan_epoch()
    steps = shadow_steps(member) if steps is None else list(steps)
    model, logs_seen, times = member.model, [], []
    with _metrics_kept_across_steps(model):
        for index in steps:
            member.state.step_in_epoch = index
            x, y = member.batch()
            started = time.perf_counter()
            logs = model.train_on_batch(x, y, return_dict=True)
            times.append(time.perf_counter() - started)
            logs_seen.append({k: float(v) for k, v in logs.items()})
    dataset = member.session.dataset
    if len(dataset.x_val):
        logs_seen.append(_validate(model, dataset, member.session.config.data.batch_size))
    arrays = [np.array(keras.ops.convert_to_numpy(v)) for v in
              (*model.variables, *model.optimizer.variables, *model.metrics_variables)]
    if _timed(steps):  # compared already: further steps only time the model
        member.state.step_in_epoch = steps[1]
        x, y = member.batch()
        times.extend(_timings(lambda: model.train_on_batch(x, y)))
    return SeparateRun(logs_seen, arrays, _step_s(steps, times)), steps


def _timed(steps: Sequence[int]) -> bool:
    """Whether the steps start with the epoch's first two batches (the second is timed)."""
    return list(steps[:2]) == [0, 1]


def _timings(step: Any) -> list[float]:
    """The wall times of ``REPEATS`` calls of ``step``."""
    from adamctl.population.probe import REPEATS

    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return times


def _step_s(steps: Sequence[int], times: Sequence[float]) -> float | None:
    """The fastest time of the second step and its repeats (after the steps' own), when timed."""
    from adamctl.population.probe import fastest

    return fastest([times[1], *times[len(steps):]]) if _timed(steps) else None


def shadow_compare(engine: Any, alone: dict[int, SeparateRun], steps: Sequence[int],
                   timings: MutableMapping[str, Any] | None = None) -> str | None:
    """None when each member in ``alone`` (by index) matches its separate run; else why not.

    ``timings`` gets ``population_step_s``, the fastest wall time of the
    second step and, when the check passed, its repeats (see
    :mod:`adamctl.population.probe`).
    """
    members = engine.members
    snapshot = engine.snapshot()
    seen: dict[int, list[dict[str, float]]] = {index: [] for index in alone}
    engine.begin_epoch(members)
    times = []
    for step in steps:
        for member in members:
            member.state.step_in_epoch = step
        started = time.perf_counter()
        step_logs = engine.step(members)
        times.append(time.perf_counter() - started)
        for index, logs in enumerate(step_logs):
            if index in seen:
                seen[index].append(logs)
    if len(members[0].session.dataset.x_val):
        for index, logs in enumerate(engine.validate(members)):
            if index in seen:
                seen[index].append(logs)
    why = next((reason for index, run in alone.items()
                if (reason := _differs(engine, members[index], seen[index], run)) is not None),
               None)
    if why is None and timings is not None and _timed(steps):
        for member in members:
            member.state.step_in_epoch = steps[1]
        times.extend(_timings(lambda: engine.step(members)))
    engine.restore(snapshot)
    for member in members:
        member.state.step_in_epoch = 0
    if timings is not None:
        timings["population_step_s"] = _step_s(steps, times)
    return why


def _differs(engine: Any, member: Member, logs: list[dict], run: SeparateRun) -> str | None:
    if logs != run.logs:
        return (f"shadow check ({engine.name} engine, {member.trial_id}): logs differ from the "
                f"separate run ({logs} vs {run.logs})")
    mine = engine.member_arrays(member)
    if len(mine) != len(run.arrays):
        return (f"shadow check ({engine.name} engine, {member.trial_id}): {len(mine)} variables "
                f"against the separate run's {len(run.arrays)}")
    for index, (a, b) in enumerate(zip(mine, run.arrays)):
        if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
            return (f"shadow check ({engine.name} engine, {member.trial_id}): variable {index} "
                    f"differs from the separate run (this machine's kernels differ)")
    return None
