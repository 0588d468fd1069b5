"""The shadow check: is a member, trained in the population, bit-identical to its separate run?

Exactness depends on the kernels the machine picks, so it is measured, not
assumed: the population takes a few steps, the first member's config is
also trained alone for the same steps with ``train_on_batch`` (what the
separate run calls), both then validate (the population in one pass, the
separate run with ``evaluate``), and every model, optimizer and metric variable and
each step's logs must agree bit for bit. Afterwards every member is put
back to its initial state, so the population starts from step 0.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from adamctl.population.member import Member, build_member
from adamctl.training.loop import _metrics_kept_across_steps, _validate

__all__ = ["shadow_check", "SHADOW_STEPS"]

SHADOW_STEPS = 3


def shadow_check(members: Sequence[Member], step: Callable, job: Any) -> str | None:
    """None when the first member matches its separate run; else why not."""
    from adamctl.training.state_io import capture, restore

    initial = [capture(m.session, m.state, config={}, config_hash="") for m in members]
    steps = min(SHADOW_STEPS, members[0].state.steps_per_epoch)
    together = _population_steps(members, step, steps)
    alone = _separate_steps(job, steps)
    for member, snapshot in zip(members, initial):
        restore(member.session, snapshot, source="the population's initial state")
    if together[0] != alone[0]:
        return (f"shadow check: step logs differ from the separate run "
                f"({together[0]} vs {alone[0]})")
    for index, (mine, theirs) in enumerate(zip(together[1], alone[1])):
        if mine.dtype != theirs.dtype or mine.shape != theirs.shape or \
                mine.tobytes() != theirs.tobytes():
            return (f"shadow check: variable {index} differs from the separate run after "
                    f"{steps} step(s) (this machine's kernels differ inside one graph)")
    return None


def _population_steps(members: Sequence[Member], step: Callable, steps: int):
    for member in members:
        member.plan_epoch()
    logs_seen = []
    for _ in range(steps):
        outputs = step([m.batch() for m in members])
        logs = {k: float(np.asarray(v)) for k, v in outputs[0].items()}
        logs_seen.append(logs)
        for member in members:
            member.state.step_in_epoch += 1
    for member in members:
        member.state.step_in_epoch = 0
    if len(members[0].session.dataset.x_val):
        from adamctl.population.step import population_validate

        val_logs, _ = population_validate([m.model for m in members],
                                          [m.session.dataset for m in members],
                                          members[0].session.config.data.batch_size)
        logs_seen.append(val_logs[0])
    return logs_seen, _variables(members[0].model)


def _separate_steps(job: Any, steps: int):
    member = build_member(job.trial_id, job.run_dir, job.config)
    member.plan_epoch()
    model, logs_seen = member.model, []
    with _metrics_kept_across_steps(model):
        for _ in range(steps):
            x, y, _ = member.batch()
            logs = model.train_on_batch(x, y, return_dict=True)
            logs_seen.append({k: float(v) for k, v in logs.items()})
            member.state.step_in_epoch += 1
    if len(member.session.dataset.x_val):
        logs_seen.append(_validate(model, member.session.dataset,
                                   member.session.config.data.batch_size))
    return logs_seen, _variables(model)


def _variables(model: Any) -> list[np.ndarray]:
    from keras import ops

    variables = [*model.variables, *model.optimizer.variables, *model.metrics_variables]
    return [np.array(ops.convert_to_numpy(v)) for v in variables]
