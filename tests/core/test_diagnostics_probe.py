"""The compiled probe behind snapshot/measure: t, lr and its lifetime follow the optimizer."""

from __future__ import annotations

import gc

import keras
import numpy as np
import pytest

from adamctl.core import Adam
from adamctl.core import _probe
from adamctl.core.diagnostics import measure, snapshot


def _steps(optimizer, count: int, *, every: int = 1):
    """``count`` applies, measuring each ``every``-th (the ones that update under accumulation)."""
    variables = [keras.Variable(np.ones((30, 20)), dtype="float32")]
    optimizer.build(variables)
    rng = np.random.default_rng(0)
    for index in range(1, count + 1):
        before = snapshot(optimizer) if index % every == 0 else None
        expected_lr = float(np.asarray(optimizer.learning_rate))
        optimizer.apply([rng.normal(size=(30, 20)).astype("float32")], variables)
        if before is not None:
            yield before, expected_lr, measure(optimizer, before)[1]


def test_t_is_the_optimizer_step_count_under_gradient_accumulation():
    optimizer = Adam(learning_rate=0.01, gradient_accumulation_steps=2)
    counts = [scalars["t"] for _, _, scalars in _steps(optimizer, 6, every=2)]
    assert counts == [1, 2, 3] and int(np.asarray(optimizer.iterations)) == 3


@pytest.mark.parametrize("rate", [
    pytest.param(0.01, id="constant"),
    pytest.param(keras.optimizers.schedules.ExponentialDecay(0.01, 2, 0.5), id="schedule"),
])
def test_the_learning_rate_is_the_one_of_the_step_before_it(rate):
    seen = list(_steps(Adam(learning_rate=rate), 4))
    for before, expected, scalars in seen:
        assert before.learning_rate == expected == scalars["learning_rate"]
    assert len({before.learning_rate for before, _, _ in seen}) == (1 if rate == 0.01 else 4)


def test_a_probe_dies_with_its_optimizer():
    optimizer = Adam(learning_rate=0.01)
    list(_steps(optimizer, 1))
    assert optimizer in _probe._PROBES
    del optimizer
    gc.collect()
    assert len(_probe._PROBES) == 0
