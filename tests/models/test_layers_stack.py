"""Layers that each build alone but cannot follow one another are named, not a bare ValueError.

``keras.Sequential`` refuses a Conv2D given vectors or a Reshape to the wrong
size with a ValueError, and TensorFlow a Dense of dtype int32 with an
InvalidArgumentError, naming no entry; `train` ended with exit 1.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from adamctl.config.schema import ModelConfig
from adamctl.errors import ConfigError
from adamctl.models import build_model

DENSE = {"class_name": "Dense", "units": 3}


@pytest.mark.parametrize("layers, key, given", [
    pytest.param(({"class_name": "Conv2D", "filters": 2, "kernel_size": 3},
                  {"class_name": "Flatten"}, DENSE), "model.layers[0] = 'Conv2D'", "(None, 4)",
                 id="conv-on-vectors"),
    pytest.param(({"class_name": "Dense", "units": 8},
                  {"class_name": "Reshape", "target_shape": [3, 3]}, DENSE),
                 "model.layers[1] = 'Reshape'", "(None, 8)", id="reshape-wrong-size"),
    pytest.param(({"class_name": "Dense", "units": 3, "dtype": "int32"},),
                 "model.layers[0] = 'Dense'", "(None, 4)", id="integer-dtype"),
])
def test_layers_that_do_not_fit_their_input_name_the_entry_and_its_shape(layers, key, given):
    cfg = dataclasses.replace(ModelConfig(), preset=None, layers=layers)
    prefix = f"run.yaml: {key}: Keras cannot apply it to input of shape {given}: "
    with pytest.raises(ConfigError, match="^" + re.escape(prefix) + r"[^\x1b]+$"):
        build_model(cfg, input_shape=(4,), task="classification", num_classes=3, file="run.yaml")
