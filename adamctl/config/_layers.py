"""The ``model.layers`` list, checked without Keras: what each entry may hold, and the output width.

Keras judges the class names and their arguments when the model is built
(:mod:`adamctl.models.layers`); everything that needs no Keras is checked
here, where each entry's line is known, so that a refused layer, a key that
would import code, or a last layer whose width does not fit the task is a
config error naming ``file:line`` before any run directory exists.
"""

from __future__ import annotations

from typing import Any, Mapping

from adamctl.config._walk import Where
from adamctl.config.schema import DataConfig

__all__ = ["FORBIDDEN_LAYER_KEYS", "REFUSED_LAYERS", "check_layers"]

# Layers that run user code or load it from elsewhere.
REFUSED_LAYERS = frozenset({"Lambda", "TFSMLayer", "JaxLayer", "FlaxLayer", "TorchModuleWrapper"})
# Keras's deserializer would import a class from these.
FORBIDDEN_LAYER_KEYS = frozenset({"module", "registered_name"})
# Layers after the last one with `units` that leave the width of each example unchanged.
_SAME_WIDTH = frozenset({"Activation", "Softmax", "ReLU", "LeakyReLU", "PReLU", "ELU",
                         "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise",
                         "BatchNormalization", "LayerNormalization", "UnitNormalization"})
# Outputs per example where the config alone fixes them.
_FIXED_OUTPUTS = {"digits": 10, "mnist": 10, "fashion_mnist": 10, "cifar10": 10, "cifar100": 100,
                  "boston_housing": 1}
_EXAMPLE = "for example {class_name: Dense, units: 64}"


def check_layers(layers: tuple[Mapping[str, Any], ...], data: DataConfig, where: Where) -> None:
    """Check each entry, then the last layer's width against the task.

    ``data`` is the resolved data section: its task (and, for synthetic
    data, its classes) fix how many values the model must output.
    """
    if not layers:
        raise where.error("must list at least one layer (or be null, to use model.preset)",
                          ("model", "layers"), [])
    for index, layer in enumerate(layers):
        _check_entry(layer, ("model", "layers", index), where)
    _check_width(layers, data, where)


def _check_entry(layer: Mapping[str, Any], path: tuple[Any, ...], where: Where) -> None:
    class_name = layer.get("class_name")
    if not isinstance(class_name, str) or not class_name:
        raise where.error(f"must have a class_name naming a Keras layer, {_EXAMPLE}", path,
                          dict(layer))
    if class_name in REFUSED_LAYERS:
        raise where.error("runs arbitrary code and is not allowed", path + ("class_name",),
                          class_name)
    for key in sorted(FORBIDDEN_LAYER_KEYS & set(layer)):
        raise where.error("only built-in layers by class name are allowed", path + (key,),
                          layer[key])
    if "config" in layer and (set(layer) - {"class_name", "config"}
                              or not isinstance(layer["config"], Mapping)):
        raise where.error("must be a mapping of the layer's arguments, and then the only other "
                          f"key is class_name ({_EXAMPLE})", path + ("config",), layer["config"])


def _check_width(layers: tuple[Mapping[str, Any], ...], data: DataConfig, where: Where) -> None:
    """The last layer with ``units`` gives the output width, when only same-width layers follow."""
    needed = _outputs(data)
    for index in range(len(layers) - 1, -1, -1):
        arguments = _arguments(layers[index])
        if "units" in arguments:
            units = arguments["units"]
            if needed is not None and isinstance(units, int) and units != needed:
                path = ("model", "layers", index, "units")
                if "config" in layers[index]:
                    path = ("model", "layers", index, "config", "units")
                raise where.error(f"must be {needed}: the last layer outputs one value per "
                                  f"{_what(data)}", path, units)
            return
        if layers[index].get("class_name") not in _SAME_WIDTH:
            return


def _arguments(layer: Mapping[str, Any]) -> Mapping[str, Any]:
    inner = layer.get("config")
    return inner if isinstance(inner, Mapping) else layer


def _outputs(data: DataConfig) -> int | None:
    """How many values per example the task needs, or None when only the data can tell."""
    if data.source in _FIXED_OUTPUTS:
        return _FIXED_OUTPUTS[data.source]
    if data.task == "regression" and data.source in ("synthetic", "csv", "parquet"):
        return 1  # one target column
    if data.source == "synthetic":
        return data.classes
    return None


def _what(data: DataConfig) -> str:
    if data.task == "regression":
        return "target"
    return "class (data.classes)" if data.source == "synthetic" else f"class of {data.source}"
