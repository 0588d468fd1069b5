"""What a checkpoint holds, for people: position, Adam's settings, and norms per variable."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from adamctl.errors import CheckpointError
from adamctl.store.checkpoint import (
    CheckpointData,
    is_checkpoint_dir,
    latest_valid_checkpoint,
    read_checkpoint,
)
from adamctl.store.rundir import RunDir

__all__ = ["describe_checkpoint", "find_checkpoint", "SLOTS"]

SLOTS = ("momentum", "velocity", "velocity_hat", "average", "gradient_accumulator")


def find_checkpoint(path: Path, *, warn: Callable[[str], None]) -> Path:
    """``path`` itself if it is a checkpoint, else a run directory's newest valid one."""
    path = Path(path)
    if is_checkpoint_dir(path):
        return path
    run = RunDir(path)
    if not run.config_path.is_file():
        raise CheckpointError(f"{path} is neither a checkpoint nor a run directory")
    found = latest_valid_checkpoint(run, warn=warn)
    if found is None:
        raise CheckpointError(f"{path} has no valid checkpoint")
    return found


def describe_checkpoint(data: CheckpointData) -> dict[str, Any]:
    """Position, optimizer settings, and per model variable its shape and L2 norms.

    A model variable's Adam slots are found by path: Keras names a slot
    ``<optimizer>/<variable path with / as _>_<slot>``.
    """
    slots = _slots_by_variable(data)
    variables = []
    for entry in data.model:
        row = {"path": entry.path, "shape": list(entry.array.shape), "dtype": str(entry.array.dtype),
               "norm": _norm(entry.array)}
        for slot, array in slots.get(_slot_key(entry.path), {}).items():
            row[f"{slot}_norm"] = _norm(array)
        variables.append(row)
    scalars = {e.path.rsplit("/", 1)[-1]: e.array.item() for e in data.optimizer if e.array.size == 1}
    return {
        "step": data.step, "epoch": data.epoch, "step_in_epoch": data.step_in_epoch,
        "elapsed_s": data.elapsed_s, "config_hash": data.config_hash,
        "optimizer": data.config.get("optimizer", {}), "optimizer_scalars": scalars,
        "variables": variables,
    }


def _slot_key(path: str) -> str:
    return path.replace("/", "_")


def _slots_by_variable(data: CheckpointData) -> dict[str, dict[str, np.ndarray]]:
    found: dict[str, dict[str, np.ndarray]] = {}
    for entry in data.optimizer:
        name = entry.path.split("/", 1)[-1]
        for slot in sorted(SLOTS, key=len, reverse=True):  # velocity_hat before velocity
            if name.endswith(f"_{slot}"):
                found.setdefault(name[: -len(slot) - 1], {})[slot] = entry.array
                break
    return found


def _norm(array: np.ndarray) -> float:
    if not np.issubdtype(array.dtype, np.number):
        return float("nan")
    return float(np.linalg.norm(array.astype(np.float64).ravel()))


def load_description(path: Path, *, warn: Callable[[str], None]) -> tuple[Path, dict[str, Any]]:
    """(checkpoint path, its description) for a checkpoint or a run directory.

    The description's ``diagnostics`` is the run's newest diagnostics step
    (see :func:`adamctl.store.diagnostics.latest_diagnostics`), or None.
    """
    from adamctl.store.diagnostics import latest_diagnostics

    checkpoint = find_checkpoint(path, warn=warn)
    description = describe_checkpoint(read_checkpoint(checkpoint))
    # <run>/checkpoints/ckpt-N: the run's newest diagnostics, when it records them.
    description["diagnostics"] = latest_diagnostics(RunDir(checkpoint.parent.parent))
    return checkpoint, description
