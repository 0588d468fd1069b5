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
        values = [np.array(v) for v in (*model.variables, *model.optimizer.variables)]
        assert weights_h5_bytes(model) == keras_weights_h5_bytes(model)
        after = [np.array(v) for v in (*model.variables, *model.optimizer.variables)]
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
