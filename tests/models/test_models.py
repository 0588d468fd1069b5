"""Model presets and layer lists: they build, they learn, and bad names are named."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pytest

from adamctl.config.schema import ModelConfig
from adamctl.errors import ConfigError
from adamctl.models import build_model, check_model_config, outputs_logits, resolve_loss


def _cfg(**changes) -> ModelConfig:
    return dataclasses.replace(ModelConfig(), **changes)


@pytest.mark.parametrize("config, shape", [
    pytest.param(_cfg(preset="logreg"), (16,), id="logreg"),
    pytest.param(_cfg(preset="mlp", hidden=(16,), dropout=0.2), (16,), id="mlp"),
    pytest.param(_cfg(preset="cnn", filters=(4, 8)), (8, 8, 1), id="cnn-images"),
    pytest.param(_cfg(preset="cnn", filters=(4,)), (16,), id="cnn-square-vector"),
    pytest.param(_cfg(preset=None, layers=({"class_name": "Dense", "units": 8, "activation": "relu"},
                                           {"class_name": "Dense", "units": 3})), (16,), id="layers"),
])
def test_model_builds_and_learns(config, shape):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, *shape)).astype("float32")
    y = (x.reshape(256, -1)[:, 0] > 0).astype("int32")
    model = build_model(config, input_shape=shape, task="classification", num_classes=3)
    assert model.output_shape == (None, 3) and outputs_logits(model)
    model.compile(optimizer="adam", loss=resolve_loss("sparse_categorical_crossentropy",
                                                      "classification"))
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_mixed_precision_keeps_float32_logits():
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = build_model(_cfg(preset="mlp", hidden=(8,)), input_shape=(4,),
                            task="classification", num_classes=2)
        assert model.layers[0].compute_dtype == "float16"
        assert keras.backend.standardize_dtype(model(np.zeros((1, 4))).dtype) == "float32"
    finally:
        keras.config.set_dtype_policy("float32")


@pytest.mark.parametrize("layers, key, message", [
    pytest.param(({"class_name": "Dence", "units": 3},), "model.layers[0].class_name",
                 r'must be the class name of a built-in Keras layer \(did you mean "Dense"\?\)',
                 id="unknown-layer"),
    pytest.param(({"class_name": "Lambda", "function": "print"},), "model.layers[0].class_name",
                 r"runs arbitrary code and is not allowed", id="lambda"),
    pytest.param(({"class_name": "Dense", "units": 3, "module": "os"},), "model.layers[0].module",
                 r"only built-in layers", id="module-path"),
    pytest.param(({"class_name": "Dense", "unitz": 3},), "model.layers[0]",
                 r"Dense refused its arguments", id="bad-argument"),
    pytest.param(({"class_name": "Dense", "units": 5},), "model.layers[0]",
                 r"the model outputs 5 values per example but the task needs 3", id="wrong-width"),
])
def test_bad_layers_are_named(layers, key, message):
    with pytest.raises(ConfigError, match=message) as caught:
        build_model(_cfg(preset=None, layers=layers), input_shape=(4,), task="classification",
                    num_classes=3)
    assert caught.value.key_path == key


def test_cnn_refuses_non_image_input():
    with pytest.raises(ConfigError, match=r"needs image-shaped inputs .* use preset mlp"):
        build_model(_cfg(preset="cnn"), input_shape=(7,), task="classification", num_classes=2)


@pytest.mark.parametrize("changes, key", [
    pytest.param({"loss": "mean_squard_error"}, "model.loss", id="loss"),
    pytest.param({"metrics": ("acuracy",)}, "model.metrics[0]", id="metric"),
    pytest.param({"activation": "rellu"}, "model.activation", id="activation"),
])
def test_check_model_config_names_unknown_keras_names(changes, key):
    valid = {"loss": "sparse_categorical_crossentropy", "metrics": ("accuracy",)}
    with pytest.raises(ConfigError, match="is not a name Keras knows") as caught:
        check_model_config(_cfg(**{**valid, **changes}))
    assert caught.value.key_path == key and caught.value.suggestion is not None


def test_cross_entropy_is_told_about_logits():
    assert resolve_loss("sparse_categorical_crossentropy", "classification").from_logits
    assert not resolve_loss("sparse_categorical_crossentropy", "classification",
                            logits=False).from_logits


LAYERS_YAML = """\
model:
  preset: null
  layers:
    - class_name: Dense
      units: 8
    - class_name: Dence
      units: 3
"""


def test_a_layer_keras_refuses_is_named_with_its_line_in_the_file(tmp_path):
    path = tmp_path / "layers.yaml"
    path.write_text(LAYERS_YAML)
    layers = ({"class_name": "Dense", "units": 8}, {"class_name": "Dence", "units": 3})
    with pytest.raises(ConfigError, match=r"^" + f"{path}:6: model.layers\\[1\\].class_name = "
                                          r"'Dence': must be the class name"):
        check_model_config(_cfg(preset=None, layers=layers), file=path)


def test_a_layer_not_written_in_the_file_gets_no_line_rather_than_a_wrong_one(tmp_path):
    path = tmp_path / "layers.yaml"
    path.write_text(LAYERS_YAML)
    layers = ({"class_name": "Dense", "units": 8}, {"class_name": "Dens", "units": 3})
    with pytest.raises(ConfigError) as caught:
        check_model_config(_cfg(preset=None, layers=layers), file=path)
    assert (caught.value.file, caught.value.line) == (str(path), None)
