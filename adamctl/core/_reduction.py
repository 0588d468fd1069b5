"""The diagnostics reduction: a step's tensors to a few numbers per variable, on the device.

Pure tensor code in ``keras.ops`` (any backend); :mod:`adamctl.core._probe`
compiles it and feeds it, :mod:`adamctl.core.diagnostics` defines what each
column means.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from adamctl.core._quantiles import grouped_quantiles

__all__ = ["COLUMNS", "SATURATION", "make_reduction"]

COLUMNS = ("epsilon_dominated", "effective_lr_p01", "effective_lr_p50", "effective_lr_p99",
           "update_to_weight", "update_saturated", "update_alignment", "grad_to_v", "vhat_gap")

# |m_hat / (sqrt(v_hat) + eps_t)| above this counts as saturated: the update
# is then close to the largest Adam takes, lr per coordinate (Kingma & Ba Sec. 2.1).
SATURATION = 0.9

_QUANTILES = (0.01, 0.5, 0.99)


def make_reduction(epsilon: float, mode: str, amsgrad: bool, sizes: Sequence[int]) -> Any:
    """A function of the step's tensors to a (1 + variables, len(COLUMNS)) table, ``all`` first.

    ``sizes`` are the variables' element counts. Every variable is flattened
    into one vector, so the per-coordinate work is a handful of ops whatever
    the number of variables; per-variable sums are one segment sum,
    per-variable percentiles come from :func:`adamctl.core._quantiles.grouped_quantiles`.
    """
    from keras import ops

    sizes = [int(size) for size in sizes]
    segments = np.repeat(np.arange(len(sizes)), sizes).astype("int32")

    def reduce(thetas0, thetas1, ms0, ms1, vs, vhats, lr, beta_1, beta_2, t):
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
        lr_q, g2v_q = grouped_quantiles([(c["effective_lr"], _QUANTILES), (c["g2v"], (0.5,))],
                                         sizes)
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
