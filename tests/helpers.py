"""Helpers shared by the tests: a tiny, fast config, and the real ``adamctl`` as a process.

Fixtures stay in ``conftest.py`` files; what tests import lives here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TINY = {
    "name": "tiny",
    "seed": 3,
    "data": {"source": "synthetic", "samples": 256, "features": 8, "classes": 3,
             "batch_size": 32, "validation_split": 0.25},
    "model": {"preset": "mlp", "hidden": [16]},
    "optimizer": {"learning_rate": 0.01},
    "training": {"epochs": 2},
}


def merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` merged over it, section by section."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def adamctl_executable() -> str:
    """The installed console script beside this interpreter (what users run)."""
    candidate = Path(sys.executable).with_name("adamctl")
    found = str(candidate) if candidate.exists() else shutil.which("adamctl")
    if not found:
        pytest.fail("the adamctl console script is not installed; run pip install -e '.[test]'")
    return found


def run_cli(*args: str, cwd: Path, env: dict | None = None, timeout: float = 300,
            **kwargs) -> subprocess.CompletedProcess:
    """Run ``adamctl ARGS`` as a real process."""
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    return subprocess.run(
        [adamctl_executable(), *args], cwd=cwd, env=full_env, capture_output=True,
        text=True, timeout=timeout, **kwargs,
    )


def sigterm_twice_under_a_native_call() -> None:
    """Send this process SIGTERM twice; the second's KeyboardInterrupt comes out as pybind11
    makes it come out of a native call that ran the handler (TensorFlow's tracing does so):
    a RuntimeError. The first asks to stop at the next step boundary, the second now."""
    import signal
    import time

    os.kill(os.getpid(), signal.SIGTERM)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    except KeyboardInterrupt as error:
        raise RuntimeError("pybind11::error_already_set: MISMATCH of original and "
                           "normalized active exception types") from error
    pytest.fail("the second SIGTERM raised nothing")


def h5_arrays(path: Path) -> list:
    """Every dataset of an HDF5 file (a ``.weights.h5``), as NumPy arrays, in file order."""
    import h5py
    import numpy as np

    arrays: list = []
    with h5py.File(path) as handle:
        handle.visititems(lambda name, item: arrays.append(np.array(item))
                          if isinstance(item, h5py.Dataset) else None)
    return arrays
