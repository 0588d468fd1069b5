"""Checkpoints: the full training state at a step boundary, written whole or not at all.

A checkpoint is a folder ``checkpoints/ckpt-<step:09d>/`` holding:

- ``model.npy``: every model variable (weights, non-trainable weights, the
  dropout layers' seed-generator states), in ``model.variables`` order;
- ``optimizer.npy``: the optimizer's state as ``save_own_variables`` writes
  it (iterations, learning rate, m, v, v_hat, EMA averages, accumulators);
- ``metrics.npy``: the compiled metrics' running sums;
- ``state.json``: step, epoch, position in the epoch, elapsed time, the
  resolved config and its hash, the random state, and for each array its
  variable path, shape and dtype;
- ``manifest.json``, written last: the size and CRC-32 of every other file.

``checkpoints/index.json`` lists the checkpoints this run wrote; pruning
deletes only those, never a folder it cannot account for (a run whose
index predates it adopts the checkpoints that verify against their
manifest). A symlinked ``checkpoints/`` is refused, never followed.

Each ``.npy`` file is a run of standard ``.npy`` records (see
:mod:`adamctl.store._checkpoint_files`). The folder is written under a
temporary name and renamed into place, so a crash never leaves a checkpoint
that looks valid; damage after the fact is caught by the manifest. This
module needs NumPy only.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NamedTuple

import numpy as np

from adamctl._atomic import atomic_write_json, fsync_dir
from adamctl.errors import CheckpointError, UsageError, WriteFailed
from adamctl.store._checkpoint_files import file_digest, read_arrays, write_arrays, write_bytes
from adamctl.store.rundir import RunDir

__all__ = [
    "CheckpointData",
    "Entry",
    "FORMAT_VERSION",
    "is_checkpoint_dir",
    "latest_readable_checkpoint",
    "latest_valid_checkpoint",
    "read_checkpoint",
    "verify_checkpoint",
    "write_checkpoint",
]

FORMAT_VERSION = 1
GROUPS = ("model", "optimizer", "metrics")
_MANIFEST, _STATE = "manifest.json", "state.json"


class Entry(NamedTuple):
    """One saved array and the path of the variable it came from."""

    path: str
    array: np.ndarray


@dataclass
class CheckpointData:
    """Everything in one checkpoint, as arrays and plain values."""

    step: int
    epoch: int
    step_in_epoch: int
    elapsed_s: float
    config_hash: str
    config: dict[str, Any] = field(default_factory=dict)
    random: dict[str, Any] = field(default_factory=dict)
    model: list[Entry] = field(default_factory=list)
    optimizer: list[Entry] = field(default_factory=list)
    metrics: list[Entry] = field(default_factory=list)


def write_checkpoint(run: RunDir, data: CheckpointData, *, keep: int, durable: bool = True) -> Path:
    """Write ``data`` as ``run.checkpoint_dir(data.step)``, atomically; keep the newest ``keep``.

    A checkpoint already there for the same step is replaced only once the
    new one is complete. ``durable=False`` skips the fsyncs: the checkpoint
    is still written whole or not at all for other processes, but a power
    loss may lose it (for measuring the rest of the work, mostly).
    """
    final = run.checkpoint_dir(data.step)
    temporary = final.with_name(f".tmp-{final.name}-{os.getpid()}")
    _refuse_symlinked_root(run)
    try:
        run.checkpoints_root.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(run)
        doomed = _write_whole(run, data, temporary, final, durable, keep)
        if durable:
            fsync_dir(run.checkpoints_root)
        for old in doomed:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        raise WriteFailed.from_os_error("write the checkpoint", final, error) from None
    return final


def _write_whole(run: RunDir, data: CheckpointData, temporary: Path, final: Path,
                 durable: bool, keep: int) -> list[Path]:
    """Assemble the checkpoint under ``temporary``, list it in the index, rename it in; the
    oldest checkpoints beyond ``keep``, already out of the index, for the caller to delete."""
    try:
        temporary.mkdir()
        _write_contents(temporary, data, durable)
        if durable:
            fsync_dir(temporary)
        # One index write: listed before it takes its name (a crash in between leaves an
        # index entry with no folder, ignored), and without the checkpoints it replaces.
        names = _written(run)
        doomed = _doomed(run, names, keep, final)
        gone = {old.name for old in doomed}
        if final.name not in names or gone:
            _write_index(run, [name for name in names if name not in gone]
                         + ([] if final.name in names else [final.name]))
        _swap_in(temporary, final)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return doomed


def _refuse_symlinked_root(run: RunDir) -> None:
    if run.checkpoints_root.is_symlink():
        raise UsageError(f"{run.checkpoints_root} is a symbolic link; adamctl neither writes "
                         "nor prunes checkpoints through one. Replace it with a directory")


def _write_contents(folder: Path, data: CheckpointData, durable: bool) -> None:
    digests = {f"{group}.npy": write_arrays(folder / f"{group}.npy",
                                           [entry.array for entry in getattr(data, group)],
                                           durable=durable)
               for group in GROUPS}
    state = {
        "format_version": FORMAT_VERSION,
        "step": data.step, "epoch": data.epoch, "step_in_epoch": data.step_in_epoch,
        "elapsed_s": data.elapsed_s, "config_hash": data.config_hash,
        "config": data.config, "random": data.random,
        "arrays": {group: [{"path": e.path, "shape": list(e.array.shape),
                            "dtype": str(e.array.dtype)} for e in getattr(data, group)]
                   for group in GROUPS},
    }
    digests[_STATE] = _write_json(folder / _STATE, state, durable)
    _write_json(folder / _MANIFEST, {"format_version": FORMAT_VERSION, "files": digests}, durable)


def _write_json(path: Path, obj: Any, durable: bool = True) -> dict[str, Any]:
    """One line of JSON: the C encoder writes it ten times faster than an indented one."""
    return write_bytes(path, json.dumps(obj).encode("utf-8"), durable=durable)


def _swap_in(temporary: Path, final: Path) -> None:
    """Rename ``temporary`` to ``final``; an existing ``final`` goes only after."""
    if not final.exists():
        os.rename(temporary, final)
        return
    retired = final.with_name(f".old-{final.name}-{os.getpid()}")
    os.rename(final, retired)
    os.rename(temporary, final)
    shutil.rmtree(retired, ignore_errors=True)


def _remove_stale_temporaries(run: RunDir) -> None:
    """Clean up after a writer that died (one writer per run: the lock).

    A half-written ``.tmp-*`` folder is removed. A ``.old-*`` folder is a
    checkpoint moved aside for a same-step replacement: if the writer died
    before the new one took its name, it is put back.
    """
    for leftover in run.checkpoints_root.glob(".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for retired in run.checkpoints_root.glob(".old-*"):
        name = retired.name.removeprefix(".old-").rsplit("-", 1)[0]
        original = run.checkpoints_root / name
        if original.exists():
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.rename(retired, original)


def _doomed(run: RunDir, names: list[str], keep: int, new: Path) -> list[Path]:
    """This run's oldest checkpoints beyond ``keep`` once ``new`` is in; never ``new``, never
    the newest. Only folders the index lists (``names``) are candidates; they leave the
    index before they are deleted."""
    ours = set(names) | {new.name}
    existing = sorted({*(p for p in run.checkpoint_dirs() if p.name in ours), new},
                      key=lambda path: path.name)
    return [old for old in existing[: max(0, len(existing) - max(1, keep))]
            if old != new and old != existing[-1]]


def _written(run: RunDir) -> list[str]:
    """The names in the index; for a run without one, the checkpoints that verify."""
    try:
        index = json.loads(run.checkpoint_index_path.read_text())
        names = index["written"]
        if isinstance(names, list) and all(isinstance(name, str) for name in names):
            return names
    except FileNotFoundError:
        return [p.name for p in run.checkpoint_dirs() if verify_checkpoint(p) is None]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return []  # an unreadable index claims nothing: keep everything


def _write_index(run: RunDir, names: list[str]) -> None:
    atomic_write_json(run.checkpoint_index_path, {"format_version": FORMAT_VERSION,
                                                  "written": names})


def is_checkpoint_dir(path: Path) -> bool:
    """Whether ``path`` looks like one checkpoint folder (complete or not)."""
    return (Path(path) / _STATE).is_file() or (Path(path) / _MANIFEST).is_file()


def verify_checkpoint(path: Path) -> str | None:
    """None if the checkpoint at ``path`` is complete and intact, else what is wrong."""
    path = Path(path)
    try:
        manifest = json.loads((path / _MANIFEST).read_text())
        files = manifest["files"]
        if not isinstance(files, dict):
            raise TypeError("its files entry is not a mapping")
    except FileNotFoundError:
        return "no manifest.json: it was never completed"
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f"unreadable manifest.json ({error})"
    for name in (*(f"{g}.npy" for g in GROUPS), _STATE):
        if name not in files:
            return f"manifest.json does not list {name}"
    for name, expected in files.items():
        if not isinstance(expected, dict) or Path(name).name != name:
            return f"manifest.json has a malformed entry for {name!r}"
        if not (path / name).is_file():
            return f"{name} is missing"
        found = file_digest(path / name)
        if found["size"] != expected.get("size"):
            return f"{name} has {found['size']} bytes, expected {expected.get('size')} (truncated?)"
        if found["crc32"] != expected.get("crc32"):
            return f"{name} fails its checksum (crc32 {found['crc32']}, expected {expected.get('crc32')})"
    return None


def read_checkpoint(path: Path, *, verify: bool = True) -> CheckpointData:
    """Load the checkpoint at ``path``, checking it against its manifest first.

    Raises:
        CheckpointError: it is incomplete or damaged, naming it and the fault.
    """
    path = Path(path)
    problem = verify_checkpoint(path) if verify else None
    if problem:
        raise CheckpointError(f"checkpoint {path} is damaged: {problem}")
    try:
        state = json.loads((path / _STATE).read_text())
        position = _position(state)
        groups = {group: _read_group(path, group, state["arrays"][group]) for group in GROUPS}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, MemoryError) as error:
        raise CheckpointError(f"checkpoint {path} cannot be read: {error}") from None
    return CheckpointData(**position, config=state.get("config", {}),
                          random=state.get("random", {}), **groups)


def _position(state: Any) -> dict[str, Any]:
    """The step, epoch, position and hash in ``state.json``, their types checked."""
    if not isinstance(state, dict):
        raise TypeError("state.json is not a mapping")
    counts = {key: state[key] for key in ("step", "epoch", "step_in_epoch")}
    for key, value in counts.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"state.json {key} = {value!r} is not a count")
    if not isinstance(state["elapsed_s"], (int, float)) or not isinstance(state["config_hash"], str):
        raise ValueError("state.json elapsed_s or config_hash has the wrong type")
    if not isinstance(state.get("config", {}), dict) or not isinstance(state.get("random", {}), dict):
        raise ValueError("state.json config or random is not a mapping")
    return {**counts, "elapsed_s": float(state["elapsed_s"]), "config_hash": state["config_hash"]}


def _read_group(folder: Path, group: str, described: list[dict[str, Any]]) -> list[Entry]:
    if not isinstance(described, list):
        raise TypeError(f"state.json arrays.{group} is not a list")
    arrays = read_arrays(folder / f"{group}.npy", len(described))
    entries = []
    for meta, array in zip(described, arrays):
        if list(array.shape) != meta["shape"] or str(array.dtype) != meta["dtype"]:
            raise ValueError(f"{group} array {meta['path']} is {array.dtype} {array.shape}, "
                             f"state.json says {meta['dtype']} {meta['shape']}")
        entries.append(Entry(str(meta["path"]), array))
    return entries


def latest_valid_checkpoint(run: RunDir, *, warn: Callable[[str], None]) -> Path | None:
    """The newest checkpoint that verifies and reads; ``warn`` names each one skipped."""
    found = latest_readable_checkpoint(run, warn=warn)
    return None if found is None else found[0]


def latest_readable_checkpoint(
    run: RunDir, *, warn: Callable[[str], None]
) -> tuple[Path, CheckpointData] | None:
    """The newest checkpoint that verifies *and* reads, with its data.

    A CRC only proves the bytes are the ones written; a checkpoint whose
    contents cannot be read (a malformed state or manifest entry, an
    object array, an impossible header) is skipped with a warning just like
    a damaged one, and the one before it is tried.
    """
    candidates = run.checkpoint_dirs()[::-1]
    for index, candidate in enumerate(candidates):
        try:
            return candidate, read_checkpoint(candidate)
        except CheckpointError as error:
            problem = str(error).split(": ", 1)[-1]
        following = candidates[index + 1].name if index + 1 < len(candidates) else "none"
        warn(f"checkpoint {candidate} is damaged ({problem}); falling back to {following}")
    return None
