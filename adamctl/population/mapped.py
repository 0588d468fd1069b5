"""The mapped engine (JAX backend): members' states stacked, each member's own step mapped over them.

Keras's JAX ``train_step(state, data)`` is a pure function of the state
(trainable, non-trainable, optimizer and metric variables). The population
keeps every member's state stacked along a leading axis and advances all of
them with one compiled call: ``jax.lax.map`` runs the first member's
``train_step`` once per member, each on its own slice, its own batch and
its own Adam numbers. ``jax.vmap`` would batch the members' matrix products
and reductions instead, and XLA then sums the gradients in another order:
members drifted from their separate runs from the first steps, even one
member alone (``benchmarks/jax_population.py``). Under ``lax.map`` each
member runs the separate run's unbatched ops, so it computes what it would
alone; the dispatch and the compilation are shared.

A member's Adam numbers (learning rate, beta_1, beta_2, epsilon) reach the
traced step as arguments, computed as the separate run computes them:
``1 - beta`` in double, then rounded to float32; ``beta ** t`` one scalar
``pow`` per distinct beta; the learning rate is the member's own optimizer
variable. Everything else about Adam must be the same for every member
(:func:`why_not_mapped`). Each member keeps its own Keras model, built as
its separate run builds it, for its files: :meth:`MappedEngine.sync` copies
its slice into it before its hooks read it.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from adamctl.population.member import Member

__all__ = ["MappedEngine", "build_mapped", "why_not_mapped"]

# Adam settings that members may differ in: numbers the step takes as arguments.
_PER_MEMBER = ("learning_rate", "beta_1", "beta_2", "epsilon", "name")


def why_not_mapped(configs: Sequence[Mapping[str, Any]]) -> str | None:
    """None when the mapped engine can train members of these configs; else why not."""
    from adamctl.core.spec import normalize_spec
    from adamctl.population.stackable import _OFF

    from adamctl.config import backend_of

    if any(backend_of(config) != "jax" for config in configs):
        return "the mapped engine runs on the JAX backend"
    if configs[0]["training"].get("mixed_precision"):
        return "mixed precision"
    specs = [normalize_spec(dict(config["optimizer"])) for config in configs]
    for key, off in _OFF.items():
        if any(spec[key] != off for spec in specs):
            return f"optimizer.{key} is set"
    for spec in specs:
        if isinstance(spec["learning_rate"], dict):
            return "optimizer.learning_rate is a schedule (the mapped engine takes constants)"
        for key in ("beta_1", "beta_2", "epsilon"):
            if not isinstance(spec[key], (int, float)):
                return f"optimizer.{key} is a schedule"
    shared = [json.dumps({k: v for k, v in spec.items() if k not in _PER_MEMBER},
                         sort_keys=True, default=str) for spec in specs]
    if len(set(shared)) > 1:
        return ("members differ in Adam settings other than learning_rate, beta_1, beta_2 "
                "and epsilon")
    return None


def build_mapped(jobs: Sequence[Any]) -> tuple["MappedEngine | None", str | None]:
    """Each trial's session as its separate run builds it (a fresh Keras session each),
    or None and why the mapped engine does not apply."""
    from adamctl.population.replicated import separate_members

    why = why_not_mapped([job.config for job in jobs])
    if why is not None:
        return None, why
    return MappedEngine(separate_members(jobs)), None


class MappedEngine:
    """Members' stacked states, trained with one ``lax.map`` of Keras's ``train_step``."""

    name = "mapped"

    def __init__(self, members: Sequence[Member]) -> None:
        import jax

        self.members = list(members)  # those training (the worker drops any it cannot open)
        self._slots = list(members)  # every slice of the stacked state, by index
        self.index = {id(m): i for i, m in enumerate(self._slots)}
        template = self._slots[0].model
        self._template = template
        # The metric variables as a reset leaves them: each epoch and validation starts there.
        template.reset_metrics()
        self._fresh_metrics = [np.array(v.numpy()) for v in template.metrics_variables]
        # Stacked on the host, then moved in one transfer: an eager jnp op compiles once per
        # shape (a second or more for a model's variables).
        self.state = jax.device_put(tuple(
            [np.stack(arrays) for arrays in zip(*group)]
            for group in zip(*(_state_of(m.model) for m in self._slots))))
        self._host: Any = None
        self._numbers = _adam_numbers([m.model.optimizer for m in self._slots])
        self._iteration = next(i for i, v in enumerate(template.optimizer.variables)
                               if v is template.optimizer._iterations)
        self._train = None
        self._test = None
        self._version = 0
        self._synced: dict[int, int] = {}

    # The population's steps -------------------------------------------------

    def begin_epoch(self, active: Sequence[Member]) -> None:
        """Plan each active member's batches; reset the metrics at the epoch's start."""
        for member in active:
            member.plan_epoch()
        if active[0].state.step_in_epoch == 0:
            self._reset_metrics()

    def step(self, active: Sequence[Member]) -> list[dict[str, float]]:
        """One step of every member; the logs of ``active``. A member that left runs on,
        unread, on the first active member's rows of its own data."""
        import jax

        position = active[0].state.step_in_epoch
        running = {id(m) for m in active}
        rows = [(m if id(m) in running else active[0]).batches[position] for m in self._slots]
        x, y = self._batches(rows, lambda d: (d.x_train, d.y_train))
        if self._train is None:
            self._train = jax.jit(self._population_train_step, donate_argnums=0)
        logs, self.state = self._train(self.state, self._numbers, x, y)
        self._changed()
        return self._logs(active, logs)

    def train_metrics(self, active: Sequence[Member]) -> list[dict[str, float]]:
        """The epoch's running training metrics (loss first), before validation resets them."""
        return self._metric_results(active)

    def validate(self, active: Sequence[Member]) -> list[dict[str, float]]:
        """``model.evaluate``'s metrics for every member: batches in order, metrics reset first."""
        import jax

        datasets = [m.session.dataset for m in self._slots]
        if not len(datasets[0].x_val):
            return [{} for _ in active]
        self._reset_metrics()
        if self._test is None:
            self._test = jax.jit(self._population_test_step)
        batch_size, count = self._slots[0].session.config.data.batch_size, len(datasets[0].x_val)
        trainable, non_trainable, optimizer, metrics = self.state
        for start in range(0, count, batch_size):
            rows = np.arange(start, min(start + batch_size, count))
            x, y = self._batches([rows] * len(self._slots), lambda d: (d.x_val, d.y_val))
            metrics = self._test((trainable, non_trainable, metrics), x, y)
        self.state = (trainable, non_trainable, optimizer, metrics)
        self._changed()
        return [{f"val_{k}": v for k, v in logs.items()} for logs in self._metric_results(active)]

    def _population_train_step(self, state: Any, numbers: Any, x: Any, y: Any) -> Any:
        """Every member's ``train_step`` on its slice, batch and Adam numbers (traced once)."""
        import jax

        powers = self._powers(state[2][self._iteration][0])
        model = self._template

        def member_step(slices: Any) -> Any:
            member_state, member_numbers, member_powers, member_x, member_y = slices
            with _adam_numbers_traced(model.optimizer, member_numbers, member_powers):
                return model.train_step(member_state, (member_x, member_y, None))

        return jax.lax.map(member_step, (state, numbers, powers, x, y))

    def _population_test_step(self, state: Any, x: Any, y: Any) -> Any:
        import jax

        model = self._template

        def member_test(slices: Any) -> Any:
            member_state, member_x, member_y = slices
            return model.test_step(member_state, (member_x, member_y, None))[1][2]

        return jax.lax.map(member_test, (state, x, y))

    def _powers(self, iterations: Any) -> tuple[Any, Any]:
        """beta_1 ** t and beta_2 ** t per member: one scalar pow per distinct beta, as the
        separate run computes it (``pow(float32(beta), float32(iterations + 1))``)."""
        import jax.numpy as jnp
        from keras import ops

        step = ops.cast(iterations + 1, "float32")
        found = []
        for betas in self._betas():
            distinct = sorted(set(betas))
            table = jnp.stack([ops.power(ops.cast(beta, "float32"), step) for beta in distinct])
            found.append(table[np.array([distinct.index(beta) for beta in betas])])
        return found[0], found[1]

    def _betas(self) -> tuple[list[float], list[float]]:
        """Each slot's beta_1 and beta_2, as its Adam holds them (Python floats)."""
        optimizers = [m.model.optimizer for m in self._slots]
        return [o.beta_1 for o in optimizers], [o.beta_2 for o in optimizers]

    def _batches(self, rows: Sequence[np.ndarray], arrays: Callable[[Any], tuple]) -> tuple:
        """Each slot's rows of its own dataset, stacked."""
        picked = [tuple(a[index] for a in arrays(m.session.dataset))
                  for m, index in zip(self._slots, rows)]
        return np.stack([x for x, _ in picked]), np.stack([y for _, y in picked])

    def _reset_metrics(self) -> None:
        import jax

        count = len(self._slots)
        metrics = jax.device_put([np.broadcast_to(a, (count, *a.shape)) for a in self._fresh_metrics])
        self.state = (*self.state[:3], metrics)
        self._changed()

    def _metric_results(self, active: Sequence[Member]) -> list[dict[str, float]]:
        """Each member's metric results as its model's ``get_metrics_result`` gives them
        (its metric variables copied in first)."""
        found = []
        metrics = self._on_host()[3]
        for member in active:
            index = self.index[id(member)]
            for variable, values in zip(member.model.metrics_variables, metrics):
                variable.assign(values[index])
            found.append({k: float(v) for k, v in member.model.get_metrics_result().items()})
        return found

    def _logs(self, active: Sequence[Member], logs: Mapping[str, Any]) -> list[dict[str, float]]:
        values = {name: np.asarray(v) for name, v in logs.items()}
        return [{name: float(v[self.index[id(m)]]) for name, v in values.items()} for m in active]

    # Each member's own model, for its files ---------------------------------

    def sync(self, member: Member) -> None:
        """Make the member's own model and Adam hold its slice of the stacked state."""
        index = self.index[id(member)]
        if self._synced.get(index) == self._version:
            return
        for variables, stacked in zip(_variables_of(member.model), self._on_host()):
            for variable, values in zip(variables, stacked):
                variable.assign(values[index])
        self._synced[index] = self._version

    def capture_for(self, member: Member) -> Callable[..., Any]:
        """The member's checkpoint snapshot, taken from its model once synced."""
        from adamctl.training.state_io import capture

        def snapshot(session: Any, state: Any, *, config: dict, config_hash: str) -> Any:
            self.sync(member)
            return capture(session, state, config=config, config_hash=config_hash)

        return snapshot

    def weights_for(self, member: Member) -> None:
        """The separate run's own weights file (read from the member's model, synced)."""
        return None

    def snapshot(self) -> Any:
        """A copy of the stacked state, on the host (a step donates the state's buffers)."""
        return self._on_host()

    def restore(self, snapshot: Any) -> None:
        """Go back to ``snapshot``, every member's own model too."""
        import jax

        self.state = jax.device_put(snapshot)
        self._changed()
        for member in self.members:
            self.sync(member)

    def member_arrays(self, member: Member) -> list[np.ndarray]:
        """The member's model, optimizer and metric variables, as its separate run lists them."""
        from keras import ops

        self.sync(member)
        model = member.model
        return [np.array(ops.convert_to_numpy(v)) for v in
                (*model.variables, *model.optimizer.variables, *model.metrics_variables)]

    def _changed(self) -> None:
        self._version += 1
        self._host = None

    def _on_host(self) -> Any:
        """The stacked state as NumPy arrays, fetched once per change (slicing on the
        device would compile an op per variable shape)."""
        import jax

        if self._host is None:
            self._host = jax.device_get(self.state)
        return self._host


def _variables_of(model: Any) -> tuple[list, list, list, list]:
    """The four groups of a Keras JAX ``train_step``'s state, as variables."""
    return (list(model.trainable_variables), list(model.non_trainable_variables),
            list(model.optimizer.variables), list(model.metrics_variables))


def _state_of(model: Any) -> tuple[list, ...]:
    """The model's ``train_step`` state as arrays (the order of :func:`_variables_of`)."""
    return tuple([np.asarray(v.value) for v in group] for group in _variables_of(model))


def _adam_numbers(optimizers: Sequence[Any]) -> dict[str, np.ndarray]:
    """Each member's beta_1, beta_2, epsilon and 1 - beta, as float32 arrays.

    ``1 - beta`` is computed in double and then rounded, as the separate
    run's Adam computes it from its Python float; the others are rounded
    from the Python floats, as constants in a separate run's step are.
    """
    def numbers(values: Sequence[float]) -> np.ndarray:
        return np.array([float(v) for v in values], dtype=np.float64).astype(np.float32)

    return {"beta_1": numbers(o.beta_1 for o in optimizers),
            "beta_2": numbers(o.beta_2 for o in optimizers),
            "keep_1": numbers(1 - float(o.beta_1) for o in optimizers),
            "keep_2": numbers(1 - float(o.beta_2) for o in optimizers),
            "epsilon": numbers(o.epsilon for o in optimizers)}


@contextmanager
def _adam_numbers_traced(optimizer: Any, numbers: Mapping[str, Any],
                         powers: tuple[Any, Any]) -> Iterator[None]:
    """While a member's step is traced, ``optimizer`` uses that member's numbers.

    adamctl's Adam reads a step's scalars through ``_scalars`` and its
    epsilon from ``self.epsilon``; both are shadowed on the instance for the
    span of the trace.
    """
    from adamctl.core.adam import _StepScalars
    from keras import ops

    def scalars(dtype: Any, learning_rate: Any) -> _StepScalars:
        found = _StepScalars(
            lr=ops.cast(learning_rate, dtype), beta_1=numbers["beta_1"],
            beta_2=numbers["beta_2"], beta_1_power=powers[0], beta_2_power=powers[1],
            keep_1=numbers["keep_1"], keep_2=numbers["keep_2"], epsilon=numbers["epsilon"])
        if optimizer.epsilon_mode == "algorithm1":
            return found._replace(fused_epsilon=found.epsilon * ops.sqrt(1 - found.beta_2_power))
        return found._replace(fused_epsilon=found.epsilon)

    epsilon = optimizer.epsilon
    optimizer._scalars, optimizer.epsilon = scalars, numbers["epsilon"]
    try:
        yield
    finally:
        del optimizer._scalars
        optimizer.epsilon = epsilon
