"""Two run directories compared as the population contract states it: every trained array
bit for bit (model.weights.h5, model.best.weights.h5, each checkpoint, the arrays inside
model.keras), metrics.csv byte for byte except its ``time_s`` column (wall time), Adam's
diagnostics files byte for byte, and the same set of files."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import numpy as np

# Files whose bytes differ between any two runs (wall times, lock owners) or that a
# population adds; everything else must exist in both.
_OWN_FILES = {".lock"}


def h5_arrays(source) -> dict[str, bytes]:
    import h5py

    arrays: dict[str, bytes] = {}
    with h5py.File(source) as handle:
        handle.visititems(lambda name, item: arrays.__setitem__(name, np.array(item).tobytes())
                          if isinstance(item, h5py.Dataset) else None)
    return arrays


def metrics_without_time(run: Path) -> list[list[str]]:
    rows = list(csv.reader((run / "metrics.csv").open()))
    drop = rows[0].index("time_s")
    return [row[:drop] + row[drop + 1:] for row in rows]


def checkpoints(run: Path) -> list[tuple]:
    from adamctl.store.checkpoint import read_checkpoint

    found = []
    for folder in sorted((run / "checkpoints").glob("ckpt-*")):
        data = read_checkpoint(folder)
        found.append((folder.name, data.step, data.epoch, data.step_in_epoch,
                      [(e.path, e.array.dtype.str, e.array.tobytes())
                       for e in (*data.model, *data.optimizer, *data.metrics)]))
    return found


def keras_file(run: Path) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(run / "model.keras") as archive:
        config = json.loads(archive.read("config.json"))
        arrays = h5_arrays(io.BytesIO(archive.read("model.weights.h5")))
    return _without_object_ids(config), arrays


def _without_object_ids(value):
    """Keras records Python object ids (shared_object_id), which differ in every process."""
    if isinstance(value, dict):
        return {k: _without_object_ids(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [_without_object_ids(v) for v in value]
    return value


def assert_same_run(mine: Path, theirs: Path) -> None:
    """``mine`` (a population member) holds exactly what ``theirs`` (a separate run) holds."""
    names = lambda run: sorted(p.name for p in run.iterdir() if p.name not in _OWN_FILES)
    assert names(mine) == names(theirs)
    assert metrics_without_time(mine) == metrics_without_time(theirs)
    for name in ("model.weights.h5", "model.best.weights.h5"):
        if (theirs / name).exists():
            assert h5_arrays(mine / name) == h5_arrays(theirs / name), name
    assert checkpoints(mine) == checkpoints(theirs)
    for name in ("diagnostics.csv", "diagnostics_scalars.csv"):
        if (theirs / name).exists():
            assert (mine / name).read_bytes() == (theirs / name).read_bytes(), name
    if (theirs / "model.keras").exists():
        assert keras_file(mine) == keras_file(theirs)
