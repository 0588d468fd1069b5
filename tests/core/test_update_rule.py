"""The Adam update itself: against one step by hand, the NumPy reference, Keras and PyTorch."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from adamctl.core import Adam
from tests.reference import ReferenceAdam


def _run(optimizer, grads, theta0):
    variable = keras.Variable(np.array(theta0, dtype="float32"))
    for grad in grads:
        optimizer.apply([np.asarray(grad, dtype="float32")], [variable])
    return variable.numpy()


def _grads(steps, shape=(5,), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape).astype("float32") for _ in range(steps)]


# The fused kernel serves variables from ADAM_MIN_ELEMENTS up (without
# amsgrad); tests of that path use variables this large.
BIG = 4096


@pytest.mark.parametrize("fused", [pytest.param(False, id="generic"), pytest.param(True, id="fused")])
def test_first_step_by_hand(fused):
    # t = 1, g = 0.5, lr = 0.1, defaults otherwise:
    # m = 0.05, v = 0.00025, alpha = 0.1 * sqrt(0.001) / 0.1 = sqrt(0.001),
    # step = alpha * m / (sqrt(v) + 1e-7).
    alpha = math.sqrt(1 - 0.999) / (1 - 0.9) * 0.1
    expected = 1.0 - alpha * 0.05 / (math.sqrt(0.00025) + 1e-7)
    got = _run(Adam(learning_rate=0.1, fused=fused), [np.full(BIG, 0.5)], np.ones(BIG))
    # float32 holds ~7 significant digits; one step of ~0.1 moves theta by a
    # value known to float32 rounding of the few ops involved.
    assert got[0] == pytest.approx(expected, rel=1e-6)


def test_zero_gradient_first_step_does_not_move():
    assert _run(Adam(learning_rate=0.1), [[0.0, 0.0]], [1.0, -2.0]).tolist() == [1.0, -2.0]


VARIANTS = [
    pytest.param({}, id="defaults"),
    pytest.param({"amsgrad": True}, id="amsgrad"),
    pytest.param({"epsilon_mode": "algorithm1", "epsilon": 1e-8}, id="algorithm1"),
    pytest.param({"epsilon_mode": "algorithm1", "amsgrad": True}, id="algorithm1+amsgrad"),
    pytest.param({"weight_decay": 0.1}, id="decoupled-wd"),
    pytest.param({"weight_decay": 0.1, "weight_decay_mode": "l2"}, id="l2-wd"),
    pytest.param({"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}, id="other-betas"),
]


@pytest.mark.parametrize("fused", [pytest.param(False, id="generic"), pytest.param(True, id="fused")])
@pytest.mark.parametrize("arguments", VARIANTS)
def test_matches_the_numpy_reference_over_200_steps(arguments, fused):
    reference = ReferenceAdam(learning_rate=0.01, **arguments)
    theta = np.linspace(-1, 1, BIG)
    grads = _grads(200, shape=(BIG,))
    for grad in grads:
        theta = reference.step(theta, grad)
    got = _run(Adam(learning_rate=0.01, fused=fused, **arguments), grads, np.linspace(-1, 1, BIG))
    # float32 against float64: each step's relative rounding error is ~1e-7,
    # and Adam's normalized steps do not amplify it, so 200 steps of size
    # <= lr = 0.01 stay within 1e-4 absolute (measured: ~1e-6).
    np.testing.assert_allclose(got, theta, atol=1e-4, rtol=0)


def test_decoupled_and_l2_decay_differ_as_documented():
    # theta0 = 1, lr = 0.01, wd = 0.1, zero gradients (REFERENCE.md): decoupled
    # decay gives 0.999, 0.998001, 0.997003; L2 about 0.990, 0.980, 0.970.
    decoupled = _run(Adam(learning_rate=0.01, weight_decay=0.1), [[0.0]] * 3, [1.0])
    assert decoupled[0] == pytest.approx(0.999**3, rel=1e-6)
    l2 = Adam(learning_rate=0.01, weight_decay=0.1, weight_decay_mode="l2")
    variable = keras.Variable(np.array([1.0], dtype="float32"))
    seen = []
    for _ in range(3):
        l2.apply([np.zeros(1, "float32")], [variable])
        seen.append(float(variable.numpy()[0]))
    assert seen == pytest.approx([0.990, 0.980, 0.970], abs=2e-3)


@pytest.mark.parametrize("arguments", [
    pytest.param({}, id="defaults"),
    pytest.param({"amsgrad": True}, id="amsgrad"),
    pytest.param({"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-4}, id="other-betas"),
])
def test_generic_path_is_bit_identical_to_keras(arguments):
    grads = _grads(300, shape=(4, 3), seed=1)
    theta0 = np.linspace(-1, 1, 12).reshape(4, 3)
    ours = _run(Adam(learning_rate=0.01, fused=False, **arguments), grads, theta0)
    keras_result = _run(keras.optimizers.Adam(learning_rate=0.01, **arguments), grads, theta0)
    np.testing.assert_array_equal(ours, keras_result)


def test_fused_path_is_close_to_keras():
    grads = _grads(300, shape=(64, 64), seed=2)
    theta0 = np.linspace(-1, 1, BIG).reshape(64, 64)
    ours = _run(Adam(learning_rate=0.01, fused=True), grads, theta0)
    keras_result = _run(keras.optimizers.Adam(learning_rate=0.01), grads, theta0)
    # The fused kernel computes 1 - beta_2 in float32 from float32(0.999),
    # Keras in double then rounds: the two factors differ by 1.3e-5
    # relatively, so v, and the steps, differ at that level: over 300 steps of
    # 0.01 that is well under 1e-4 (measured: ~2e-6).
    np.testing.assert_allclose(ours, keras_result, atol=1e-4, rtol=0)


def test_hat_epsilon_differs_from_torch_when_epsilon_matters():
    # With epsilon comparable to sqrt(v), the two forms really differ: a
    # check that the mode switch is not a no-op.
    grads = [np.full(3, 1e-4, "float32")] * 5
    hat = _run(Adam(learning_rate=0.1, epsilon=1e-4), grads, np.zeros(3))
    algorithm1 = _run(Adam(learning_rate=0.1, epsilon=1e-4, epsilon_mode="algorithm1"), grads,
                      np.zeros(3))
    assert not np.allclose(hat, algorithm1, rtol=1e-3)


XLA_SCRIPT = """
import json, sys
import keras, numpy as np
from adamctl.core import Adam

def weights(optimizer):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer=optimizer, loss="mse", jit_compile=True)
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(64, 4)), rng.normal(size=(64, 3)), batch_size=8, epochs=2,
              shuffle=False, verbose=0)
    return model.jit_compile, [w.numpy() for w in model.weights]

amsgrad = sys.argv[1] == "True"
jit, ours = weights(Adam(amsgrad=amsgrad))
_, theirs = weights(keras.optimizers.Adam(amsgrad=amsgrad))
print(json.dumps({"jit": jit, "diff": max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs))}))
"""


@pytest.mark.parametrize("amsgrad", [False, True])
def test_xla_compiled_training_uses_the_generic_path_and_matches_keras(amsgrad):
    # Keras compiles with XLA on GPUs by default; the fused kernels have no
    # XLA implementation, so the optimizer must notice and use keras.ops.
    # A fresh process: Keras turns XLA off once op determinism is on, which
    # an earlier test in this process may have done.
    import json
    import os
    import subprocess
    import sys

    process = subprocess.run([sys.executable, "-c", XLA_SCRIPT, str(amsgrad)], capture_output=True,
                             text=True, env={**os.environ, "KERAS_BACKEND": "tensorflow"},
                             timeout=300)
    assert process.returncode == 0, process.stderr[-3000:]
    result = json.loads(process.stdout.strip().splitlines()[-1])
    assert result["jit"] is True  # the model really was compiled with XLA
    # XLA may fuse the same ops differently in the two graphs: a few ulps.
    assert result["diff"] <= 1e-6


def test_algorithm1_runs_on_the_fused_kernel_and_agrees_with_the_generic_path():
    grads = _grads(200, shape=(7,), seed=5)
    theta0 = np.linspace(-1, 1, 7)
    arguments = {"epsilon_mode": "algorithm1", "epsilon": 1e-3, "amsgrad": True}
    fused = _run(Adam(learning_rate=0.01, fused=True, **arguments), grads, theta0)
    generic = _run(Adam(learning_rate=0.01, fused=False, **arguments), grads, theta0)
    # Same update, algebraically rearranged (epsilon moved inside the step
    # size) and rounded in float32: agreement to a few ulps of each step.
    np.testing.assert_allclose(fused, generic, atol=2e-5, rtol=0)


def test_low_precision_variables_keep_keras_numbers():
    for dtype in ("float16", "bfloat16"):
        ours, theirs = (keras.Variable(np.ones(3), dtype=dtype) for _ in range(2))
        Adam(learning_rate=0.1).apply([keras.ops.ones(3, dtype=dtype)], [ours])
        keras.optimizers.Adam(learning_rate=0.1).apply([keras.ops.ones(3, dtype=dtype)], [theirs])
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(ours.value),
                                      keras.ops.convert_to_numpy(theirs.value))


@pytest.mark.parametrize("amsgrad, kernel, expected", [
    pytest.param(False, "ResourceApplyAdam", 1, id="adam-large-only"),
    pytest.param(True, "ResourceApplyAdamWithAmsgrad", 2, id="amsgrad-every-size"),
])
def test_fused_kernel_serves_where_it_pays(amsgrad, kernel, expected):
    import tensorflow as tf

    variables = [keras.Variable(np.zeros(100, "float32")), keras.Variable(np.zeros(BIG, "float32"))]
    optimizer = Adam(amsgrad=amsgrad)
    optimizer.build(variables)
    grads = [tf.ones_like(v.value) for v in variables]

    @tf.function
    def step():
        optimizer.apply(grads, variables)

    definition = step.get_concrete_function().graph.as_graph_def()
    kinds = [node.op for node in definition.node]
    kinds += [node.op for function in definition.library.function for node in function.node_def]
    assert kinds.count(kernel) == expected
