"""Saving and loading state, config round trips, and the documented methods."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from adamctl.core import Adam
from adamctl.core.schedules import CosineBeta, LinearBeta

VARIANTS = [
    pytest.param({}, id="defaults"),
    pytest.param({"amsgrad": True}, id="amsgrad"),
    pytest.param({"use_ema": True, "ema_overwrite_frequency": 5}, id="ema"),
    pytest.param({"gradient_accumulation_steps": 3}, id="accumulation"),
    pytest.param({"clipnorm": 1.0, "weight_decay": 0.01}, id="clip+wd"),
    pytest.param({"weight_decay": 0.01, "weight_decay_mode": "l2", "epsilon_mode": "algorithm1"},
                 id="l2+algorithm1"),
    pytest.param({"beta_1": LinearBeta(0.5, 0.9, 100), "beta_2": CosineBeta(0.99, 0.999, 50)},
                 id="beta-schedules"),
    pytest.param({"learning_rate": keras.optimizers.schedules.CosineDecay(0.01, 100)},
                 id="lr-schedule"),
]


def _variables():
    return [keras.Variable(np.linspace(-1, 1, 6).reshape(2, 3).astype("float32"), name="kernel"),
            keras.Variable(np.zeros(3, "float32"), name="bias")]


def _steps(optimizer, variables, count=7, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        optimizer.apply([rng.normal(size=v.shape).astype("float32") for v in variables], variables)


@pytest.mark.parametrize("arguments", VARIANTS)
def test_config_round_trips_through_json(arguments):
    original = Adam(**arguments)
    config = json.loads(json.dumps(original.get_config()))
    rebuilt = Adam.from_config(config)
    assert rebuilt.get_config() == original.get_config()
    # And the rebuilt optimizer computes the same thing.
    first, second = _variables(), _variables()
    _steps(original, first)
    _steps(rebuilt, second)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("arguments", VARIANTS)
def test_saved_state_reloads_exactly_and_continues_identically(arguments):
    source_vars = _variables()
    source = Adam(**arguments)
    _steps(source, source_vars)
    store = {}
    source.save_own_variables(store)
    assert len(store) == len(source.variables)

    target_vars = [keras.Variable(v.numpy()) for v in source_vars]
    target = Adam(**arguments)
    target.build(target_vars)
    target.load_own_variables(store)
    for saved, loaded in zip(source.variables, target.variables):
        np.testing.assert_array_equal(saved.numpy(), loaded.numpy())
    _steps(source, source_vars, seed=1)
    _steps(target, target_vars, seed=1)
    for a, b in zip(source_vars, target_vars):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_state_order_is_keras_order():
    variables = _variables()
    optimizer = Adam(amsgrad=True)
    optimizer.build(variables)
    suffixes = [v.path.rsplit("_", 1)[-1] for v in optimizer.variables]
    # iteration, learning_rate, then m and v interleaved per variable, then v_hat.
    assert suffixes[2:] == ["momentum", "velocity", "momentum", "velocity", "hat", "hat"]


def test_loading_into_an_unbuilt_optimizer_is_an_error_not_a_silent_skip():
    source = Adam()
    source.build(_variables())
    store = {}
    source.save_own_variables(store)
    with pytest.raises(ValueError, match=r"has 2 variables but the state to load has 6 entries; "
                                         r"build it first"):
        Adam().load_own_variables(store)


def test_loading_state_of_another_shape_names_the_variable():
    source = Adam()
    source.build([keras.Variable(np.zeros((4, 3), "float32"))])
    store = {}
    source.save_own_variables(store)
    target = Adam()
    target.build([keras.Variable(np.zeros((2, 3), "float32"))])
    with pytest.raises(ValueError, match=r"state entry 2 has shape \(4, 3\) but variable .* has "
                                         r"shape \(2, 3\)"):
        target.load_own_variables(store)


def test_loading_state_without_amsgrad_slots_is_refused():
    source = Adam()
    source.build(_variables())
    store = {}
    source.save_own_variables(store)
    target = Adam(amsgrad=True)
    target.build(_variables())
    with pytest.raises(ValueError, match="has 8 variables but the state to load has 6"):
        target.load_own_variables(store)


def test_keras_skips_such_a_load_silently():
    source = keras.optimizers.Adam()
    source.build(_variables())
    store = {}
    source.save_own_variables(store)
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        keras.optimizers.Adam().load_own_variables(store)


def test_exclude_from_weight_decay_after_build_is_refused():
    optimizer = Adam(weight_decay=0.1)
    optimizer.build(_variables())
    with pytest.raises(ValueError, match="must be called before the optimizer is built"):
        optimizer.exclude_from_weight_decay(var_names=["bias"])


def test_keras_does_not_refuse_it():
    optimizer = keras.optimizers.Adam(weight_decay=0.1)
    optimizer.build(_variables())
    optimizer.exclude_from_weight_decay(var_names=["bias"])  # no error: its guard is broken


def test_build_makes_velocity_hat_only_with_amsgrad():
    plain, ams = Adam(), Adam(amsgrad=True)
    plain.build(_variables())
    ams.build(_variables())
    assert not any("velocity_hat" in v.path for v in plain.variables)
    assert sum("velocity_hat" in v.path for v in ams.variables) == 2


def test_iterations_learning_rate_and_set_weights():
    variables = _variables()
    optimizer = Adam(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    _steps(optimizer, variables, count=3)
    assert int(optimizer.iterations) == 3
    assert float(optimizer.learning_rate) == pytest.approx(0.1 * 0.5**3)
    other = Adam(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    other.build(variables)
    other.set_weights([v.numpy() for v in optimizer.variables])
    assert int(other.iterations) == 3


def test_iterations_count_real_updates_under_accumulation():
    variables = _variables()
    optimizer = Adam(gradient_accumulation_steps=3)
    _steps(optimizer, variables, count=7)
    assert int(optimizer.iterations) == 2  # 7 micro-steps, 2 full cycles


def test_scale_loss_multiplies_by_the_factor():
    assert float(Adam(loss_scale_factor=8.0).scale_loss(2.0)) == 16.0
    assert float(Adam().scale_loss(2.0)) == 2.0


def test_finalize_variable_values_copies_the_averages():
    variables = _variables()
    optimizer = Adam(use_ema=True, ema_momentum=0.5)
    _steps(optimizer, variables)
    averages = [v.numpy() for v in optimizer._model_variables_moving_average]
    optimizer.finalize_variable_values(variables)
    for variable, average in zip(variables, averages):
        np.testing.assert_array_equal(variable.numpy(), average)


def test_stateless_apply_is_refused_on_tensorflow():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("this process does not run the TensorFlow backend")
    variables = _variables()
    optimizer = Adam()
    optimizer.build(variables)
    with pytest.raises(ValueError, match="stateless_apply is not supported"):
        optimizer.stateless_apply([v.value for v in optimizer.variables],
                                  [np.ones_like(v.numpy()) for v in variables],
                                  [v.value for v in variables])


def test_apply_gradients_takes_pairs_and_add_variable_from_reference_makes_slots():
    variables = _variables()
    by_apply, by_pairs = Adam(learning_rate=0.1), Adam(learning_rate=0.1)
    twins = [keras.Variable(v.numpy()) for v in variables]
    grads = [np.full(v.shape, 0.5, "float32") for v in variables]
    by_apply.apply(grads, variables)
    by_pairs.apply_gradients(zip(grads, twins))
    for a, b in zip(variables, twins):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    slot = by_pairs.add_variable_from_reference(twins[0], "extra")
    assert tuple(slot.shape) == tuple(twins[0].shape) and slot.path.endswith("_extra")
