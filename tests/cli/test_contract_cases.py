"""The exit-code contract on named hard inputs, one real `adamctl train` process each.

The same contract as :mod:`tests.cli.test_contract_property` (exit 0, exit 2
with one line and no run directory, or exit 1 for a diverged run; no signal,
no hang, nothing outside the run touched), on inputs that broke it once.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tests.cli.contract_strategies import DataFile, GeneratedInput
from tests.cli.test_contract_property import (KERAS_HOME, RUNS, assert_train_contract,
                                              run_train, snapshot, write_input)

BASE = {"name": "t", "seed": 1, "data": {"batch_size": 16}, "model": {"hidden": [8]},
        "training": {"epochs": 1}}


def _npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _npy() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((8, 2), np.float32))
    return buffer.getvalue()


def _case(data: dict, file: DataFile | None = None, *, id: str, **sections: dict) -> pytest.param:
    config = {**BASE, **sections, "data": {**BASE["data"], **data}}
    if file is not None:
        config["data"] |= {"source": "npz" if file.name.endswith(".npz") else "csv",
                           "path": file.name}
    return pytest.param(GeneratedInput(config, None, [], file), id=id)


ROWS = 24
X = np.arange(ROWS * 3, dtype=np.float32).reshape(ROWS, 3) / 10
Y = np.arange(ROWS) % 2

CASES = [
    _case({"samples": 48, "features": 4}, optimizer={"learning_rate": 1e308},
          id="diverges-with-exit-1"),
    _case({"samples": 48, "features": 4}, model={"hidden": [8], "loss": "mse"},
          id="loss-that-does-not-fit-class-ids"),
    _case({"target": "y"}, DataFile("d.csv", b"a,y\n1,0\n2,1\n3,0\n4,1\n", "tiny"),
          id="csv-four-rows"),
    _case({"target": "y"}, DataFile("d.npz", b"", "empty"), id="npz-empty-file"),
    _case({"target": "y"}, DataFile("d.npz", _npz(x=X, y=Y)[:300], "truncated"),
          id="npz-truncated"),
    _case({"target": "y"}, DataFile("d.npz", _npy(), ".npy"), id="npy-given-as-npz"),
    _case({"target": "y"}, DataFile("d.npz", _npz(x=X[:, 0], y=Y), "1-D x"), id="npz-1d-x"),
    _case({"target": "y"}, DataFile("d.npz", _npz(x=X[:0], y=Y[:0]), "0 rows"),
          id="npz-no-rows"),
    _case({"target": "y"}, DataFile("d.npz", _npz(x=X[:, :0], y=Y), "0 features"),
          id="npz-no-features"),
    _case({"target": "y"}, DataFile("d.csv", b"y\n0\n1\n0\n1\n0\n1\n", "target only"),
          id="csv-target-only"),
    _case({"samples": 4, "features": 4, "validation_split": 0.9}, id="empty-training-set"),
]


@pytest.mark.slow
@pytest.mark.parametrize("example", CASES)
def test_train_keeps_the_contract_on_hard_inputs(example: GeneratedInput) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        config = write_input(example, folder)
        before = snapshot(folder)
        # Each case is one tiny run (about 10 s); a minute is a hang.
        process = run_train(folder, config, example.overrides, timeout=60)
        assert_train_contract(process, folder)
        assert snapshot(folder, skip=(RUNS, KERAS_HOME)) == before
