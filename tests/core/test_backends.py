"""The core on Keras's other backends, each in its own process (the backend is fixed at import)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json
    import keras, numpy as np
    from adamctl.core import Adam

    def train(optimizer):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="tanh"),
                                  keras.layers.Dense(2)])
        model.compile(optimizer=optimizer, loss="mse")
        rng = np.random.default_rng(0)
        x, y = rng.normal(size=(160, 6)), rng.normal(size=(160, 2))
        model.fit(x.astype("float32"), y.astype("float32"), batch_size=16, epochs=2,
                  shuffle=False, verbose=0)
        return [np.asarray(keras.ops.convert_to_numpy(w)) for w in model.weights]

    results = {"backend": keras.backend.backend()}
    for name, arguments in {"plain": {}, "amsgrad+clip": {"amsgrad": True, "clipnorm": 0.5},
                            "ema+wd": {"use_ema": True, "weight_decay": 0.01}}.items():
        ours = train(Adam(learning_rate=0.01, **arguments))
        theirs = train(keras.optimizers.Adam(learning_rate=0.01, **arguments))
        results[name] = max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs))

    # stateless_apply: the pure form used by JAX-style training loops.
    variables = [keras.Variable(np.ones(3, "float32"))]
    optimizer = Adam(learning_rate=0.1)
    optimizer.build(variables)
    new_trainable, new_state = optimizer.stateless_apply(
        [v.value for v in optimizer.variables], [np.full(3, 0.5, "float32")],
        [v.value for v in variables])
    results["stateless_moved"] = float(np.asarray(
        keras.ops.convert_to_numpy(new_trainable[0]))[0])
    results["variable_untouched"] = float(variables[0].numpy()[0])
    print("RESULT " + json.dumps(results))
""")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_core_matches_keras_and_applies_statelessly_on(backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed here, so the Keras {backend} backend cannot run")
    env = {**os.environ, "KERAS_BACKEND": backend, "CUDA_VISIBLE_DEVICES": "-1"}
    process = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                             env=env, timeout=300)
    assert process.returncode == 0, process.stderr[-3000:]
    import json

    line = next(l for l in process.stdout.splitlines() if l.startswith("RESULT "))
    results = json.loads(line[len("RESULT "):])
    assert results["backend"] == backend
    for name in ("plain", "amsgrad+clip", "ema+wd"):
        # The generic path runs the same keras.ops as Keras's Adam on this
        # backend; only kernel-level scheduling could differ (it does not, here).
        assert results[name] <= 1e-6, (name, results[name])
    # 1 - 0.1 * sqrt(0.001)/0.1 * 0.05/(sqrt(0.00025)+1e-7): one Adam step of ~0.1.
    assert results["stateless_moved"] == pytest.approx(0.9, abs=1e-3)
    assert results["variable_untouched"] == 1.0
