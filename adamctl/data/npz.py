"""The user's npz archives: checked from their headers before a byte of data is loaded.

Every ``.npy`` member of an npz starts with a header giving its dtype and
shape. Reading only the headers first lets a bad file be refused with a
config error that names it: a lone ``.npy``, a truncated or non-zip file,
object arrays (which need pickles, never loaded), shapes that hold no
examples or no features, and headers claiming more bytes than the archive
holds or than the machine has memory for (one such header claimed 18 TiB).
"""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from adamctl.data.checks import regression_target, require_finite
from adamctl.errors import ConfigError

__all__ = ["load_npz"]

_NPY_MAGIC = b"\x93NUMPY"


class _Header(NamedTuple):
    shape: tuple[int, ...]
    dtype: np.dtype
    stored_bytes: int  # the member's uncompressed size, as the zip directory says


def load_npz(path: str, *, inputs: Any, target: str | None, task: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) from the arrays named ``inputs`` (default x) and ``target`` (default y).

    x is float32 of shape (n, features...); y is float32 for regression and
    as stored for classification, for :func:`adamctl.data.labels.encode_labels`.

    Raises:
        ConfigError: naming ``path`` and what is wrong with it.
    """
    x_name = inputs if isinstance(inputs, str) else "x"
    y_name = target or "y"
    headers = _read_headers(path, {x_name: "data.inputs", y_name: "data.target"})
    _check_x(path, x_name, headers[x_name])
    _check_y(path, y_name, headers[y_name], task, rows=headers[x_name].shape[0])
    _check_memory(path, headers)
    x, y = _load(path, x_name, y_name)
    x = x.astype(np.float32)
    require_finite(x, "data.inputs")
    return x, regression_target(y) if task == "regression" else y


def _read_headers(path: str, wanted: dict[str, str]) -> dict[str, _Header]:
    """The header of each wanted array; ``wanted`` maps array name -> config key."""
    _require_zip(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = {n[:-4]: n for n in archive.namelist() if n.endswith(".npy")}
            headers = {}
            for name, key in wanted.items():
                if name not in members:
                    raise ConfigError(f"{path} has no array {name!r}; its arrays: "
                                      f"{', '.join(members) or 'none'}", key_path=key, value=name)
                headers[name] = _header(archive, members[name], path)
            return headers
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise _unreadable(path, error) from None


def _require_zip(path: str) -> None:
    try:
        with open(path, "rb") as handle:
            start = handle.read(len(_NPY_MAGIC))
        is_zip = zipfile.is_zipfile(path)
    except OSError as error:
        raise _unreadable(path, error) from None
    if start == _NPY_MAGIC:
        raise ConfigError(f"{path} is a single .npy array, not an .npz archive; save x and y "
                          "together with np.savez(path, x=x, y=y)", key_path="data.path")
    if not is_zip:
        raise ConfigError(f"{path} is not an .npz archive (not a zip file; truncated?)",
                          key_path="data.path")


def _header(archive: zipfile.ZipFile, member: str, path: str) -> _Header:
    info = archive.getinfo(member)
    with archive.open(member) as stream:
        try:
            version = np.lib.format.read_magic(stream)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
            else:
                raise ValueError(f"npy format version {version} is not supported")
        except ValueError as error:
            raise ConfigError(f"{path}: array {member[:-4]!r} has an unreadable header "
                              f"({error})", key_path="data.path") from None
    return _Header(tuple(shape), dtype, info.file_size)


def _check_x(path: str, name: str, header: _Header) -> None:
    shape = header.shape
    _check_stored(path, name, header)
    _require(header.dtype.kind in "biuf", path, name, "data.inputs",
             f"is not numeric ({header.dtype}); inputs must be numbers")
    _require(len(shape) >= 2, path, name, "data.inputs",
             f"has shape {shape}; inputs need one row per example, shape (n, features...) "
             "(for one feature use x.reshape(-1, 1))")
    _require(shape[0] > 0, path, name, "data.inputs", f"has shape {shape}: no examples")
    _require(int(np.prod(shape[1:])) > 0, path, name, "data.inputs",
             f"has shape {shape}: no input features")


def _check_y(path: str, name: str, header: _Header, task: str, *, rows: int) -> None:
    shape = header.shape
    _check_stored(path, name, header)
    allowed = "biuf" if task == "regression" else "biufUS"
    _require(header.dtype.kind in allowed, path, name, "data.target",
             f"has dtype {header.dtype}, which is not a {task} target")
    _require(len(shape) >= 1, path, name, "data.target",
             "is a single value (shape ()); the target needs one value per example")
    _require(shape[0] == rows, path, name, "data.target",
             f"has {shape[0]} rows but the inputs have {rows}")
    if task == "classification":
        _require(len(shape) == 1 or shape[1:] == (1,), path, name, "data.target",
                 f"has shape {shape}; classification needs one class label per example, "
                 "shape (n,) (for one-hot rows save y.argmax(axis=1))")
    else:
        _require(len(shape) <= 2, path, name, "data.target",
                 f"has shape {shape}; regression needs shape (n,) or (n, outputs)")


def _check_stored(path: str, name: str, header: _Header) -> None:
    """Refuse object arrays and headers claiming more bytes than the member holds."""
    _require(not header.dtype.hasobject, path, name, "data.path",
             "holds Python objects, which need pickles and are never loaded; save numbers "
             "or strings")
    claimed = int(np.prod(header.shape, dtype=object)) * header.dtype.itemsize
    _require(claimed <= header.stored_bytes, path, name, "data.path",
             f"claims {_size(claimed)} ({header.dtype} {header.shape}) but holds "
             f"{_size(header.stored_bytes)}: the file is truncated or corrupt")


def _check_memory(path: str, headers: dict[str, _Header]) -> None:
    """Refuse arrays larger than physical memory (a compressed npz can be small on disk)."""
    claimed = sum(int(np.prod(h.shape, dtype=object)) * h.dtype.itemsize for h in headers.values())
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not every platform says
        return
    if claimed > memory:
        raise ConfigError(f"{path}: its arrays need {_size(claimed)}, more than this machine's "
                          f"{_size(memory)} of memory", key_path="data.path")


def _load(path: str, x_name: str, y_name: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(Path(path), allow_pickle=False) as archive:
            return archive[x_name], archive[y_name]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise _unreadable(path, error) from None


def _require(condition: bool, path: str, name: str, key: str, problem: str) -> None:
    if not condition:
        raise ConfigError(f"{path}: array {name!r} {problem}", key_path=key)


def _unreadable(path: str, error: BaseException) -> ConfigError:
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    return ConfigError(f"{path} cannot be read as an npz archive: {reason}",
                       key_path="data.path")


def _size(nbytes: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if nbytes < 1024 or unit == "TiB":
            return f"{nbytes:,} {unit}" if unit == "bytes" else f"{nbytes:,.1f} {unit}"
        nbytes /= 1024
    raise AssertionError("unreachable")
