"""Adam's diagnostics: what epsilon and the betas are doing, from the state Adam holds.

Measured around one real update without touching :class:`~adamctl.core.adam.Adam`'s
update (no cost when off): :func:`snapshot` copies theta and m on the device
just before the step, :func:`measure` reduces (theta before and after, g, m,
v, v_hat, t) to a few numbers per variable after it. Only scalars leave the
device, in one transfer; percentiles are exact order statistics found on the
device without sorting (:mod:`adamctl.core._quantiles`). Both halves are
compiled once per optimizer (:mod:`adamctl.core._probe`); the reduction
itself is :mod:`adamctl.core._reduction`.

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

from adamctl._rectifier import radam_rectifier
from adamctl.core._probe import probe_of
from adamctl.core._reduction import COLUMNS, SATURATION

__all__ = ["COLUMNS", "SATURATION", "Snapshot", "adam_of", "measure", "radam_rectifier", "snapshot",
           "step_scalars"]


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
    thetas, momentums, learning_rate = probe_of(adam).copy()
    if learning_rate is None:  # a schedule, evaluated at this step as Keras evaluates it
        learning_rate = float(ops.convert_to_numpy(adam.learning_rate))
    return Snapshot(
        thetas=thetas,
        momentums=momentums,
        learning_rate=learning_rate,
        beta_1=float(ops.convert_to_numpy(beta_now(adam.beta_1))),
        beta_2=float(ops.convert_to_numpy(beta_now(adam.beta_2))),
    )


def measure(optimizer: Any, before: Snapshot) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The diagnostics of the step just taken: one row per variable plus ``all``, and the scalars.

    Rows are ``{"variable": path, <COLUMNS>...}`` as Python floats (None where
    undefined: vhat_gap without AMSGrad, a cosine of a zero vector).
    """
    adam = adam_of(optimizer)
    amsgrad = bool(getattr(adam, "amsgrad", False))
    table, t = probe_of(adam).reduce(before, (before.learning_rate, before.beta_1, before.beta_2))
    names = ["all"] + [variable.path for variable in adam._trainable_variables]
    rows = [_row(name, values, amsgrad) for name, values in zip(names, table.tolist())]
    return rows, step_scalars(t, before)


def _row(name: str, values: Any, amsgrad: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"variable": name}
    for column, value in zip(COLUMNS, values):  # Python floats (float32 widened exactly)
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
