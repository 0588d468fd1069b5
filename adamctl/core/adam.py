"""`Adam`: the Keras 3 Adam optimizer, checked strictly, with two cross-framework modes.

Only Adam lives here: its arguments, ``build``, ``update_step`` and its
config. Clipping, EMA, gradient accumulation, loss scaling, decoupled weight
decay and variable tracking are Keras's base ``Optimizer``'s, unchanged.
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import keras
import numpy as np
from keras import ops

from adamctl.core import _checks
from adamctl.core._arguments import EPSILON_MODES, WEIGHT_DECAY_MODES
from adamctl.core.schedules import BetaSchedule, beta_schedule_from_config
from adamctl.errors import InvalidArgument

__all__ = ["Adam"]


# Registered when the class is defined, as "adamctl>Adam": Keras's loaders
# (load_model, .h5, pickle, copy, optimizers.deserialize) find it by that
# name without custom_objects, and a plain Keras "Adam" config still gives
# Keras's Adam.
@keras.saving.register_keras_serializable(package="adamctl")
class Adam(keras.optimizers.Optimizer):
    r"""Adam: adaptive moment estimation (Kingma & Ba, 2014), as Keras 3 defines it.

    Keeps running averages of the gradient (m) and of its square (v) and
    steps each weight by their ratio. With the defaults it computes exactly
    what ``keras.optimizers.Adam`` computes, and it accepts the same
    arguments, in the same order; every argument is checked at construction.

    Update rule for a weight ``theta`` with gradient ``g`` at step t = 1, 2, ...
    (``epsilon_mode="hat"``, the Keras form)::

        m     <- m + (g - m) * (1 - beta_1)
        v     <- v + (g^2 - v) * (1 - beta_2)
        v_hat <- max(v_hat, v)                      (amsgrad only; used in place of v)
        alpha <- learning_rate * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        theta <- theta - alpha * m / (sqrt(v) + epsilon)

    ``epsilon_mode="algorithm1"`` (Kingma & Ba Algorithm 1, ``torch.optim.Adam``,
    ``optax.adam``) adds epsilon to the square root of the bias-corrected v::

        theta <- theta - learning_rate * (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)

    The two agree when epsilon_hat = epsilon * sqrt(1 - beta_2^t): a
    constant epsilon in one is a time-varying one in the other.

    ``weight_decay_mode="decoupled"`` (Keras, AdamW; Loshchilov & Hutter 2019)
    shrinks the weights before the step, ``theta <- theta * (1 - lr * weight_decay)``;
    ``"l2"`` (``torch.optim.Adam(weight_decay=...)``) adds ``weight_decay * theta``
    to the gradient before the moments, so the decay is rescaled by 1 / sqrt(v).

    Args:
        learning_rate: float > 0, a ``keras.optimizers.schedules.LearningRateSchedule``
            or a zero-argument callable. Default 0.001.
        beta_1: decay of the first moment: float in [0, 1), a constant scalar
            tensor, a zero-argument callable or a
            :class:`~adamctl.core.schedules.BetaSchedule`. Default 0.9.
        beta_2: decay of the second moment, same forms. Default 0.999.
        epsilon: float > 0, the "epsilon hat" of the Keras form (or Algorithm
            1's epsilon with ``epsilon_mode="algorithm1"``). Default 1e-7.
        amsgrad: use the running maximum of v (Reddi et al. 2018). Default False.
        weight_decay: float >= 0 or None. Default None.
        clipnorm, clipvalue, global_clipnorm: float > 0 or None; at most one.
        use_ema: keep an exponential moving average of the weights. Default False.
        ema_momentum: float in [0, 1]. Default 0.99.
        ema_overwrite_frequency: int >= 1 or None. Default None.
        loss_scale_factor: float > 0 or None. Default None.
        gradient_accumulation_steps: int >= 2 or None. Default None.
        name: the name scope of the optimizer's variables. Default None:
            Keras numbers it, "adam", "adam_1", ... as for its own Adam.
        epsilon_mode: "hat" (default) or "algorithm1".
        weight_decay_mode: "decoupled" (default) or "l2".
        fused: on TensorFlow, use the fused ``ResourceApplyAdam`` kernels
            where they apply (hat mode, dense gradients, float dtypes, no
            distribution strategy). None (default) means yes.

    Raises:
        ValueError: an argument of the wrong type or out of range, naming
            the argument, the value received and what is allowed.

    Example:
        >>> import keras, numpy as np
        >>> from adamctl.core import Adam
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer=Adam(learning_rate=0.01, amsgrad=True), loss="mse")
        >>> history = model.fit(np.ones((8, 4)), np.ones((8, 1)), epochs=1, verbose=0)

    References:
        Kingma & Ba, "Adam: A Method for Stochastic Optimization", 2014, arXiv:1412.6980.
        Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
        Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018.
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: Any = 0.9,
        beta_2: Any = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        epsilon_mode: str = "hat",
        weight_decay_mode: str = "decoupled",
        fused: bool | None = None,
        **kwargs: Any,
    ) -> None:
        _refuse_unknown(kwargs)
        opt = _checks.check_optional
        weight_decay = opt(_checks.check_non_negative, "weight_decay", weight_decay)
        weight_decay_mode = _checks.check_choice("weight_decay_mode", weight_decay_mode,
                                                 WEIGHT_DECAY_MODES)
        clips = {
            "clipnorm": opt(_checks.check_positive, "clipnorm", clipnorm),
            "clipvalue": opt(_checks.check_positive, "clipvalue", clipvalue),
            "global_clipnorm": opt(_checks.check_positive, "global_clipnorm", global_clipnorm),
        }
        _checks.check_exclusive_clipping(clips)
        super().__init__(
            learning_rate=_check_learning_rate(learning_rate),
            # None: Keras's auto-numbered "adam", "adam_1", ...
            name=opt(_checks.check_name, "name", name),
            weight_decay=weight_decay if weight_decay_mode == "decoupled" else None,
            use_ema=_checks.check_bool("use_ema", use_ema),
            ema_momentum=_checks.check_unit_interval("ema_momentum", ema_momentum, closed=True),
            ema_overwrite_frequency=opt(_checks.check_int_at_least, "ema_overwrite_frequency",
                                        ema_overwrite_frequency, 1),
            loss_scale_factor=opt(_checks.check_positive, "loss_scale_factor", loss_scale_factor),
            gradient_accumulation_steps=opt(
                _checks.check_int_at_least, "gradient_accumulation_steps",
                gradient_accumulation_steps, 2, hint=" (None for no accumulation)"),
            **clips,
        )
        self.beta_1 = _check_beta("beta_1", beta_1)
        self.beta_2 = _check_beta("beta_2", beta_2)
        self.epsilon = _checks.check_positive("epsilon", epsilon)
        self.amsgrad = _checks.check_bool("amsgrad", amsgrad)
        self.epsilon_mode = _checks.check_choice("epsilon_mode", epsilon_mode, EPSILON_MODES)
        self.weight_decay_mode = weight_decay_mode
        # In "l2" mode the base class must not decay (its `weight_decay` stays
        # None); update_step adds the term, and get_config reports the rate.
        self._l2_weight_decay = weight_decay if weight_decay_mode == "l2" else None
        self.fused = None if fused is None else _checks.check_bool("fused", fused)

    def build(self, var_list: list[Any]) -> None:
        """Create the slots: a momentum and a velocity per variable, v_hat with amsgrad.

        Slot order matches ``keras.optimizers.Adam``, so the two optimizers'
        saved states are interchangeable.
        """
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _backend_update_step(self, grads: Any, trainable_variables: Any, learning_rate: Any) -> Any:
        # The step's scalars (cast learning rate, beta powers...) depend only
        # on the dtype: compute them once per step, not once per variable.
        self._scalar_cache: dict[Any, _StepScalars] | None = {}
        try:
            return super()._backend_update_step(grads, trainable_variables, learning_rate)
        finally:
            self._scalar_cache = None

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """Apply one Adam update to ``variable`` (the rule in the class docstring)."""
        dtype = variable.dtype
        scalars = self._scalars(dtype, learning_rate)
        gradient = ops.cast(gradient, dtype)
        if self._l2_weight_decay is not None and self._use_weight_decay(variable):
            # L2 form: the decay term joins the gradient before the moments.
            gradient = ops.add(gradient, ops.multiply(
                ops.cast(self._l2_weight_decay, dtype), ops.convert_to_tensor(variable)))
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        v_hat = self._velocity_hats[index] if self.amsgrad else None
        if self._fused_applies(variable, gradient):
            from adamctl.core._fused import fused_update

            fused_update(variable, gradient, m, v, v_hat, lr=scalars.lr, beta_1=scalars.beta_1,
                         beta_2=scalars.beta_2, beta_1_power=scalars.beta_1_power,
                         beta_2_power=scalars.beta_2_power, epsilon=scalars.fused_epsilon)
            return
        self._update_moments(gradient, m, v, scalars.keep_1, scalars.keep_2)
        if v_hat is not None:
            # AMSGrad (Reddi et al. 2018): the max is over the raw v; m is not max-ed.
            self.assign(v_hat, ops.maximum(v_hat, v))
            v = v_hat
        self.assign_sub(variable, self._step(m, v, scalars))

    def _scalars(self, dtype: Any, learning_rate: Any) -> "_StepScalars":
        cache = getattr(self, "_scalar_cache", None)
        if cache is not None and dtype in cache:
            return cache[dtype]
        beta_1, beta_2 = self._beta_now(self.beta_1), self._beta_now(self.beta_2)
        local_step = ops.cast(self.iterations + 1, dtype)
        scalars = _StepScalars(
            lr=ops.cast(learning_rate, dtype),
            beta_1=ops.cast(beta_1, dtype), beta_2=ops.cast(beta_2, dtype),
            beta_1_power=ops.power(ops.cast(beta_1, dtype), local_step),
            beta_2_power=ops.power(ops.cast(beta_2, dtype), local_step),
            keep_1=_one_minus(beta_1, dtype), keep_2=_one_minus(beta_2, dtype),
            epsilon=ops.cast(self.epsilon, dtype),
        )
        if self.epsilon_mode == "algorithm1":
            # The kernel adds epsilon to the uncorrected sqrt(v); Algorithm 1's
            # update is that one with epsilon_hat = epsilon * sqrt(1 - beta_2^t).
            scalars = scalars._replace(
                fused_epsilon=scalars.epsilon * ops.sqrt(1 - scalars.beta_2_power))
        else:
            scalars = scalars._replace(fused_epsilon=scalars.epsilon)
        if cache is not None:
            cache[dtype] = scalars
        return scalars

    def _update_moments(self, gradient: Any, m: Any, v: Any, keep_1: Any, keep_2: Any) -> None:
        # Keras's operation order, m + (g - m)(1 - b1), not b1*m + (1-b1)*g:
        # the same rounding gives bit-for-bit the same weights.
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), keep_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), keep_2))

    def _step(self, m: Any, v: Any, s: "_StepScalars") -> Any:
        if self.epsilon_mode == "hat":
            # "hat" form: both bias corrections go into the step size (Kingma
            # & Ba, just before Sec. 2.1), so epsilon is added to the
            # *uncorrected* sqrt(v).
            alpha = s.lr * ops.sqrt(1 - s.beta_2_power) / (1 - s.beta_1_power)
            return ops.divide(ops.multiply(m, alpha), ops.add(ops.sqrt(v), self.epsilon))
        # Algorithm 1: epsilon is added to sqrt of the bias-corrected v, in
        # torch.optim.Adam's order: (sqrt(v) / sqrt(1 - b2^t)) + eps, step lr / (1 - b1^t).
        denominator = ops.add(ops.divide(ops.sqrt(v), ops.sqrt(1 - s.beta_2_power)), self.epsilon)
        return ops.multiply(ops.divide(m, denominator), s.lr / (1 - s.beta_1_power))

    def _beta_now(self, beta: Any) -> Any:
        """A beta as used at this step: a float, or a schedule, variable or callable evaluated now."""
        if isinstance(beta, BetaSchedule):
            return beta(self.iterations)
        if _is_variable(beta):
            return ops.convert_to_tensor(beta)
        if callable(beta):
            return beta()
        return beta

    def _fused_applies(self, variable: Any, gradient: Any) -> bool:
        if self.fused is False:
            return False
        if keras.backend.backend() != "tensorflow":
            return False
        from adamctl.core._fused import fused_supported

        return fused_supported(variable, gradient, amsgrad=self.amsgrad)

    def exclude_from_weight_decay(self, var_list: Any = None, var_names: Any = None) -> None:
        """Exclude variables (or those whose name matches a pattern) from weight decay.

        Must be called before the optimizer is built (Keras 3.15 means to
        refuse a later call but tests the wrong attribute; this does refuse).
        A second call replaces the first.

        Raises:
            ValueError: the optimizer is already built.
        """
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` must be called before the optimizer is built; "
                "call it before the first apply() or build()."
            )
        if isinstance(var_names, str):
            # Keras would iterate the string's characters and exclude nearly everything.
            var_names = [var_names]
        super().exclude_from_weight_decay(var_list=var_list, var_names=var_names)

    def load_own_variables(self, store: Any) -> None:
        """Load state written by ``save_own_variables``; refuse state that does not fit.

        Keras only warns and skips on a count mismatch (keras issue 19389);
        here any mismatch in count or shape is an error naming what differs.
        Keras's own layouts are not mismatches: an unbuilt optimizer's state
        (a model saved after ``compile()``, before training) and a
        LossScaleOptimizer's (a ``mixed_float16`` model loaded under another
        policy); see ``adamctl.core._state``.

        Raises:
            ValueError: the number or shapes of the entries differ from the
                variables (the optimizer may need building first).
        """
        from adamctl.core._state import StateMismatch, match_state

        variables = self.variables
        entries = [store[str(index)] for index in range(len(store.keys()))]
        try:
            matched = match_state(
                entries, [tuple(v.shape) for v in variables],
                unbuilt_count=1 + isinstance(self._learning_rate, keras.Variable),
                stepped=int(ops.convert_to_numpy(self.iterations)) != 0)
        except StateMismatch as error:
            hint = ("; build it first: optimizer.build(model.trainable_variables)"
                    if not self.built else "")
            raise ValueError(f"Optimizer '{self.name}' {error}{hint}.") from None
        for variable, value in zip(variables, matched):
            variable.assign(value)

    def get_config(self) -> dict[str, Any]:
        """Every argument, JSON-serializable (schedules as their configs)."""
        config = super().get_config()
        config.update({
            "beta_1": _beta_config(self.beta_1),
            "beta_2": _beta_config(self.beta_2),
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
            "epsilon_mode": self.epsilon_mode,
            "weight_decay_mode": self.weight_decay_mode,
            "fused": self.fused,
        })
        if self._l2_weight_decay is not None:
            config["weight_decay"] = self._l2_weight_decay
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> "Adam":
        """The inverse of :meth:`get_config`."""
        config = dict(config)
        for key in ("beta_1", "beta_2"):
            if isinstance(config.get(key), dict):
                config[key] = beta_schedule_from_config(config[key])
        return super().from_config(config, custom_objects=custom_objects)


def _refuse_unknown(kwargs: dict[str, Any]) -> None:
    """An argument Adam does not take, named with the closest one it does."""
    if not kwargs:
        return
    import difflib
    import inspect

    known = [p for p in inspect.signature(Adam.__init__).parameters if p not in ("self", "kwargs")]
    name = next(iter(kwargs))
    close = difflib.get_close_matches(name, known, n=1)
    raise InvalidArgument(name, kwargs[name], "an argument of Adam (" + ", ".join(known) + ")",
                          suggestion=close[0] if close else None)


def _check_learning_rate(value: Any) -> Any:
    from keras.optimizers.schedules import LearningRateSchedule

    if isinstance(value, LearningRateSchedule) or (callable(value) and not _is_tensor(value)):
        return value
    if _is_tensor(value):
        value = _scalar(value, "learning_rate")
    return _checks.check_positive("learning_rate", value)


def _check_beta(name: str, value: Any) -> Any:
    if isinstance(value, BetaSchedule) or (callable(value) and not _is_tensor(value)):
        return value
    if _is_variable(value):
        # A variable is read at every step (it may be assigned between steps);
        # its value now must be a valid beta.
        _checks.check_unit_interval(name, _scalar(value, name))
        return value
    if isinstance(value, dict):
        return beta_schedule_from_config(value)
    if _is_tensor(value):
        # A constant tensor becomes a float: get_config stays JSON-serializable.
        value = _scalar(value, name)
    return _checks.check_unit_interval(name, value)


def _is_variable(value: Any) -> bool:
    """A Keras or backend variable (assignable), as opposed to a constant tensor."""
    if isinstance(value, keras.Variable):
        return True
    return type(value).__name__ in ("ResourceVariable", "Variable", "UninitializedVariable") \
        and hasattr(value, "assign")


def _is_tensor(value: Any) -> bool:
    return not isinstance(value, numbers.Number) and hasattr(value, "shape") and hasattr(value, "dtype")


def _scalar(value: Any, name: str) -> float:
    array = np.asarray(keras.ops.convert_to_numpy(value))
    if array.shape != () or not np.issubdtype(array.dtype, np.floating):
        raise InvalidArgument(name, value, "a float scalar")
    return float(array)


class _StepScalars(NamedTuple):
    """The scalars of one step, in a variable dtype: lr, the betas, beta^t, 1 - beta, epsilon."""

    lr: Any
    beta_1: Any
    beta_2: Any
    beta_1_power: Any
    beta_2_power: Any
    keep_1: Any
    keep_2: Any
    epsilon: Any
    fused_epsilon: Any = None


def _one_minus(beta: Any, dtype: Any) -> Any:
    """1 - beta: in Python double for a float beta (as Keras computes it), else a tensor."""
    if isinstance(beta, float):
        return 1 - beta
    return ops.cast(1 - ops.cast(beta, "float32"), dtype)


def _beta_config(beta: Any) -> Any:
    if isinstance(beta, BetaSchedule):
        return beta.get_config()
    if _is_variable(beta):
        return _scalar(beta, "beta")  # its current value: configs are plain JSON
    return beta
