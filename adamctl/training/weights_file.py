"""A model's ``.weights.h5`` bytes as Keras writes them, cheap when written again and again.

Keras's writer walks the model and creates every dataset through h5py:
about 10-20 ms for the quickstart MLP, paid at each best epoch and at the
end of every run (and, in a population, for every member). Yet the bytes
depend only on the model's structure and its values: each array is stored
contiguously and uncompressed, and no timestamp is written (two writes of
the same values are byte-identical). So the first write for a structure
also records where each variable's bytes lie (it writes once with every
variable set to its own marker value, ``index + 1``, and reads the file
back); later writes copy the current values into a copy of those bytes.
A structure whose file does not map one dataset to one variable (a dtype
Keras converts, a value that is not a variable) keeps Keras's writer.
"""

from __future__ import annotations

import io
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:
    import keras

__all__ = ["weights_h5_bytes", "keras_weights_h5_bytes", "structure_key"]

_PLAIN_DTYPES = {"float16", "float32", "float64", "int32", "int64", "uint32", "uint8"}


@dataclass(frozen=True)
class _Layout:
    image: bytes  # the file as written with the marker values
    places: tuple[tuple[int, int], ...]  # (byte offset, variable index) per dataset


_LAYOUTS: "weakref.WeakKeyDictionary[Any, dict[tuple, _Layout | None]]" = \
    weakref.WeakKeyDictionary()


def weights_h5_bytes(model: keras.Model, values: Sequence[np.ndarray] | None = None) -> bytes:
    """The bytes ``model.save_weights("x.weights.h5")`` would write, built in memory.

    ``values``: the variables' current values (the model's, then its
    optimizer's, in order), when the caller holds copies already: a
    population reads every member's from its stacked state at once, where
    reading them from the model costs one call into the framework each. They
    are a faster read, not other values: a structure Keras's own writer has
    to write is written from the variables.
    """
    variables = _saved_variables(model)
    known = _LAYOUTS.setdefault(model, {})
    key = structure_key(model)
    if values is not None and tuple((tuple(np.shape(a)), str(np.asarray(a).dtype))
                                    for a in values) != key:
        raise ValueError("the values given do not match the model's variables in shape and dtype")
    if key not in known:
        known[key] = _layout(model, variables)
    layout = known[key]
    if layout is None:
        return keras_weights_h5_bytes(model)
    image = bytearray(layout.image)
    values = [np.ascontiguousarray(v.numpy()) for v in variables] if values is None else \
        [np.ascontiguousarray(a) for a in values]
    for offset, index in layout.places:
        data = values[index].tobytes()
        image[offset:offset + len(data)] = data
    return bytes(image)


def structure_key(model: keras.Model) -> tuple:
    """What a model's weights file depends on besides the values: its variables' shapes
    and dtypes, in order (the layer names are the model's own)."""
    return tuple((tuple(v.shape), str(v.dtype)) for v in _saved_variables(model))


def keras_weights_h5_bytes(model: keras.Model) -> bytes:
    """Keras's own writer into memory.

    Keras's public ``save_weights`` takes only a file name; its own writer,
    ``H5IOStore``, also takes an ``io.BytesIO`` (Keras uses that form inside
    ``.keras`` archives), and ``_save_state`` is what ``save_weights`` calls
    with it. Both are internal to Keras, whose version ``pyproject.toml`` pins;
    the round trip through ``model.load_weights`` is tested.
    """
    from keras.src.saving import saving_lib

    buffer = io.BytesIO()
    store = saving_lib.H5IOStore(buffer, mode="w")
    try:
        saving_lib._save_state(model, weights_store=store, assets_store=None,
                               inner_path="", visited_saveables=set())
    finally:
        store.close()
    return buffer.getvalue()


def _saved_variables(model: keras.Model) -> list[Any]:
    optimizer = getattr(model, "optimizer", None)
    return [*model.variables, *(optimizer.variables if optimizer is not None else ())]


def _layout(model: keras.Model, variables: list[Any]) -> _Layout | None:
    """Where each variable's bytes lie in the model's file, or None if that is not plain."""
    if any(str(v.dtype) not in _PLAIN_DTYPES for v in variables) or len(variables) > 2 ** 20:
        return None
    saved = [np.array(v.numpy()) for v in variables]
    try:
        for index, variable in enumerate(variables):
            variable.assign(np.full(tuple(variable.shape), index + 1, dtype=str(variable.dtype)))
        image = keras_weights_h5_bytes(model)
    finally:
        for variable, value in zip(variables, saved):
            variable.assign(value)
    places = _places(image, variables)
    return None if places is None else _Layout(image, places)


def _places(image: bytes, variables: list[Any]) -> tuple[tuple[int, int], ...] | None:
    import h5py

    found: list[tuple[int, int]] = []
    plain = [True]

    def visit(name: str, item: Any) -> None:
        if not isinstance(item, h5py.Dataset):
            return
        data, offset = np.array(item), item.id.get_offset()
        index = int(data.flat[0]) - 1 if data.size else -1
        if (offset is None or item.chunks is not None or item.compression is not None
                or not 0 <= index < len(variables) or not (data == index + 1).all()
                or data.shape != tuple(variables[index].shape)
                or data.dtype != np.dtype(str(variables[index].dtype))):
            plain[0] = False
            return
        found.append((offset, index))

    with h5py.File(io.BytesIO(image), "r") as handle:
        handle.visititems(visit)
    indices = sorted(index for _, index in found)
    if not plain[0] or indices != list(range(len(variables))):
        return None
    return tuple(found)
