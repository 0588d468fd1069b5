"""The stacked engine: members as slices of stacked variables, one Keras model for their files.

The population trains in :class:`~adamctl.population.stacked.StackedModel`.
Files are written by each member's ordinary hooks through one *template*
Keras model (built as a separate run of the first member builds it, so
layer and variable names, and so checkpoint paths, are the separate run's)
and the member's own Adam (built from its own settings on the template's
variables): before a member's hooks run, :meth:`StackedEngine.sync` copies
the member's slice into them. Building costs one Keras model per distinct
seed (each seed's initial weights and data), not one per member.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from adamctl.population.member import Member
from adamctl.population.stacked_view import MemberViews

__all__ = ["StackedEngine", "build_stacked"]


def build_stacked(jobs: Sequence[Any]) -> tuple["StackedEngine | None", str | None]:
    """The stacked engine for ``jobs`` (TrialJobs), or None and why it does not apply."""
    import keras

    from adamctl.config import config_from_dict
    from adamctl.population.stackable import why_not_stacked
    from adamctl.training.session import prepare

    seeds = list(dict.fromkeys(job.config["seed"] for job in jobs))
    starts: dict[int, tuple[list[np.ndarray], Any]] = {}
    for seed in seeds[1:]:  # the template's seed last, so its names are a fresh session's
        first = next(job for job in jobs if job.config["seed"] == seed)
        keras.backend.clear_session(free_memory=False)
        session = prepare(config_from_dict(first.config))
        starts[seed] = ([np.array(v.numpy()) for v in session.model.variables], session.dataset)
    keras.backend.clear_session(free_memory=False)
    template = prepare(config_from_dict(jobs[0].config))
    why = why_not_stacked(template.model, [job.config for job in jobs])
    if why is not None:
        return None, why
    starts[seeds[0]] = ([np.array(v.numpy()) for v in template.model.variables], template.dataset)
    return StackedEngine(jobs, template, starts, seeds), None


class StackedEngine:
    """A population of one MLP structure in stacked variables (see the module docstring)."""

    name = "stacked"

    def __init__(self, jobs: Sequence[Any], template: Any, starts: dict[int, tuple],
                 seeds: Sequence[int]) -> None:
        from adamctl.config import config_from_dict
        from adamctl.population.stacked import StackedModel
        from adamctl.training.session import Session

        self.template = template
        self.seeds = list(seeds)
        self.members: list[Member] = []
        optimizers = []
        for job in jobs:
            config = config_from_dict(job.config)
            session = Session(config, starts[config.seed][1], template.model,
                              template.deterministic, template.on_gpu)
            optimizers.append(_member_optimizer(config, template.model))
            self.members.append(Member.of(job.trial_id, job.run_dir, session,
                                          optimizer=optimizers[-1],
                                          source=getattr(job, "source", None)))
        self.index = {id(m): i for i, m in enumerate(self.members)}
        self.slot_of = [self.seeds.index(m.session.config.seed) for m in self.members]
        self.stack = StackedModel(template.model,
                                  [starts[m.session.config.seed][0] for m in self.members],
                                  optimizers, self.slot_of, x=template.dataset.x_train,
                                  y=template.dataset.y_train)
        self.names = [v.path.split("/")[0] for v in template.model.metrics_variables[::2]]
        self.views = MemberViews(template.model, self.stack)
        self._arrays: list[np.ndarray] | None = None
        self._version = 0
        self._synced: tuple[int, int] | None = None

    def _slot_members(self) -> list[Member]:
        """One member per distinct seed: its data stands for the slot's."""
        return [next(m for m, s in zip(self.members, self.slot_of) if s == slot)
                for slot in range(len(self.seeds))]

    def step(self, active: Sequence[Member]) -> list[dict[str, float]]:
        """One step of every member; the logs of ``active`` (the others' slices run on unread).

        Each slot's batch is the one its seed's separate runs take at the
        active members' position: a member that left (stopped early) no
        longer moves, so the position is never read from it.
        """
        position = active[0].state.step_in_epoch
        batches = [(d.x_train[plan[position]], d.y_train[plan[position]])
                   for d, plan in zip(self._datasets, self._plans)]
        results = self.stack.train_step(np.stack([x for x, _ in batches]),
                                        np.stack([y for _, y in batches]))
        self._changed()
        return self._logs(active, [np.asarray(r) for r in results])

    def begin_epoch(self, active: Sequence[Member]) -> None:
        """Plan each slot's batches for the active members' epoch; reset metrics at its start."""
        from adamctl.training.loop import epoch_batches

        state, data = active[0].state, active[0].session.config.data
        self._datasets = [m.session.dataset for m in self._slot_members()]
        self._plans = [epoch_batches(len(d.x_train), data.batch_size, epoch=state.epoch, seed=seed,
                                     shuffle=data.shuffle, steps=state.steps_per_epoch)
                       for d, seed in zip(self._datasets, self.seeds)]
        if state.step_in_epoch == 0:
            self.stack.reset_metrics()
            self._changed()

    def train_metrics(self, active: Sequence[Member]) -> list[dict[str, float]]:
        return self._logs(active, self.stack.metric_results())

    def validate(self, active: Sequence[Member]) -> list[dict[str, float]]:
        """``model.evaluate``'s metrics for every member: batches in order, metrics reset first."""
        datasets = [m.session.dataset for m in self._slot_members()]
        if not len(datasets[0].x_val):
            return [{} for _ in active]
        self.stack.reset_metrics()
        batch_size, count = self.members[0].session.config.data.batch_size, len(datasets[0].x_val)
        for start in range(0, count, batch_size):
            end = min(start + batch_size, count)
            self.stack.test_step(np.stack([d.x_val[start:end] for d in datasets]),
                                 np.stack([d.y_val[start:end] for d in datasets]))
        self._changed()
        return [{f"val_{k}": v for k, v in logs.items()}
                for logs in self._logs(active, self.stack.metric_results())]

    def sync(self, member: Member) -> None:
        """Make the template model and the member's Adam hold the member's state."""
        index = self.index[id(member)]
        if self._synced != (index, self._version):
            self.views.sync(member, index)
            self._synced = (index, self._version)

    def capture_for(self, member: Member) -> Callable[..., Any]:
        """The member's checkpoint snapshot, read from the stacked state without a sync."""
        from adamctl.training.state_io import capture

        def snapshot(session: Any, state: Any, *, config: dict, config_hash: str) -> Any:
            data = self.views.capture(member, self.index[id(member)], self._numpy(), state,
                                      config=config, config_hash=config_hash)
            if data is None:
                self.sync(member)
                data = capture(session, state, config=config, config_hash=config_hash)
            return data

        return snapshot

    def weights_for(self, member: Member) -> Callable[[Any], bytes]:
        """The member's weights file, its values read from the stacked state (the template
        model, synced to the member at each epoch's end, gives the file's layout)."""
        from adamctl.training.weights_file import weights_h5_bytes

        def weights(model: Any) -> bytes:
            self.sync(member)  # a no-op at an epoch's end: the member is synced already
            values = self.views.values(member, self.index[id(member)], self._numpy())
            return weights_h5_bytes(model, values)

        return weights

    def snapshot(self) -> list[np.ndarray]:
        return [np.array(a, copy=True) for a in self._numpy()]

    def restore(self, snapshot: Sequence[np.ndarray]) -> None:
        for variable, array in zip(self.stack.variables(), snapshot):
            variable.assign(array)
        self._changed()

    def member_arrays(self, member: Member) -> list[np.ndarray]:
        """The member's model, optimizer and metric variables, as its separate run lists them."""
        self.sync(member)
        model = self.template.model
        return [np.array(v.numpy()) for v in (*model.variables, *model.optimizer.variables,
                                      *model.metrics_variables)]

    def _changed(self) -> None:
        self._version += 1
        self._arrays = None

    def _numpy(self) -> list[np.ndarray]:
        if self._arrays is None:
            self._arrays = [v.numpy() for v in self.stack.variables()]
        return self._arrays

    def _logs(self, active: Sequence[Member], results: Sequence[np.ndarray]) -> list[dict]:
        return [{name: float(values[self.index[id(m)]])
                 for name, values in zip(self.names, results)} for m in active]


def _member_optimizer(config: Any, model: Any) -> Any:
    """The member's own Adam, named as its separate run's, built on ``model``'s variables."""
    from adamctl.core import build_optimizer

    spec = dict(config.optimizer)
    optimizer = build_optimizer({**spec, "name": spec.get("name") or model.optimizer.name})
    optimizer.build(model.trainable_variables)
    return optimizer
