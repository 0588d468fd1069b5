"""Adam on stacked variables: each member's update exactly as its own adamctl Adam makes it.

Every member's variables are one slice along a leading axis. The update is
elementwise, and +, -, *, /, sqrt and max are correctly rounded in any
vector lane, so one stacked op per formula term computes every member's
values as its separate run does, given the same scalars. The scalars are
where the care goes (REFERENCE.md, "Population training"):

- ``beta ** t`` is one scalar ``Pow`` per distinct beta value, as the
  separate run computes it; a vectorized pow is not correctly rounded.
- ``1 - beta`` is rounded as the member's own path rounds it: adamctl's
  generic ops take ``1 - beta`` in double, then float32; TensorFlow's fused
  kernel (``ResourceApplyAdam``, which adamctl uses for variables of 2,048
  elements or more, and for every variable with AMSGrad) subtracts the
  float32 beta in float32. So the constants are per variable and member.
- a learning-rate schedule is evaluated by the member's own schedule
  object on the iteration count, in the graph, as Keras evaluates it.

Each formula is written in the operation order of the path it mirrors
(``adamctl.core.adam`` and ``adamctl.core._fused``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

__all__ = ["StackedAdam", "MemberAdam"]


@dataclass(frozen=True)
class MemberAdam:
    """One member's Adam settings, read from its own built optimizer."""

    optimizer: Any  # the member's adamctl Adam, built on the template model's variables

    @property
    def schedule(self) -> Any:
        import keras

        rate = self.optimizer._learning_rate
        return rate if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule) else None

    def uses_fused(self, variable: Any) -> bool:
        """Whether the member's Adam updates ``variable`` with TensorFlow's fused kernel."""
        from adamctl.core._fused import ADAM_MIN_ELEMENTS

        if self.optimizer.fused is False or variable.dtype != "float32":
            return False
        return self.optimizer.amsgrad or int(np.prod(variable.shape)) >= ADAM_MIN_ELEMENTS


class StackedAdam:
    """Stacked m, v (and v_hat) for ``members`` over the template's ``variables``."""

    def __init__(self, members: Sequence[MemberAdam], variables: Sequence[Any]) -> None:
        import tensorflow as tf

        self.members = list(members)
        size = len(self.members)
        self.shapes = [(size, *v.shape) for v in variables]
        zeros = lambda shape: tf.Variable(tf.zeros(shape, tf.float32), trainable=False)
        self.m = [zeros(shape) for shape in self.shapes]
        self.v = [zeros(shape) for shape in self.shapes]
        self.amsgrad = np.array([m.optimizer.amsgrad for m in self.members])
        self.v_hat = [zeros(shape) for shape in self.shapes] if self.amsgrad.any() else []
        self.iterations = tf.Variable(0, dtype=tf.int64, trainable=False)
        self._tables = [_VariableTable.of(self.members, variable) for variable in variables]
        self._constant_rates = np.array(
            [_float32(m.optimizer.learning_rate) if m.schedule is None else 0.0
             for m in self.members], np.float32)

    def state_variables(self) -> list[Any]:
        return [self.iterations, *self.m, *self.v, *self.v_hat]

    def learning_rates(self) -> Any:
        """Each member's learning rate at this step: its constant, or its schedule now."""
        import tensorflow as tf

        if all(m.schedule is None for m in self.members):
            return tf.constant(self._constant_rates)
        return tf.stack([
            tf.cast(m.schedule(self.iterations), tf.float32) if m.schedule is not None
            else tf.constant(self._constant_rates[i]) for i, m in enumerate(self.members)])

    def apply(self, grads: Sequence[Any], weights: Sequence[Any]) -> None:
        """One update of every member's ``weights`` (stacked tf.Variables) with ``grads``."""
        import tensorflow as tf

        rates = self.learning_rates()
        powers = self._beta_powers()
        for index, (grad, weight) in enumerate(zip(grads, weights)):
            table = self._tables[index]
            self._decay(weight, table, rates)
            self._update(index, grad, weight, table, rates, powers)
        self.iterations.assign_add(tf.constant(1, tf.int64))

    def _beta_powers(self) -> tuple[Any, Any]:
        """beta_1 ** t and beta_2 ** t per member: one scalar Pow per distinct beta."""
        import tensorflow as tf

        step = tf.cast(self.iterations + 1, tf.float32)
        powers = []
        for key in ("beta_1", "beta_2"):
            values = [float(getattr(m.optimizer, key)) for m in self.members]
            cache = {b: tf.pow(tf.cast(b, tf.float32), step) for b in dict.fromkeys(values)}
            powers.append(tf.stack([cache[b] for b in values]))
        return powers[0], powers[1]

    def _decay(self, weight: Any, table: "_VariableTable", rates: Any) -> None:
        """Keras's decoupled weight decay: var - var * wd * lr, for the members that decay it."""
        import tensorflow as tf

        if not table.decays.any():
            return
        decayed = weight - weight * _column(table.decay_rates, weight) * _column(rates, weight)
        weight.assign(tf.where(_column(table.decays, weight), decayed, weight))

    def _update(self, index: int, grad: Any, weight: Any, table: "_VariableTable", rates: Any,
                powers: tuple[Any, Any]) -> None:
        import tensorflow as tf

        if table.l2.any():  # adamctl's "l2" mode adds the decay term to the gradient
            grad = tf.where(_column(table.l2, grad),
                            grad + _column(table.l2_rates, grad) * weight, grad)
        m, v = self.m[index], self.v[index]
        m.assign_add((grad - m) * _column(table.keep_1, grad))
        v.assign_add((tf.square(grad) - v) * _column(table.keep_2, grad))
        denominator_v = v
        if self.v_hat:
            v_hat = self.v_hat[index]
            amsgrad = _column(self.amsgrad, grad)
            v_hat.assign(tf.where(amsgrad, tf.maximum(v_hat, v), v_hat))
            denominator_v = tf.where(amsgrad, v_hat, v)
        weight.assign_sub(self._step(m, denominator_v, table, rates, powers))

    def _step(self, m: Any, v: Any, table: "_VariableTable", rates: Any,
              powers: tuple[Any, Any]) -> Any:
        """The amount subtracted, in each member's own form (see adamctl.core.adam._step)."""
        import tensorflow as tf

        beta_1_power, beta_2_power = powers
        kernel_form = None
        if table.kernel_form.any():
            # The fused kernel's (and the generic "hat" path's) order:
            # alpha = lr * sqrt(1 - b2^t) / (1 - b1^t); (m * alpha) / (sqrt(v) + eps).
            alpha = rates * tf.sqrt(1 - beta_2_power) / (1 - beta_1_power)
            epsilon = tf.where(table.epsilon_scaled, table.epsilon * tf.sqrt(1 - beta_2_power),
                               table.epsilon)
            kernel_form = (m * _column(alpha, m)) / (tf.sqrt(v) + _column(epsilon, m))
            if table.kernel_form.all():
                return kernel_form
        # Algorithm 1 on the generic path:
        # (m / (sqrt(v) / sqrt(1 - b2^t) + eps)) * (lr / (1 - b1^t)).
        denominator = tf.sqrt(v) / _column(tf.sqrt(1 - beta_2_power), m) + _column(table.epsilon, m)
        algorithm_1 = (m / denominator) * _column(rates / (1 - beta_1_power), m)
        if kernel_form is None:
            return algorithm_1
        return tf.where(_column(table.kernel_form, m), kernel_form, algorithm_1)


@dataclass(frozen=True)
class _VariableTable:
    """Per-member constants for one variable, as each member's own path computes them."""

    keep_1: np.ndarray
    keep_2: np.ndarray
    epsilon: np.ndarray
    kernel_form: np.ndarray  # the hat formula (fused kernel, or generic hat path)
    epsilon_scaled: np.ndarray  # algorithm1 on the fused kernel: eps * sqrt(1 - b2^t)
    decays: np.ndarray
    decay_rates: np.ndarray
    l2: np.ndarray
    l2_rates: np.ndarray

    @classmethod
    def of(cls, members: Sequence[MemberAdam], variable: Any) -> "_VariableTable":
        rows = [_member_row(member, variable) for member in members]
        return cls(*(np.array(column) for column in zip(*rows)))


def _member_row(member: MemberAdam, variable: Any) -> tuple:
    optimizer = member.optimizer
    fused = member.uses_fused(variable)
    beta_1, beta_2 = float(optimizer.beta_1), float(optimizer.beta_2)
    if fused:  # the kernel: T(1) - beta in float32
        keep_1 = np.float32(1) - np.float32(beta_1)
        keep_2 = np.float32(1) - np.float32(beta_2)
    else:  # adamctl's _one_minus: 1 - beta in double, then float32
        keep_1, keep_2 = np.float32(1 - beta_1), np.float32(1 - beta_2)
    algorithm_1 = optimizer.epsilon_mode == "algorithm1"
    decays = optimizer.weight_decay is not None and optimizer._use_weight_decay(variable)
    l2_rate = optimizer._l2_weight_decay
    l2 = l2_rate is not None and optimizer._use_weight_decay(variable)
    return (keep_1, keep_2, np.float32(optimizer.epsilon), fused or not algorithm_1,
            fused and algorithm_1, decays, np.float32(optimizer.weight_decay or 0.0),
            l2, np.float32(l2_rate or 0.0))


def _column(values: Any, like: Any) -> Any:
    """``values`` (one per member) shaped to broadcast over a stacked tensor like ``like``."""
    import tensorflow as tf

    return tf.reshape(values, [-1] + [1] * (len(like.shape) - 1))


def _float32(value: Any) -> float:
    return float(np.float32(np.asarray(value)))
