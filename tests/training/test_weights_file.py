"""A model's weights file from the recorded layout is byte for byte Keras's own."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import TINY, merge

VARIANTS = [
    pytest.param({}, id="mlp"),
    pytest.param({"optimizer": {"amsgrad": True}}, id="amsgrad"),
    pytest.param({"model": {"dropout": 0.2}}, id="dropout"),
    pytest.param({"model": {"preset": "cnn", "filters": [4]},
                  "data": {"source": "digits"}}, id="cnn"),
]


def _session(extra: dict):
    import keras

    from adamctl.config import config_from_dict
    from adamctl.training.session import prepare

    keras.backend.clear_session()
    return prepare(config_from_dict(merge(TINY, extra)))


def _step(session, start: int) -> None:
    x, y = session.dataset.x_train, session.dataset.y_train
    session.model.train_on_batch(x[start:start + 8], y[start:start + 8])


@pytest.mark.parametrize("extra", VARIANTS)
def test_repeated_writes_equal_keras_writes_and_leave_the_values_alone(extra):
    from adamctl.training.weights_file import keras_weights_h5_bytes, weights_h5_bytes

    session = _session(extra)
    model = session.model
    for start in (0, 8):  # the first write records the layout, the second uses it
        _step(session, start)
        values = [v.numpy() for v in (*model.variables, *model.optimizer.variables)]
        assert weights_h5_bytes(model) == keras_weights_h5_bytes(model)
        after = [v.numpy() for v in (*model.variables, *model.optimizer.variables)]
        assert all(a.tobytes() == b.tobytes() for a, b in zip(values, after))


def test_another_optimizer_of_the_same_shape_writes_its_own_values():
    from adamctl.core import build_optimizer
    from adamctl.training.weights_file import keras_weights_h5_bytes, weights_h5_bytes

    session = _session({})
    model = session.model
    weights_h5_bytes(model)
    other = build_optimizer({"beta_2": 0.9, "learning_rate": 0.5, "name": model.optimizer.name})
    other.build(model.trainable_variables)
    for variable in other.variables[2:]:
        variable.assign(np.full(variable.shape, 0.25, np.float32))
    model.optimizer = other
    assert weights_h5_bytes(model) == keras_weights_h5_bytes(model)


@pytest.mark.parametrize("extra", VARIANTS)
def test_a_repeated_model_file_holds_what_keras_writes(tmp_path, extra):
    import io
    import json
    import zipfile

    import keras

    from adamctl.training.keras_file import _keras_bytes, keras_file_bytes

    session = _session(extra)
    model = session.model
    for start in (0, 8):  # the first save checks the structure, the second writes it
        _step(session, start)
        ours, theirs = keras_file_bytes(model), _keras_bytes(model)
        with zipfile.ZipFile(io.BytesIO(ours)) as a, zipfile.ZipFile(io.BytesIO(theirs)) as b:
            assert a.namelist() == b.namelist()
            for name in a.namelist():
                if name == "metadata.json":  # its date_saved is the save's own
                    assert json.loads(a.read(name))["keras_version"] == \
                        json.loads(b.read(name))["keras_version"]
                else:
                    assert a.read(name) == b.read(name), name
    (tmp_path / "ours.keras").write_bytes(keras_file_bytes(model))
    (tmp_path / "theirs.keras").write_bytes(_keras_bytes(model))
    ours, theirs = (keras.saving.load_model(tmp_path / f"{n}.keras") for n in ("ours", "theirs"))
    for mine, other in zip((*ours.variables, *ours.optimizer.variables),
                           (*theirs.variables, *theirs.optimizer.variables)):
        if "seed_generator" not in mine.path:  # Keras reseeds dropout on every load
            assert mine.numpy().tobytes() == other.numpy().tobytes(), mine.path


def test_values_read_elsewhere_give_the_models_own_file_and_must_fit_its_variables():
    """A population passes each member's values read from its stacked state: the file is the
    one Keras writes for a model holding them; values of other shapes are refused."""
    from adamctl.training.weights_file import keras_weights_h5_bytes, weights_h5_bytes

    session = _session({})
    model = session.model
    _step(session, 0)
    values = [np.array(v.numpy()) for v in (*model.variables, *model.optimizer.variables)]
    assert weights_h5_bytes(model, values) == keras_weights_h5_bytes(model)
    shifted = [v + 1 if v.dtype.kind == "f" else v for v in values]
    for variable, value in zip((*model.variables, *model.optimizer.variables), shifted):
        variable.assign(value)
    assert weights_h5_bytes(model, shifted) == keras_weights_h5_bytes(model)
    assert weights_h5_bytes(model, shifted) != weights_h5_bytes(model, values)
    with pytest.raises(ValueError, match="shape and dtype"):
        weights_h5_bytes(model, values[:-1])
    with pytest.raises(ValueError, match="shape and dtype"):
        weights_h5_bytes(model, [v.astype("float64") for v in values])
