"""Keras's own ways of saving and copying an optimizer work with ours, without custom_objects."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys

import keras
import numpy as np
import pytest

from adamctl.core import Adam


def _model(optimizer, *, train=True):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=optimizer, loss=keras.losses.MeanSquaredError())
    if train:
        model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    return model


def _optimizer_state(optimizer):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in optimizer.variables]


_SAVE_AND_LOAD = """
import sys
{first}
import keras, numpy as np
path = sys.argv[1]
if sys.argv[2] == "save":
    from adamctl.core import Adam
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=Adam(amsgrad=True, epsilon_mode="algorithm1"), loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    model.save(path)
else:
    optimizer = keras.models.load_model(path).optimizer
    print(type(optimizer).__module__, optimizer.epsilon_mode, int(optimizer.iterations.numpy()))
"""


@pytest.mark.slow  # four fresh processes, each importing TensorFlow
@pytest.mark.parametrize("first", ["import adamctl.core", "import keras; import adamctl.core"],
                         ids=["core-before-keras", "keras-before-core"])
def test_load_model_in_a_fresh_process_needs_no_custom_objects(tmp_path, first):
    path = str(tmp_path / "model.keras")
    script = _SAVE_AND_LOAD.format(first=first)
    saved = subprocess.run([sys.executable, "-c", script, path, "save"], capture_output=True,
                           text=True)
    assert saved.returncode == 0, saved.stderr[-2000:]
    loaded = subprocess.run([sys.executable, "-c", script, path, "load"], capture_output=True,
                            text=True)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.split() == ["adamctl.core.adam", "algorithm1", "1"]


def test_legacy_h5_round_trip_keeps_our_arguments_and_state(tmp_path):
    model = _model(Adam(amsgrad=True, epsilon_mode="algorithm1", weight_decay_mode="l2",
                        weight_decay=0.01, fused=False))
    model.save(tmp_path / "model.h5")
    loaded = keras.models.load_model(tmp_path / "model.h5").optimizer
    assert isinstance(loaded, Adam)
    assert (loaded.epsilon_mode, loaded.weight_decay_mode, loaded.fused) == ("algorithm1", "l2", False)
    for ours, theirs in zip(_optimizer_state(model.optimizer), _optimizer_state(loaded)):
        np.testing.assert_array_equal(ours, theirs)


def test_deserialize_returns_ours_and_keras_config_returns_keras():
    ours = keras.optimizers.deserialize(keras.optimizers.serialize(Adam(beta_1=0.8)))
    assert type(ours) is Adam and ours.beta_1 == 0.8
    theirs = keras.optimizers.deserialize(keras.optimizers.serialize(keras.optimizers.Adam()))
    assert type(theirs) is keras.optimizers.Adam


def test_our_config_never_silently_becomes_keras_adam():
    # Without our extra keys the config is still ours: it names our class.
    serialized = keras.optimizers.serialize(Adam())
    for key in ("epsilon_mode", "weight_decay_mode", "fused"):
        del serialized["config"][key]
    assert type(keras.optimizers.deserialize(serialized)) is Adam


@pytest.mark.parametrize("duplicate", [
    pytest.param(lambda o: pickle.loads(pickle.dumps(o)), id="pickle"),
    pytest.param(copy.copy, id="copy"),
    pytest.param(copy.deepcopy, id="deepcopy"),
])
def test_pickle_and_copies_keep_every_argument(duplicate):
    optimizer = Adam(learning_rate=0.01, beta_1=0.8, amsgrad=True, epsilon_mode="algorithm1")
    twin = duplicate(optimizer)
    assert type(twin) is Adam
    assert twin.get_config() == optimizer.get_config()


def test_a_compiled_trained_model_pickles_with_its_optimizer_state():
    model = _model(Adam(amsgrad=True))
    twin = pickle.loads(pickle.dumps(model))
    assert type(twin.optimizer) is Adam
    for ours, theirs in zip(_optimizer_state(model.optimizer), _optimizer_state(twin.optimizer)):
        np.testing.assert_array_equal(ours, theirs)


def test_model_saved_after_compile_before_training_loads(tmp_path):
    _model(Adam(), train=False).save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert int(loaded.optimizer.iterations.numpy()) == 0
    loaded.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    assert int(loaded.optimizer.iterations.numpy()) == 1


@pytest.mark.parametrize("train", [False, True], ids=["unbuilt", "trained"])
def test_mixed_float16_model_loads_under_float32_with_its_adam_state(tmp_path, train):
    try:
        keras.config.set_dtype_policy("mixed_float16")
        model = _model(Adam(), train=train)
        model.save(tmp_path / "model.keras")
    finally:
        keras.config.set_dtype_policy("float32")
    saved_state = _optimizer_state(model.optimizer.inner_optimizer)
    loaded = keras.models.load_model(tmp_path / "model.keras").optimizer
    assert isinstance(loaded, Adam)
    restored = _optimizer_state(loaded)[:len(saved_state)]
    for ours, theirs in zip(saved_state, restored):
        np.testing.assert_array_equal(ours, theirs)


def _store_of(optimizer):
    store = {}
    optimizer.save_own_variables(store)
    return store


def _built(optimizer, steps=0):
    variables = [keras.Variable(np.ones((2, 3), "float32")), keras.Variable(np.zeros(3, "float32"))]
    optimizer.build(variables)
    for _ in range(steps):
        optimizer.apply([np.ones((2, 3), "float32"), np.ones(3, "float32")], variables)
    return optimizer


def test_unbuilt_state_is_refused_by_an_optimizer_that_has_stepped():
    with pytest.raises(ValueError, match="has 6 variables but the state to load has 2 entries"):
        _built(Adam(), steps=1).load_own_variables(_store_of(Adam()))


def test_state_of_a_stepped_unbuilt_looking_optimizer_is_refused():
    store = _store_of(Adam())
    store["0"] = np.array(3, "int64")  # an iteration count: not an unbuilt optimizer's state
    with pytest.raises(ValueError, match="has 6 variables but the state to load has 2 entries"):
        _built(Adam()).load_own_variables(store)


def test_loss_scale_state_of_another_shape_is_refused():
    wrapper = keras.optimizers.LossScaleOptimizer(Adam())
    wrapper.build([keras.Variable(np.ones((4, 3), "float32")), keras.Variable(np.zeros(3, "float32"))])
    with pytest.raises(ValueError, match=r"state entry 2 has shape \(4, 3\)"):
        _built(Adam()).load_own_variables(_store_of(wrapper))


def test_default_names_are_numbered_like_keras():
    first, second = Adam(), Adam()
    theirs = keras.optimizers.Adam()
    assert first.name.startswith("adam") and second.name.startswith("adam")
    assert len({first.name, second.name, theirs.name}) == 3
    assert Adam(name=None).name.startswith("adam_")
