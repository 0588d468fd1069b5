"""The preset networks: logreg, mlp and cnn. Each ends in a linear float32 layer (logits)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from adamctl.errors import ConfigError

if TYPE_CHECKING:
    from adamctl.config.schema import ModelConfig

__all__ = ["preset_layers"]


def preset_layers(config: ModelConfig, *, input_shape: tuple[int, ...], outputs: int) -> list[Any]:
    """The layers of preset ``config.preset`` after the input, ending in ``outputs`` logits.

    The last layer computes in float32 even under a mixed-precision policy,
    as Keras recommends, so the loss sees full-precision logits.
    """
    import keras

    head = keras.layers.Dense(outputs, dtype="float32", name="logits")
    if config.preset == "logreg":
        return [*_flatten(input_shape), head]
    if config.preset == "mlp":
        body = []
        for units in config.hidden:
            body.append(keras.layers.Dense(units, activation=config.activation))
            if config.dropout > 0:
                body.append(keras.layers.Dropout(config.dropout))
        return [*_flatten(input_shape), *body, head]
    if config.preset == "cnn":
        return [*_cnn_body(config, input_shape), head]
    raise ConfigError("must be one of: logreg, mlp, cnn", key_path="model.preset", value=config.preset)


def _flatten(input_shape: tuple[int, ...]) -> list[Any]:
    import keras

    return [keras.layers.Flatten()] if len(input_shape) > 1 else []


def _cnn_body(config: ModelConfig, input_shape: tuple[int, ...]) -> list[Any]:
    """Conv 3x3 (same padding) + activation, then 2x2 max-pooling while the image is >= 2 wide."""
    import keras

    layers: list[Any] = []
    shape = _image_shape(input_shape)
    if shape != input_shape:
        layers.append(keras.layers.Reshape(shape))
    height, width = shape[0], shape[1]
    for filters in config.filters:
        layers.append(keras.layers.Conv2D(filters, 3, padding="same", activation=config.activation))
        if min(height, width) >= 2:
            layers.append(keras.layers.MaxPooling2D(2))
            height, width = height // 2, width // 2
    layers.append(keras.layers.Flatten())
    if config.dropout > 0:
        layers.append(keras.layers.Dropout(config.dropout))
    return layers


def _image_shape(input_shape: tuple[int, ...]) -> tuple[int, ...]:
    if len(input_shape) == 3:
        return input_shape
    if len(input_shape) == 2:
        return (*input_shape, 1)
    side = math.isqrt(input_shape[0])
    if len(input_shape) == 1 and side * side == input_shape[0]:
        return (side, side, 1)
    raise ConfigError(
        f"needs image-shaped inputs (H, W, C), or a square number of features; the data has "
        f"shape {tuple(input_shape)}: use preset mlp", key_path="model.preset", value="cnn",
    )
