"""Array files of a checkpoint: a sequence of standard ``.npy`` records, checksummed as written.

Each group of arrays (model, optimizer, metrics) is one file holding one
``.npy`` record after another, so NumPy reads it as it is::

    with open("optimizer.npy", "rb") as handle:
        first, second = np.load(handle), np.load(handle)

The manifest records each file's size and CRC-32. For a big file the CRC
is computed on a second thread while the bytes are written (both release
the GIL), so checksumming adds little to the write; a small file (the
arrays of most models studied with Adam, under :data:`_IN_ONE_WRITE_BYTES`)
is assembled in memory and written with one call instead, since starting
that thread costs more than the whole file.
"""

from __future__ import annotations

import io
import os
import queue
import threading
import zlib
from pathlib import Path
from typing import Any, Iterable

import numpy as np

__all__ = ["FileDigest", "write_arrays", "write_bytes", "read_arrays", "file_digest"]

_EARLY_WRITEBACK_BYTES = 1 << 20
_IN_ONE_WRITE_BYTES = 1 << 20


class FileDigest(dict):
    """``{"size": bytes, "crc32": "8 hex digits"}``."""


class _ChecksummingWriter:
    """Write buffers to a file while a helper thread folds them into a CRC-32."""

    def __init__(self, path: Path, *, durable: bool = True) -> None:
        self._durable = durable
        self._file = open(path, "wb", buffering=0)
        self._pending: queue.Queue = queue.Queue(maxsize=64)
        self._crc, self._size = 0, 0
        self._thread = threading.Thread(target=self._fold, daemon=True)
        self._thread.start()

    def _fold(self) -> None:
        while (buffer := self._pending.get()) is not None:
            self._crc = zlib.crc32(buffer, self._crc)

    def write(self, buffer: memoryview | bytes) -> None:
        view = memoryview(buffer)
        written = 0
        while written < view.nbytes:  # a raw write may be partial
            written += self._file.write(view[written:])
        if self._durable and view.nbytes >= _EARLY_WRITEBACK_BYTES and hasattr(os, "posix_fadvise"):
            # Start writing these pages to disk now rather than at fsync: the
            # disk then works while the next arrays are copied. (On Linux,
            # DONTNEED starts asynchronous writeback of dirty pages.)
            os.posix_fadvise(self._file.fileno(), self._size, view.nbytes, os.POSIX_FADV_DONTNEED)
        self._size += view.nbytes
        self._pending.put(view)

    def close(self) -> FileDigest:
        """Flush to disk (fsync, when durable) and return the file's size and CRC-32."""
        self._pending.put(None)
        self._thread.join()
        if self._durable:
            os.fsync(self._file.fileno())
        self._file.close()
        return FileDigest(size=self._size, crc32=f"{self._crc & 0xFFFFFFFF:08x}")


def write_arrays(path: Path, arrays: Iterable[np.ndarray], *, durable: bool = True) -> FileDigest:
    """Write each array as an ``.npy`` record (no pickles); return the digest."""
    parts = [part for array in arrays for part in _record(array)]
    if sum(part.nbytes for part in parts) <= _IN_ONE_WRITE_BYTES:
        return write_bytes(path, b"".join(parts), durable=durable)
    writer = _ChecksummingWriter(path, durable=durable)
    try:
        for part in parts:
            writer.write(part)
    finally:
        digest = writer.close()
    return digest


def _record(array: np.ndarray) -> list[memoryview]:
    """An array's ``.npy`` record: its header, then its bytes in C order (none when empty)."""
    array = np.asarray(array)
    if not array.flags.c_contiguous:  # ascontiguousarray would make 0-d arrays 1-d
        array = array.copy(order="C")
    header = io.BytesIO()
    np.lib.format.write_array_header_2_0(header, np.lib.format.header_data_from_array_1_0(array))
    parts = [header.getbuffer()]
    if array.size:
        parts.append(array.reshape(-1).view(np.uint8).data)
    return parts


def write_bytes(path: Path, data: bytes, *, durable: bool = True) -> FileDigest:
    """Write a small file's bytes with one call (looping over partial writes); its digest."""
    with open(path, "wb", buffering=0) as handle:
        view, written = memoryview(data), 0
        while written < len(data):
            written += handle.write(view[written:])
        if durable:
            os.fsync(handle.fileno())
    return FileDigest(size=len(data), crc32=f"{zlib.crc32(data) & 0xFFFFFFFF:08x}")


def read_arrays(path: Path, count: int) -> list[np.ndarray]:
    """The ``count`` arrays of a file written by :func:`write_arrays`.

    Each header is checked before its data is read: an object dtype (a
    pickle), or a shape claiming more bytes than the file holds, is refused
    with ``ValueError`` instead of being loaded or allocated.
    """
    arrays = []
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        for _ in range(count):
            arrays.append(_read_record(handle, size))
        if handle.read(1):
            raise ValueError(f"{Path(path).name} holds more than {count} arrays")
    return arrays


def _read_record(handle: Any, file_size: int) -> np.ndarray:
    """One ``.npy`` record at the handle's position, its size checked against the file's."""
    fmt = np.lib.format
    version = fmt.read_magic(handle)
    reader = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}.get(version)
    if reader is None:
        raise ValueError(f"unsupported .npy version {version}")
    shape, fortran_order, dtype = reader(handle, max_header_size=1 << 16)
    if dtype.hasobject:
        raise ValueError("an array of Python objects (a pickle), which is never loaded")
    count = int(np.prod(shape, dtype=object))
    needed = count * dtype.itemsize
    if needed > file_size - handle.tell():
        raise ValueError(f"an array header claims {needed} bytes; the file holds "
                         f"{file_size - handle.tell()} after it")
    data = np.frombuffer(handle.read(needed), dtype=dtype, count=count)
    order = "F" if fortran_order else "C"
    return data.reshape(shape, order=order).copy(order=order)


def file_digest(path: Path, chunk: int = 1 << 24) -> FileDigest:
    """Size and CRC-32 of a file, read back from disk."""
    crc, size = 0, 0
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            crc = zlib.crc32(block, crc)
            size += len(block)
    return FileDigest(size=size, crc32=f"{crc & 0xFFFFFFFF:08x}")
