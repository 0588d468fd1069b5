"""``model.layers``: a list of built-in Keras layers by class name, with their arguments.

Only classes of ``keras.layers`` are looked up; nothing is imported by path,
and layers that run user code (Lambda, TFSMLayer) are refused. The config
layer refuses those already, with the line (:mod:`adamctl.config._layers`,
which owns the two tables); they are checked again here because
:func:`build_layers` is public and may be given entries that were never resolved.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Mapping, Sequence

from adamctl.config import FORBIDDEN_LAYER_KEYS as _FORBIDDEN_KEYS
from adamctl.config import REFUSED_LAYERS as _REFUSED
from adamctl.errors import ConfigError

__all__ = ["build_layers", "stacking_error"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def build_layers(entries: Sequence[Mapping[str, Any]], *, file: Any = None) -> list[Any]:
    """Instantiate each ``{class_name: Dense, units: 64}`` (or ``{class_name, config}``).

    Raises:
        ConfigError: a name or arguments Keras refuses, at ``model.layers[i]``
            and, when ``file`` holds that very entry, its line.
    """
    layers = []
    for index, entry in enumerate(entries):
        try:
            layers.append(_build_one(entry, index, file))
        except ConfigError as error:
            raise _with_line(error, entry, index) from None
    return layers


def stacking_error(entries: Sequence[Mapping[str, Any]], input_shape: tuple[int, ...],
                   cause: Exception, *, file: Any = None) -> ConfigError:
    """The error for layers that each build alone but cannot follow one another.

    ``keras.Sequential`` raised ``cause`` (a Conv2D given vectors, a Reshape
    to the wrong size, an integer ``dtype``) without saying which entry. The
    layers are built afresh and added one at a time, on this error path
    only, to name the first one Keras refuses and the shape it was given.
    """
    import keras

    probe = keras.Sequential([keras.Input(tuple(input_shape))])
    for index, layer in enumerate(build_layers(entries, file=file)):
        given = probe.output_shape if probe.layers else (None, *input_shape)
        try:
            probe.add(layer)
        except Exception as error:  # what keras.Sequential raised, for this entry alone
            cause = error
            break
    else:
        index, given = len(entries) - 1, None
    text = _one_line(cause)
    shown = f"input of shape {tuple(given)}" if given is not None else "its input"
    error = ConfigError(f"Keras cannot apply it to {shown}: {text}", file=file,
                        key_path=f"model.layers[{index}]",
                        value=entries[index].get("class_name"))
    return _with_line(error, entries[index], index)


def _one_line(error: Exception) -> str:
    """Keras's message on one line, without its terminal colour codes, at most 300 characters."""
    return " ".join(_ANSI.sub("", str(error)).split())[:300]


def _with_line(error: ConfigError, entry: Mapping[str, Any], index: int) -> ConfigError:
    """``error`` with the line of the entry's key in its file, if the file holds this entry.

    The resolved config keeps no lines, so the file is read again, on this
    error path only; an entry that came from ``--set`` (or from nowhere in
    the file) is not in it, and the error keeps no line rather than a wrong one.
    """
    from adamctl.config.load import read_yaml

    if error.file is None or error.line is not None:
        return error
    try:
        data, lines = read_yaml(error.file)
    except ConfigError:
        return error
    model = data.get("model") if isinstance(data, Mapping) else None
    written = model.get("layers") if isinstance(model, Mapping) else None
    if not isinstance(written, list) or index >= len(written) or written[index] != dict(entry):
        return error
    path = ("model", "layers", index)
    key = (error.key_path or "").removeprefix(f"model.layers[{index}]").lstrip(".")
    return error.with_line(lines.get(path + (key,)) or lines.get(path))


def _layer_names() -> list[str]:
    import keras

    return sorted(
        name for name in dir(keras.layers)
        if isinstance(getattr(keras.layers, name), type)
        and issubclass(getattr(keras.layers, name), keras.layers.Layer)
        and name not in _REFUSED and name != "Layer"
    )


def _build_one(entry: Mapping[str, Any], index: int, file: Any) -> Any:
    import keras

    where = f"model.layers[{index}]"
    name = entry.get("class_name")
    if not isinstance(name, str) or name in _REFUSED or name not in _layer_names():
        close = difflib.get_close_matches(str(name), _layer_names(), n=1)
        why = "runs arbitrary code and is not allowed" if name in _REFUSED else \
            "must be the class name of a built-in Keras layer"
        raise ConfigError(why, file=file, key_path=f"{where}.class_name", value=name,
                          suggestion=close[0] if close else None)
    forbidden = _FORBIDDEN_KEYS & set(entry)
    if forbidden:
        raise ConfigError("only built-in layers by class name are allowed", file=file,
                          key_path=f"{where}.{sorted(forbidden)[0]}", value=entry[sorted(forbidden)[0]])
    arguments = entry.get("config") if "config" in entry else {
        k: v for k, v in entry.items() if k != "class_name"}
    try:
        return getattr(keras.layers, name)(**dict(arguments or {}))
    except Exception as error:  # TypeError, ValueError: Keras's own words, on one line
        text = " ".join(str(error).split())
        raise ConfigError(f"{name} refused its arguments: {text[:300]}", file=file,
                          key_path=where, value=dict(arguments or {})) from None
