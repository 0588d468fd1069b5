"""Adam's diagnostics: what epsilon and the betas are doing, from the state Adam holds.

Measured around one real update without touching :class:`~adamctl.core.adam.Adam`'s
update (no cost when off): :func:`snapshot` copies theta and m on the device
just before the step, :func:`measure` reduces (theta before and after, g, m,
v, v_hat, t) to a few numbers per variable after it. Only scalars leave the
device; percentiles are sorts on the device.

The gradient is the one Adam used (after accumulation, clipping, loss-scale
division and the L2 term), recovered from the momentum update
``m_t = m_{t-1} + (g - m_{t-1}) (1 - beta_1)`` (the operation order of both the
fused kernel and the generic path), so the fused and the generic path, EMA and
accumulation are measured alike. Its rounding error is a few float32 ulps of m
divided by (1 - beta_1): negligible for the fractions, medians and cosines here.

Definitions (Algorithm 1 notation: m_hat = m / (1 - beta_1^t), v_hat = v' / (1 - beta_2^t)
with v' = v, or AMSGrad's running max; eps_t = epsilon in ``algorithm1`` mode and
epsilon_hat / sqrt(1 - beta_2^t) in ``hat`` mode, so that every step is
lr * m_hat / (sqrt(v_hat) + eps_t)):

- ``epsilon_dominated``: fraction of coordinates with sqrt(v') < epsilon_hat (hat,
  Keras's form) or sqrt(v' / (1 - beta_2^t)) < epsilon (algorithm1); there Adam is
  momentum SGD with step lr / eps_t. Coordinates never given a gradient (v = 0) count.
- ``effective_lr_p01/p50/p99``: percentiles of lr / (sqrt(v_hat) + eps_t), the rate on m_hat.
- ``update_to_weight``: ||theta_t - theta_{t-1}|| / ||theta_{t-1}|| (decoupled decay included).
- ``update_saturated``: fraction with |m_hat / (sqrt(v_hat) + eps_t)| > 0.9 (Molybog et al. 2023).
- ``update_alignment``: cos(theta_t - theta_{t-1}, -g).
- ``grad_to_v``: median of g^2 / v, taking 0 where v = 0 (Bai et al. 2025).
- ``vhat_gap``: mean(v_hat - v) / mean(v), AMSGrad only.

The ``all`` row pools every coordinate of every variable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from adamctl._rectifier import radam_rectifier

__all__ = ["COLUMNS", "SATURATION", "Snapshot", "adam_of", "measure", "radam_rectifier", "snapshot",
           "step_scalars"]

COLUMNS = ("epsilon_dominated", "effective_lr_p01", "effective_lr_p50", "effective_lr_p99",
           "update_to_weight", "update_saturated", "update_alignment", "grad_to_v", "vhat_gap")

# |m_hat / (sqrt(v_hat) + eps_t)| above this counts as saturated: the update
# is then close to the largest Adam takes, lr per coordinate (Kingma & Ba Sec. 2.1).
SATURATION = 0.9

_QUANTILES = (0.01, 0.5, 0.99)


@dataclass
class Snapshot:
    """What a step changes, copied on the device just before it, and its scalars."""

    thetas: list[Any]
    momentums: list[Any]
    learning_rate: float
    beta_1: float
    beta_2: float


def adam_of(optimizer: Any) -> Any:
    """The Adam inside a loss-scale wrapper, or ``optimizer`` itself."""
    return getattr(optimizer, "inner_optimizer", optimizer)


def snapshot(optimizer: Any) -> Snapshot:
    """Copy theta and m (on the device) and read this step's lr and betas, before the step."""
    from keras import ops

    adam = adam_of(optimizer)
    beta_now = getattr(adam, "_beta_now", lambda beta: beta)
    return Snapshot(
        thetas=[ops.copy(variable) for variable in adam._trainable_variables],
        momentums=[ops.copy(m) for m in adam._momentums],
        learning_rate=float(ops.convert_to_numpy(adam.learning_rate)),
        beta_1=float(ops.convert_to_numpy(beta_now(adam.beta_1))),
        beta_2=float(ops.convert_to_numpy(beta_now(adam.beta_2))),
    )


def measure(optimizer: Any, before: Snapshot) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The diagnostics of the step just taken: one row per variable plus ``all``, and the scalars.

    Rows are ``{"variable": path, <COLUMNS>...}`` as Python floats (None where
    undefined: vhat_gap without AMSGrad, a cosine of a zero vector).
    """
    from keras import ops

    adam = adam_of(optimizer)
    t = int(ops.convert_to_numpy(adam.iterations))
    amsgrad = bool(getattr(adam, "amsgrad", False))
    inputs = (
        before.thetas, [ops.convert_to_tensor(v) for v in adam._trainable_variables],
        before.momentums, [ops.convert_to_tensor(m) for m in adam._momentums],
        [ops.convert_to_tensor(v) for v in adam._velocities],
        [ops.convert_to_tensor(v) for v in adam._velocity_hats] if amsgrad else None,
        # Tensors, not NumPy scalars: a new scalar value would retrace the function.
        *(ops.convert_to_tensor(np.float32(x))
          for x in (before.learning_rate, before.beta_1, before.beta_2, t)),
    )
    table = ops.convert_to_numpy(_reduction(adam, amsgrad)(*inputs))
    names = ["all"] + [variable.path for variable in adam._trainable_variables]
    rows = [_row(name, values, amsgrad) for name, values in zip(names, table)]
    return rows, step_scalars(t, before)


def _row(name: str, values: Any, amsgrad: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"variable": name}
    for column, value in zip(COLUMNS, values):
        value = float(value)
        row[column] = value if math.isfinite(value) else None
    if not amsgrad:
        row["vhat_gap"] = None
    return row


def step_scalars(t: int, before: Snapshot) -> dict[str, Any]:
    """t, the step's lr and betas, Keras's alpha_t and RAdam's rho_t and r_t (in double)."""
    b1, b2, lr = before.beta_1, before.beta_2, before.learning_rate
    rho_t, r_t = radam_rectifier(t, b2)
    return {"t": t, "learning_rate": lr, "beta_1": b1, "beta_2": b2,
            "alpha_t": lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t), "rho_t": rho_t, "r_t": r_t}


_COMPILED: dict[Any, Any] = {}


def _reduction(adam: Any, amsgrad: bool) -> Any:
    """The compiled reduction for this optimizer's epsilon form (traced once per run)."""
    key = (id(adam), amsgrad)
    if key not in _COMPILED:
        _COMPILED.clear()  # one optimizer at a time: never keep an old model's trace alive
        mode = getattr(adam, "epsilon_mode", "hat")
        function = _make_reduction(float(adam.epsilon), mode, amsgrad)
        _COMPILED[key] = _compile(function)
    return _COMPILED[key]


def _compile(function: Any) -> Any:
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # XLA fuses the reduction into one executable: measured 7 ms a call
        # against 13 ms for the plain graph on a 5k-weight MLP (2 cores), for
        # about 1 s more compile time at the first diagnostics step.
        return tf.function(function, reduce_retracing=True, jit_compile=True)
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(function)
    return function


def _make_reduction(epsilon: float, mode: str, amsgrad: bool) -> Any:
    """A function of the step's tensors to a (1 + variables, len(COLUMNS)) table, ``all`` first.

    Every variable is flattened into one vector, so the per-coordinate work is
    a handful of ops whatever the number of variables; per-variable sums are
    one segment sum, per-variable percentiles two sorts (see :func:`_grouped_sort`).
    """
    from keras import ops

    def reduce(thetas0, thetas1, ms0, ms1, vs, vhats, lr, beta_1, beta_2, t):
        sizes = [int(np.prod(x.shape)) for x in thetas1]
        segments = np.repeat(np.arange(len(sizes)), sizes).astype("int32")
        flat = [_concat(xs) for xs in (thetas0, thetas1, ms0, ms1, vs)]
        vhat = _concat(vhats) if amsgrad else None
        c = _coordinates(*flat, vhat, lr=lr, keep_1=1 - beta_1, bc1=1 - ops.power(beta_1, t),
                         bc2=1 - ops.power(beta_2, t), epsilon=epsilon, mode=mode)
        columns = ops.stack([c["dominated"], c["saturated"], ops.square(c["delta"]),
                             ops.square(c["theta0"]), c["delta"] * c["g"], ops.square(c["g"]),
                             c["gap"], c["v"]], axis=1)
        sums = ops.concatenate([ops.sum(columns, axis=0, keepdims=True),
                                ops.segment_sum(columns, segments, len(sizes))], axis=0)
        counts = ops.convert_to_tensor(np.array([sum(sizes), *sizes], "float32")[:, None])
        lr_q = _grouped_quantiles(c["effective_lr"], segments, sizes, _QUANTILES)
        g2v_q = _grouped_quantiles(c["g2v"], segments, sizes, (0.5,))
        delta_norm, g_norm = ops.sqrt(sums[:, 2]), ops.sqrt(sums[:, 5])
        return ops.stack([
            sums[:, 0] / counts[:, 0], lr_q[:, 0], lr_q[:, 1], lr_q[:, 2],
            delta_norm / ops.sqrt(sums[:, 3]), sums[:, 1] / counts[:, 0],
            -sums[:, 4] / (delta_norm * g_norm), g2v_q[:, 0], sums[:, 6] / sums[:, 7],
        ], axis=1)

    return reduce


def _concat(tensors: list[Any]) -> Any:
    from keras import ops

    return ops.concatenate([ops.reshape(ops.cast(x, "float32"), (-1,)) for x in tensors])


def _coordinates(theta0, theta1, m0, m1, v, vhat, *, lr, keep_1, bc1, bc2, epsilon, mode):
    """Per-coordinate quantities of the flattened variables, float32."""
    from keras import ops

    denominator_v = v if vhat is None else vhat
    g = m0 + (m1 - m0) / keep_1
    if mode == "hat":
        # Keras's form: epsilon_hat against the uncorrected sqrt(v).
        dominated = ops.sqrt(denominator_v) < epsilon
        eps_t = epsilon / ops.sqrt(bc2)
    else:
        dominated = ops.sqrt(denominator_v / bc2) < epsilon
        eps_t = epsilon
    denominator = ops.sqrt(denominator_v / bc2) + eps_t
    positive = v > 0
    return {
        "dominated": ops.cast(dominated, "float32"),
        "effective_lr": lr / denominator,
        "saturated": ops.cast(ops.abs(m1 / bc1 / denominator) > SATURATION, "float32"),
        "delta": theta1 - theta0, "theta0": theta0, "g": g,
        "g2v": ops.where(positive, ops.square(g) / ops.where(positive, v, 1.0), 0.0),
        "gap": (denominator_v - v) if vhat is not None else ops.zeros_like(v), "v": v,
    }


def _grouped_quantiles(values: Any, segments: np.ndarray, sizes: list[int],
                       levels: tuple[float, ...]) -> Any:
    """NumPy's default ("linear") quantiles of all values, then of each segment: (1 + segments, levels).

    Two sorts for every segment at once: by value, then by (segment, rank by
    value), an exact float64 key, so each segment comes out contiguous and in
    order. Segment lengths are known when tracing, so each quantile is a
    gather at fixed indices and a blend.
    """
    from keras import ops

    count = len(segments)
    by_value = ops.argsort(values)
    ordered = ops.take(values, by_value)
    key = (ops.cast(ops.take(ops.convert_to_tensor(segments), by_value), "float64") * count
           + ops.cast(ops.arange(count), "float64"))
    grouped = ops.take(ordered, ops.argsort(key))
    low, high, fraction = [], [], []
    offsets = [0, 0, *np.cumsum(sizes)[:-1].tolist()]
    for source, (offset, size) in enumerate(zip(offsets, [count, *sizes])):
        for level in levels:
            position = level * (size - 1)
            base = int(math.floor(position))
            low.append((source, offset + base))
            high.append((source, offset + min(base + 1, size - 1)))
            fraction.append(position - base)
    pick = lambda index: ops.where(  # noqa: E731: the pooled row reads `ordered`, the rest `grouped`
        ops.convert_to_tensor(np.array([s == 0 for s, _ in index])),
        ops.take(ordered, np.array([i for _, i in index])),
        ops.take(grouped, np.array([i for _, i in index])))
    lows, highs = pick(low), pick(high)
    blended = lows + (highs - lows) * ops.convert_to_tensor(np.array(fraction, "float32"))
    return ops.reshape(blended, (1 + len(sizes), len(levels)))
