"""The compiled halves of a diagnostics step, made once per optimizer: copy before, reduce after.

``copy`` keeps theta and m just before the step; ``reduce`` turns (the copies,
theta, m, v, v_hat and four scalars) into the table of
:func:`adamctl.core._reduction.make_reduction`, fetched to the host in one
transfer.

On TensorFlow both are ``tf.function``\\ s that read the optimizer's
variables themselves, and the copies live in persistent buffers (one
non-trainable ``tf.Variable`` per theta and per m, made at the first
diagnostics step; not part of the optimizer, so never checkpointed). Passing
the step's tensors as arguments instead cost 2.4 ms a call on the quickstart
MLP (34 tensors; 2 shared cores), all of it in TensorFlow's canonicalisation
of the arguments: more than the reduction itself. Reading the variables, a
call costs about 0.1 ms. JAX's ``jit`` captures values rather than
variables, so other backends pass the tensors as arguments.
"""

from __future__ import annotations

import weakref
from typing import Any, Sequence

import numpy as np

from adamctl.core._reduction import make_reduction

__all__ = ["probe_of"]

# One probe per live optimizer; it dies with its optimizer (a probe holds the
# optimizer's variables, never the optimizer itself).
_PROBES: "weakref.WeakKeyDictionary[Any, tuple[tuple, Any]]" = weakref.WeakKeyDictionary()


def probe_of(adam: Any) -> Any:
    """The probe of ``adam``, made (and traced) at its first diagnostics step."""
    amsgrad = bool(getattr(adam, "amsgrad", False))
    shape = (amsgrad, tuple(id(v) for v in adam._trainable_variables))
    known = _PROBES.get(adam)
    if known is None or known[0] != shape:
        sizes = [int(np.prod(v.shape)) for v in adam._trainable_variables]
        reduction = make_reduction(float(adam.epsilon), getattr(adam, "epsilon_mode", "hat"),
                                   amsgrad, sizes)
        variables = _Variables(list(adam._trainable_variables), list(adam._momentums),
                               list(adam._velocities),
                               list(adam._velocity_hats) if amsgrad else None,
                               _step_count(adam), _constant_learning_rate(adam))
        known = (shape, _make_probe(reduction, variables))
        _PROBES[adam] = known
    return known[1]


def _step_count(adam: Any) -> Any:
    """A function giving ``adam.iterations`` now (a tensor computed from a variable under
    gradient accumulation); it holds the optimizer weakly, like ``_PROBES``."""
    owner = weakref.ref(adam)
    return lambda: owner().iterations


def _constant_learning_rate(adam: Any) -> Any:
    """The variable holding a constant learning rate; None for a schedule (evaluated eagerly)."""
    import keras

    rate = getattr(adam, "_learning_rate", None)
    return rate if isinstance(rate, keras.Variable) else None


class _Variables:
    """What a diagnostics step reads: theta, m, v, v_hat (AMSGrad), t (a function), constant lr."""

    def __init__(self, thetas: list, momentums: list, velocities: list, hats: list | None,
                 iterations: Any, learning_rate: Any) -> None:
        self.thetas, self.momentums = thetas, momentums
        self.velocities, self.hats = velocities, hats
        self.iterations, self.learning_rate = iterations, learning_rate


def _make_probe(reduction: Any, variables: _Variables) -> Any:
    import keras

    if keras.backend.backend() == "tensorflow":
        return _TensorFlowProbe(reduction, variables)
    return _ArgumentProbe(reduction, variables)


class _TensorFlowProbe:
    """Copies into buffers, and an XLA reduction over the variables: nothing passed but 3 scalars.

    The copy also returns a constant learning rate, and the reduction the
    step count t: read apart, eagerly, each took 0.25 ms on a step that had
    just trained (its caches cold).
    """

    def __init__(self, reduction: Any, variables: _Variables) -> None:
        import tensorflow as tf
        from keras import ops

        sources = variables.thetas + variables.momentums
        buffers = [tf.Variable(tf.zeros(v.shape, v.dtype), trainable=False) for v in sources]
        count = len(variables.thetas)
        rate = variables.learning_rate

        def copy() -> Any:
            for buffer, source in zip(buffers, sources):
                buffer.assign(ops.convert_to_tensor(source))
            return ops.convert_to_tensor(rate) if rate is not None else tf.constant(0.0)

        def reduce(scalars: Any) -> tuple[Any, Any]:
            read = lambda xs: [ops.convert_to_tensor(x) for x in xs]  # noqa: E731
            iterations = ops.convert_to_tensor(variables.iterations())
            table = reduction(read(buffers[:count]), read(variables.thetas),
                              read(buffers[count:]), read(variables.momentums),
                              read(variables.velocities),
                              read(variables.hats) if variables.hats is not None else None,
                              scalars[0], scalars[1], scalars[2], ops.cast(iterations, "float32"))
            return table, iterations

        self._buffers, self._reads_rate = (buffers, count), rate is not None
        # Concrete functions, called directly: tf.function's lookup of the
        # trace for its arguments took 0.1-0.3 ms a call here.
        self._copy = tf.function(copy).get_concrete_function()
        # XLA fuses the whole reduction into one executable (no sorts: see
        # adamctl.core._quantiles), for about 1 s of compiling at the first
        # diagnostics step.
        self._reduce = tf.function(reduce, jit_compile=True).get_concrete_function(
            tf.TensorSpec((3,), tf.float32))

    def copy(self) -> tuple[list, list, float | None]:
        """theta and m kept on the device, and a constant learning rate (None for a schedule)."""
        rate = self._copy()
        buffers, count = self._buffers
        return buffers[:count], buffers[count:], float(rate.numpy()) if self._reads_rate else None

    def reduce(self, before: Any, scalars: Sequence[float]) -> tuple[np.ndarray, int]:
        """The table for the step's (lr, beta_1, beta_2), and its t."""
        import tensorflow as tf

        table, iterations = self._reduce(tf.constant(scalars, dtype=tf.float32))
        return table.numpy(), int(iterations.numpy())


class _ArgumentProbe:
    """Copies as new tensors, and the reduction compiled over its arguments (JAX, torch)."""

    def __init__(self, reduction: Any, variables: _Variables) -> None:
        import keras

        self._variables = variables
        if keras.backend.backend() == "jax":
            import jax

            reduction = jax.jit(reduction)
        self._reduction = reduction

    def copy(self) -> tuple[list, list, None]:
        from keras import ops

        return ([ops.copy(x) for x in self._variables.thetas],
                [ops.copy(m) for m in self._variables.momentums], None)

    def reduce(self, before: Any, scalars: Sequence[float]) -> tuple[np.ndarray, int]:
        from keras import ops

        read = lambda xs: [ops.convert_to_tensor(x) for x in xs]  # noqa: E731
        found = self._variables
        t = int(ops.convert_to_numpy(found.iterations()))
        return ops.convert_to_numpy(self._reduction(
            before.thetas, read(found.thetas), before.momentums, read(found.momentums),
            read(found.velocities), read(found.hats) if found.hats is not None else None,
            # Tensors, not NumPy scalars: a new scalar value would retrace the function.
            *(ops.convert_to_tensor(np.float32(x)) for x in (*scalars, t)))), t
