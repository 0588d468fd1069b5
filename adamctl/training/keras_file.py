"""A model's ``.keras`` archive as ``model.save`` writes it, built in memory and cheap to repeat.

A ``.keras`` file is a zip (stored, not compressed) of ``metadata.json``
(Keras's version and the save's date), ``config.json`` (the model and its
compile config, optimizer settings included) and ``model.weights.h5``, the
very bytes of the weights file (:mod:`adamctl.training.weights_file`).
Keras spends most of its ~19 ms (quickstart MLP) writing that h5 through
h5py. The first save of a structure goes through Keras and is checked to
hold exactly those three entries, its h5 equal to ours; later saves of that
structure write Keras's own JSON and our h5 bytes into the same three
entries (~2 ms). A structure with anything else in its archive (assets,
another weights format) keeps Keras's writer.
"""

from __future__ import annotations

import io
import weakref
import zipfile
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import keras

__all__ = ["keras_file_bytes"]

_ENTRIES = ("metadata.json", "config.json", "model.weights.h5")

_PLAIN: "weakref.WeakKeyDictionary[Any, dict[tuple, bool]]" = weakref.WeakKeyDictionary()


def keras_file_bytes(model: keras.Model) -> bytes:
    """The bytes of ``model.save("x.keras")``: the same entries, each with the same content."""
    from adamctl.training.weights_file import structure_key

    known = _PLAIN.setdefault(model, {})
    key = structure_key(model)
    if known.get(key) is not True:
        data = _keras_bytes(model)
        if key not in known:
            known[key] = _is_plain(data, model)
        return data
    from keras.src.saving import saving_lib

    from adamctl.training.weights_file import weights_h5_bytes

    config_json, metadata_json = saving_lib._serialize_model_as_json(model)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in zip(_ENTRIES, (metadata_json.encode(), config_json.encode(),
                                            weights_h5_bytes(model))):
            archive.writestr(name, content)
    return buffer.getvalue()


def _keras_bytes(model: keras.Model) -> bytes:
    """Keras's own writer into memory (``_save_model_to_fileobj`` is what ``model.save``
    calls with the open file; internal to Keras, whose version pyproject.toml pins)."""
    from keras.src.saving import saving_lib

    buffer = io.BytesIO()
    saving_lib._save_model_to_fileobj(model, buffer, "h5")
    return buffer.getvalue()


def _is_plain(data: bytes, model: keras.Model) -> bool:
    from adamctl.training.weights_file import weights_h5_bytes

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if tuple(info.filename for info in infos) != _ENTRIES:
            return False
        if any(info.compress_type != zipfile.ZIP_STORED for info in infos):
            return False
        return archive.read("model.weights.h5") == weights_h5_bytes(model)
