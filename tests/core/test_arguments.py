"""Every argument is checked at construction, and the message names it, the value and the rule."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from adamctl.core import Adam
from adamctl.errors import InvalidArgument

BAD = [
    pytest.param({"beta_1": 1.5}, r"`beta_1` must be a float in \[0, 1\)\. Received: beta_1=1\.5",
                 id="beta_1-above-1"),
    pytest.param({"beta_2": 1.0}, r"`beta_2` must be a float in \[0, 1\)\. Received: beta_2=1\.0",
                 id="beta_2-equal-1"),
    pytest.param({"beta_1": -0.1}, r"`beta_1` must be a float in \[0, 1\)", id="beta_1-negative"),
    pytest.param({"beta_1": True}, r"`beta_1` must be a float in \[0, 1\)\. Received: beta_1=True",
                 id="beta_1-bool"),
    pytest.param({"epsilon": -1}, r"`epsilon` must be a float > 0\. Received: epsilon=-1",
                 id="epsilon-negative"),
    pytest.param({"epsilon": 0.0}, r"`epsilon` must be a float > 0", id="epsilon-zero"),
    pytest.param({"learning_rate": 0}, r"`learning_rate` must be a float > 0", id="lr-zero"),
    pytest.param({"learning_rate": "fast"}, r"Received: learning_rate='fast'", id="lr-string"),
    pytest.param({"ema_momentum": 2}, r"`ema_momentum` must be a float in \[0, 1\]\. "
                 r"Received: ema_momentum=2", id="ema-momentum-2"),
    pytest.param({"gradient_accumulation_steps": 0},
                 r"`gradient_accumulation_steps` must be an integer >= 2", id="accumulation-0"),
    pytest.param({"gradient_accumulation_steps": 1},
                 r"`gradient_accumulation_steps` must be an integer >= 2", id="accumulation-1"),
    pytest.param({"weight_decay": -0.1}, r"`weight_decay` must be a float >= 0\. "
                 r"Received: weight_decay=-0.1", id="weight-decay-negative"),
    pytest.param({"amsgrad": "yes"}, r"`amsgrad` must be true or false", id="amsgrad-string"),
    pytest.param({"clipnorm": -1.0}, r"`clipnorm` must be a float > 0", id="clipnorm-negative"),
    pytest.param({"clipnorm": 1.0, "clipvalue": 1.0}, r"mutually exclusive", id="two-clips"),
    pytest.param({"clipvalue": 1.0, "global_clipnorm": 1.0}, r"`global_clipnorm` must be null "
                 r"when clipvalue is set", id="clipvalue+global"),
    pytest.param({"ema_overwrite_frequency": 0}, r"`ema_overwrite_frequency` must be an integer >= 1",
                 id="overwrite-0"),
    pytest.param({"loss_scale_factor": 0.0}, r"`loss_scale_factor` must be a float > 0",
                 id="loss-scale-0"),
    pytest.param({"epsilon_mode": "torch"}, r"`epsilon_mode` must be one of 'hat', 'algorithm1'",
                 id="epsilon-mode"),
    pytest.param({"weight_decay_mode": "L2"}, r"`weight_decay_mode` must be one of 'decoupled', "
                 r"'l2'\. Received: weight_decay_mode='L2' \(did you mean \"l2\"\?\)",
                 id="weight-decay-mode"),
    pytest.param({"name": ""}, r"`name` must be a non-empty name", id="empty-name"),
    pytest.param({"name": "my adam"}, r"`name` must be a non-empty name of letters, digits",
                 id="name-with-space"),
]


@pytest.mark.parametrize("arguments, message", BAD)
def test_bad_argument_is_refused_naming_it(arguments, message):
    with pytest.raises(ValueError, match=message) as caught:
        Adam(**arguments)
    assert isinstance(caught.value, InvalidArgument)


def test_keras_accepts_what_we_refuse():
    # The reason for the checks: Keras 3.15 builds these without a word.
    keras.optimizers.Adam(beta_1=1.5, epsilon=-1, weight_decay=-0.1)


def test_defaults_are_keras_defaults():
    ours, theirs = Adam(), keras.optimizers.Adam()
    for name in ("beta_1", "beta_2", "epsilon", "amsgrad", "weight_decay", "clipnorm", "clipvalue",
                 "global_clipnorm", "use_ema", "ema_momentum", "ema_overwrite_frequency",
                 "loss_scale_factor", "gradient_accumulation_steps"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.name.startswith("adam")
    assert float(ours.learning_rate) == pytest.approx(float(theirs.learning_rate))


def test_positional_order_matches_keras():
    optimizer = Adam(0.01, 0.8, 0.99, 1e-6, True)
    assert (optimizer.beta_1, optimizer.beta_2, optimizer.epsilon, optimizer.amsgrad) == (
        0.8, 0.99, 1e-6, True)


def test_tensor_beta_becomes_a_float_and_config_is_json():
    import json

    optimizer = Adam(beta_1=keras.ops.convert_to_tensor(0.8), beta_2=np.float32(0.95))
    config = optimizer.get_config()
    assert config["beta_1"] == pytest.approx(0.8) and isinstance(config["beta_1"], float)
    json.dumps(config)


def test_callable_betas_are_evaluated_at_every_step():
    calls = []

    def beta_1():
        calls.append(1)
        return 0.5

    optimizer = Adam(learning_rate=0.1, beta_1=beta_1, beta_2=lambda: 0.9)
    variable = keras.Variable(np.ones(3, "float32"))
    for _ in range(3):
        optimizer.apply([np.full(3, 0.5, "float32")], [variable])
    assert len(calls) >= 3
    # With beta_1 = 0.5 and a constant gradient the step is exactly as the
    # reference with those betas computes it.
    from tests.reference import ReferenceAdam

    reference, theta = ReferenceAdam(learning_rate=0.1, beta_1=0.5, beta_2=0.9), np.ones(3)
    for _ in range(3):
        theta = reference.step(theta, np.full(3, 0.5))
    np.testing.assert_allclose(variable.numpy(), theta, rtol=1e-6)


def test_keras_crashes_on_callable_betas_that_we_honour():
    optimizer = keras.optimizers.Adam(beta_1=lambda: 0.5)
    variable = keras.Variable(np.ones(3, "float32"))
    with pytest.raises((TypeError, ValueError), match="unsupported type"):
        optimizer.apply([np.ones(3, "float32")], [variable])


def test_unknown_argument_names_the_closest_one():
    with pytest.raises(ValueError, match=r'`beta1` must be an argument of Adam .* '
                                         r'Received: beta1=0\.5 \(did you mean "beta_1"\?\)'):
        Adam(beta1=0.5)


def test_a_variable_beta_is_read_at_every_step():
    beta_1 = keras.Variable(0.5, dtype="float32")
    optimizer = Adam(learning_rate=0.1, beta_1=beta_1, fused=False)
    variable = keras.Variable(np.ones(3, "float32"))
    optimizer.apply([np.full(3, 0.5, "float32")], [variable])
    beta_1.assign(0.9)
    optimizer.apply([np.full(3, 0.5, "float32")], [variable])
    assert optimizer.get_config()["beta_1"] == pytest.approx(0.9)
    # The same as a callable that returns 0.5 then 0.9.
    values = iter([0.5, 0.9])
    twin = keras.Variable(np.ones(3, "float32"))
    other = Adam(learning_rate=0.1, beta_1=lambda: next(values), fused=False)
    for _ in range(2):
        other.apply([np.full(3, 0.5, "float32")], [twin])
    np.testing.assert_array_equal(variable.numpy(), twin.numpy())


def test_a_variable_beta_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"`beta_2` must be a float in \[0, 1\)"):
        Adam(beta_2=keras.Variable(1.0))


def test_a_single_pattern_string_excludes_by_that_pattern_not_by_its_letters():
    optimizer = Adam(weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_names="bias")
    kernel, bias = keras.Variable([0.0], name="kernel"), keras.Variable([0.0], name="bias")
    assert optimizer._use_weight_decay(kernel) and not optimizer._use_weight_decay(bias)
