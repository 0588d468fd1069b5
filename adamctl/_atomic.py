"""Write files whole or not at all: to a temporary sibling, fsync, then rename.

Every file adamctl writes goes through here (checkpoint folders are
assembled under a temporary name too, and renamed whole by the store). The
temporary file is created like ``open()`` creates a file, mode
``0o666 & ~umask``, so the result has the permissions a plain write would
give, not ``tempfile.mkstemp``'s private 0600.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any, Iterator

from adamctl.errors import WriteFailed

__all__ = [
    "atomic_output_path",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "fsync_dir",
    "json_bytes",
    "fsync_file",
]

_ATTEMPTS = 100


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never half.

    The bytes go to a temporary file in the same directory, which is flushed
    to disk and then renamed over ``path`` (``os.replace`` is atomic on POSIX);
    the directory is fsynced so that the rename itself survives a crash.

    Raises:
        WriteFailed: the disk refused (full, read-only, file too large),
            naming ``path``; the old file, if any, is untouched.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = _create_sibling(path)
    except OSError as error:
        raise WriteFailed.from_os_error("write", path, error) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        fsync_dir(path.parent)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise WriteFailed.from_os_error("write", path, error) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_output_path(path: Path) -> Iterator[Path]:
    """A temporary sibling for a writer that wants a file name (Keras' ``save_weights``).

    The temporary name ends with ``path``'s name, so writers that check the
    suffix (``.weights.h5``) accept it. When the block ends without error the
    file is fsynced and renamed over ``path``; otherwise it is removed. An
    ``OSError`` (the writer's included) becomes :class:`WriteFailed` naming ``path``.
    """
    path = Path(path)
    temporary = path.with_name(f".tmp-{os.getpid()}-{secrets.token_hex(4)}-{path.name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield temporary
        fsync_file(temporary)
        os.replace(temporary, path)
        fsync_dir(path.parent)
    except OSError as error:
        raise WriteFailed.from_os_error("write", path, error) from None
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> None:
    """:func:`atomic_write_bytes` for an indented JSON document."""
    atomic_write_bytes(path, json_bytes(obj))


def json_bytes(obj: Any) -> bytes:
    """The bytes :func:`atomic_write_json` writes for ``obj``."""
    return (json.dumps(obj, indent=2, sort_keys=False) + "\n").encode("utf-8")


def fsync_file(path: Path) -> None:
    """Flush a file's contents to disk."""
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def fsync_dir(directory: Path) -> None:
    """Flush a directory entry (a rename or a new file) to disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create_sibling(path: Path) -> tuple[int, Path]:
    """Create a new, empty ``.<name>.<random>.tmp`` beside ``path``; the kernel applies the umask.

    ``O_EXCL`` makes the creation fail rather than reuse a name that exists,
    and ``O_NOFOLLOW`` refuses a symlink planted there, as ``mkstemp`` does.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(_ATTEMPTS):
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(candidate, flags, 0o666), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path} after {_ATTEMPTS} tries")
