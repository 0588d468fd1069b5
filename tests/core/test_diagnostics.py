"""Each diagnostic against NumPy, from the same theta, g, m and v, on every update path."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from adamctl.core import Adam
from adamctl.core.diagnostics import COLUMNS, measure, radam_rectifier, snapshot

VARIANTS = [
    pytest.param({}, id="hat-fused"),
    pytest.param({"fused": False}, id="hat-generic"),
    pytest.param({"epsilon_mode": "algorithm1"}, id="algorithm1"),
    pytest.param({"amsgrad": True}, id="hat-amsgrad"),
    pytest.param({"amsgrad": True, "epsilon_mode": "algorithm1", "fused": False},
                 id="algorithm1-amsgrad-generic"),
    pytest.param({"use_ema": True, "weight_decay": 0.01}, id="ema+decay"),
]


def _expected(theta0, theta1, g, m, v, vhat, *, lr, b1, b2, t, eps, mode):
    """The definitions of adamctl.core.diagnostics, in float64 NumPy."""
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    vd = v if vhat is None else vhat
    dominated = np.sqrt(vd) < eps if mode == "hat" else np.sqrt(vd / bc2) < eps
    eps_t = eps / np.sqrt(bc2) if mode == "hat" else eps
    denominator = np.sqrt(vd / bc2) + eps_t
    effective = lr / denominator
    delta = theta1 - theta0
    return {
        "epsilon_dominated": dominated.mean(),
        "effective_lr_p01": np.quantile(effective, 0.01),
        "effective_lr_p50": np.quantile(effective, 0.5),
        "effective_lr_p99": np.quantile(effective, 0.99),
        "update_to_weight": np.linalg.norm(delta) / np.linalg.norm(theta0),
        "update_saturated": (np.abs(m / bc1 / denominator) > 0.9).mean(),
        "update_alignment": -(delta @ g) / (np.linalg.norm(delta) * np.linalg.norm(g)),
        "grad_to_v": np.median(np.where(v > 0, g ** 2 / np.where(v > 0, v, 1), 0)),
        "vhat_gap": None if vhat is None else (vhat - v).mean() / v.mean(),
    }


def _flat(tensors):
    return np.concatenate([np.asarray(keras.ops.convert_to_numpy(x), np.float64).ravel()
                           for x in tensors])


@pytest.mark.parametrize("options", VARIANTS)
@pytest.mark.parametrize("epsilon", [1e-7, 3e-3], ids=["eps-small", "eps-mid"])
def test_each_diagnostic_matches_numpy(options, epsilon):
    keras.utils.set_random_seed(1)
    # 3000 weights: above the fused kernel's size threshold; the bias below it.
    variables = [keras.Variable(np.random.default_rng(0).normal(size=(60, 50)), dtype="float32"),
                 keras.Variable(np.zeros(50), dtype="float32")]
    optimizer = Adam(learning_rate=0.01, epsilon=epsilon, **options)
    optimizer.build(variables)
    rng = np.random.default_rng(2)
    for step in range(4):
        scale = np.where(rng.random(50) < 0.2, 0.0, 10.0 ** rng.uniform(-6, 0, 50))
        grads = [rng.normal(size=(60, 50)).astype("float32") * scale.astype("float32"),
                 (rng.normal(size=50) * scale).astype("float32")]
        before = snapshot(optimizer)
        theta0 = _flat(variables)
        optimizer.apply(grads, variables)
        rows, scalars = measure(optimizer, before)
    amsgrad = options.get("amsgrad", False)
    arrays = (theta0, _flat(variables), _flat(grads), _flat(optimizer._momentums),
              _flat(optimizer._velocities), _flat(optimizer._velocity_hats) if amsgrad else None)
    assert [row["variable"] for row in rows] == ["all"] + [v.path for v in variables]
    # The pooled row, then each variable's own coordinates.
    for row, part in zip(rows, [slice(None), slice(0, 3000), slice(3000, 3050)]):
        expected = _expected(*(None if a is None else a[part] for a in arrays),
                             lr=0.01, b1=0.9, b2=0.999, t=4, eps=epsilon,
                             mode=options.get("epsilon_mode", "hat"))
        for column in COLUMNS:
            if expected[column] is None:
                assert row[column] is None, column
            else:
                # float32 on the device against float64 here; g is recovered from
                # m's update (a few ulps of m over 1 - beta_1): 1e-4 relative.
                assert row[column] == pytest.approx(expected[column], rel=1e-4, abs=1e-9), \
                    (row["variable"], column)
    assert scalars["t"] == 4
    assert scalars["alpha_t"] == pytest.approx(0.01 * math.sqrt(1 - 0.999 ** 4) / (1 - 0.9 ** 4))


def test_per_variable_rows_name_each_variable_and_pool_into_all():
    variables = [keras.Variable(np.ones((4, 3)), dtype="float32", name="kernel"),
                 keras.Variable(np.ones(3), dtype="float32", name="bias")]
    optimizer = Adam(learning_rate=0.1, epsilon=1e-7)
    optimizer.build(variables)
    before = snapshot(optimizer)
    optimizer.apply([np.ones((4, 3), "float32"), np.zeros(3, "float32")], variables)
    rows, _ = measure(optimizer, before)
    by_name = {row["variable"]: row for row in rows}
    assert set(by_name) == {"all", "kernel", "bias"}
    # A zero gradient leaves v = 0: always epsilon-dominated, never moved.
    assert by_name["bias"]["epsilon_dominated"] == 1.0
    assert by_name["kernel"]["epsilon_dominated"] == 0.0
    assert by_name["all"]["epsilon_dominated"] == pytest.approx(3 / 15)
    assert by_name["bias"]["update_alignment"] is None  # cos of a zero vector


@pytest.mark.parametrize("t, expected", [(556, 0.5), (2737, 0.9), (5654, 0.99)])
def test_radam_rectifier_reaches_the_published_levels(t, expected):
    _, r_t = radam_rectifier(t, 0.999)
    assert r_t == pytest.approx(expected, abs=5e-4)
    assert radam_rectifier(t - 1, 0.999)[1] < expected <= r_t + 5e-4


def test_radam_rectifier_undefined_while_rho_at_most_4():
    assert radam_rectifier(4, 0.999)[1] is None  # rho_4 = 3.998
    assert radam_rectifier(5, 0.999)[1] is not None
    assert radam_rectifier(6, 0.999)[0] >= 5
