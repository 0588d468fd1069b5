"""The replicated engine: each member its own Keras model, all their steps in one graph.

Each member's ops are the very ops its separate run traces (its model's
``train_step`` with its own Adam), so each member computes what it would
alone; only the dispatch is shared. This works for every model a separate
run can train, and is the fallback when the stacked engine
(:mod:`adamctl.population.stacked_engine`) does not apply; it saves less
(one model build and one graph of P members' ops, traced in one process).
Autograph is off, as in Keras's own train function.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from adamctl.population.member import Member

__all__ = ["ReplicatedEngine", "build_replicated", "separate_members"]


def build_replicated(jobs: Sequence[Any]) -> tuple["ReplicatedEngine", None]:
    """The replicated engine of ``jobs`` (TrialJobs): it applies to any model."""
    return ReplicatedEngine(separate_members(jobs)), None


def separate_members(jobs: Sequence[Any]) -> list[Member]:
    """Each trial's session as a separate run builds it, in a fresh Keras session.

    ``clear_session`` first gives the same layer and variable names (and so
    the same checkpoint paths) as a separate process would; ``prepare``
    seeds everything from the trial's own seed before building.
    """
    import keras

    from adamctl.config import config_from_dict
    from adamctl.training.session import prepare

    members = []
    for job in jobs:
        keras.backend.clear_session(free_memory=False)
        members.append(Member.of(job.trial_id, job.run_dir, prepare(config_from_dict(job.config)),
                                 source=getattr(job, "source", None)))
    return members


class ReplicatedEngine:
    """Members with their own models, stepped and validated together."""

    name = "replicated"

    def __init__(self, members: Sequence[Member]) -> None:
        self.members = list(members)
        self._steps: dict[tuple[int, ...], Callable] = {}
        self._tests: dict[tuple[int, ...], Callable] = {}

    def step(self, active: Sequence[Member]) -> list[dict[str, float]]:
        import tensorflow as tf

        key = tuple(id(m) for m in active)
        if key not in self._steps:  # a member left: trace the step of those that remain
            models = [m.model for m in active]
            self._steps[key] = tf.function(
                lambda batches: [model.train_step(b) for model, b in zip(models, batches)],
                reduce_retracing=True, autograph=False)
        outputs = self._steps[key]([(*m.batch(), None) for m in active])
        return [{k: float(np.asarray(v)) for k, v in logs.items()} for logs in outputs]

    def begin_epoch(self, active: Sequence[Member]) -> None:
        for member in active:
            member.plan_epoch()
            if member.state.step_in_epoch == 0:
                member.model.reset_metrics()

    def train_metrics(self, active: Sequence[Member]) -> list[dict[str, float]]:
        """The epoch's running training metrics (loss first), before validation resets them."""
        return [{k: float(v) for k, v in m.model.get_metrics_result().items()} for m in active]

    def validate(self, active: Sequence[Member]) -> list[dict[str, float]]:
        """Each model's ``val_`` metrics as ``model.evaluate`` gives them, in one pass for all.

        ``evaluate`` resets the metrics, runs ``test_step`` on the validation
        set in order, in batches of ``batch_size`` (the last one short), and
        reads the metrics; so does this, with one compiled call per batch for
        every model.
        """
        import tensorflow as tf

        datasets = [m.session.dataset for m in active]
        if not len(datasets[0].x_val):
            return [{} for _ in active]
        key = tuple(id(m) for m in active)
        if key not in self._tests:
            models = [m.model for m in active]
            self._tests[key] = tf.function(
                lambda batches: [model.test_step(b) for model, b in zip(models, batches)],
                reduce_retracing=True, autograph=False)
        for member in active:
            member.model.reset_metrics()
        count, batch_size = len(datasets[0].x_val), active[0].session.config.data.batch_size
        for start in range(0, count, batch_size):
            end = min(start + batch_size, count)
            self._tests[key]([(d.x_val[start:end], d.y_val[start:end], None) for d in datasets])
        return [{f"val_{k}": float(v) for k, v in m.model.get_metrics_result().items()}
                for m in active]

    def sync(self, member: Member) -> None:
        """Nothing to do: each member's model always holds its own state."""

    def capture_for(self, member: Member) -> None:
        """The separate run's own snapshot (None: state_io.capture of the member's model)."""
        return None

    def weights_for(self, member: Member) -> None:
        """The separate run's own weights file (None: read from the member's model)."""
        return None

    def snapshot(self) -> list[Any]:
        from adamctl.training.state_io import capture

        return [capture(m.session, m.state, config={}, config_hash="") for m in self.members]

    def restore(self, snapshot: Sequence[Any]) -> None:
        from adamctl.training.state_io import restore

        for member, data in zip(self.members, snapshot):
            restore(member.session, data, source="the population's initial state")

    def member_arrays(self, member: Member) -> list[np.ndarray]:
        from keras import ops

        model = member.model
        return [np.array(ops.convert_to_numpy(v)) for v in
                (*model.variables, *model.optimizer.variables, *model.metrics_variables)]
