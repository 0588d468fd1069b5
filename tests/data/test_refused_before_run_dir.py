"""Data that cannot be trained on exits 2, one line naming the file and key, before any run directory.

Most cases run the command in-process (CliRunner); the two that used to hang
for ever or abort TensorFlow natively run the installed console script as a
real process with a timeout, so the test fails instead of taking pytest down.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from adamctl.cli import cli
from tests.helpers import run_cli

RNG = np.random.default_rng(0)


def _savez(path, **arrays):
    np.savez(path, **arrays)


def _npy_as_npz(path):
    np.save(path.with_suffix(".npy"), RNG.normal(size=(8, 3)))
    path.with_suffix(".npy").rename(path)


def _truncated(path):
    np.savez(path, x=RNG.normal(size=(200, 3)), y=np.arange(200) % 2)
    path.write_bytes(path.read_bytes()[:1500])


def _header_claims_18_tib(path):
    """An x.npy whose header claims 18 TiB of float32 but which holds 80 bytes."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        stream, {"descr": "<f4", "fortran_order": False, "shape": (2**40 * 18 // 4 // 4, 4)})
    stream.write(b"\0" * 80)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", stream.getvalue())
        buffer = io.BytesIO()
        np.save(buffer, np.arange(5) % 2)
        archive.writestr("y.npy", buffer.getvalue())


NPZ_CASES = [
    pytest.param(_npy_as_npz, "data.path", "is a single .npy array, not an .npz archive",
                 id="npy-given-as-npz"),
    pytest.param(_truncated, "data.path", "is not an .npz archive", id="truncated"),
    pytest.param(lambda p: _savez(p, x=np.arange(8.0), y=np.arange(8) % 2), "data.inputs",
                 "array 'x' has shape (8,); inputs need one row per example", id="1-d-x"),
    pytest.param(lambda p: _savez(p, x=np.zeros((0, 3)), y=np.zeros(0, int)), "data.inputs",
                 "array 'x' has shape (0, 3): no examples", id="no-rows"),
    pytest.param(lambda p: _savez(p, x=np.array(1.0), y=np.array(1)), "data.inputs",
                 "array 'x' has shape (); inputs need one row", id="0-d"),
    pytest.param(lambda p: _savez(p, x=np.ones((8, 3)), y=np.array(1)), "data.target",
                 "array 'y' is a single value", id="0-d-y"),
    pytest.param(lambda p: _savez(p, x=np.ones((8, 3)), y=np.ones((8, 2), int)), "data.target",
                 "array 'y' has shape (8, 2); classification needs one class label", id="2-d-int-y"),
    pytest.param(lambda p: _savez(p, x=np.ones((8, 3)), y=np.arange(7) % 2), "data.target",
                 "array 'y' has 7 rows but the inputs have 8", id="row-mismatch"),
    pytest.param(lambda p: _savez(p, x=np.array([{}] * 8, dtype=object), y=np.arange(8) % 2),
                 "data.path", "array 'x' holds Python objects", id="object-array"),
    pytest.param(_header_claims_18_tib, "data.path",
                 "array 'x' claims 18.0 TiB (float32", id="18-TiB-header"),
]


def _train_in(tmp_path, monkeypatch, config):
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(cli, ["train", str(config)])


def _assert_refused(result, tmp_path, *words):
    stderr = result.stderr
    assert result.exit_code == 2, result.output
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stderr
    for word in words:
        assert word in stderr, stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("make, key, problem", NPZ_CASES)
def test_bad_npz_exits_2_naming_file_and_key(write_config, tmp_path, monkeypatch,  # noqa: F811
                                             make, key, problem):
    path = tmp_path / "data.npz"
    make(path)
    config = write_config({"data": {"source": "npz", "path": str(path)}})
    _assert_refused(_train_in(tmp_path, monkeypatch, config), tmp_path, str(config), str(path),
                    key, problem)


@pytest.mark.parametrize("data, problem", [
    # An empty training set is refused in test_console_script_refuses_...
    pytest.param({"samples": 20, "validation_split": 0.01},
                 "data.validation_split = 0.01: holds out round(20 x 0.01) = 0 examples",
                 id="no-validation-examples"),
])
def test_split_leaving_a_set_empty_exits_2(write_config, tmp_path, monkeypatch,  # noqa: F811
                                           data, problem):
    config = write_config({"data": data})
    _assert_refused(_train_in(tmp_path, monkeypatch, config), tmp_path, str(config), problem)


def test_batch_larger_than_the_training_set_trains_one_smaller_step(write_config, tmp_path,  # noqa: F811
                                                                    monkeypatch):
    config = write_config({"data": {"samples": 10, "batch_size": 64, "validation_split": 0.2},
                           "training": {"epochs": 1}})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["train", str(config), "--run-dir", "r", "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = (tmp_path / "r" / "metrics.csv").read_text().splitlines()
    assert rows[1].split(",")[1] == "1"  # step 1 after epoch 1: one batch of the 8 examples


def _only_target_csv(tmp_path):
    pd.DataFrame({"y": [0, 1] * 10}).to_csv(tmp_path / "t.csv", index=False)
    return {"source": "csv", "path": "t.csv", "target": "y"}


def _featureless_npz(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.ones((8, 0)), y=np.arange(8) % 2)
    return {"source": "npz", "path": "d.npz"}


# These reached TensorFlow: an empty training set spun for ever in the batch
# loop; no input features aborted it natively (exit 134) with the run left
# "running". They run as real processes with a timeout, so that a regression
# fails the test instead of hanging or killing pytest.
CONSOLE_CASES = [
    pytest.param(lambda tmp: {"samples": 4, "validation_split": 0.9},
                 "data.validation_split = 0.9: holds out all 4 examples (data.samples = 4), "
                 "leaving none to train on", id="empty-training-set"),
    pytest.param(_only_target_csv, "data.inputs: {tmp}/t.csv has no column besides the target 'y'",
                 id="csv-only-the-target"),
    pytest.param(lambda tmp: {**_only_target_csv(tmp), "inputs": []},
                 "data.inputs = []: selects no input column of {tmp}/t.csv", id="inputs-empty"),
    pytest.param(_featureless_npz, "data.inputs: {tmp}/d.npz: array 'x' has shape (8, 0): no "
                 "input features", id="npz-no-features"),
]


@pytest.mark.parametrize("make_data, problem", CONSOLE_CASES)
def test_console_script_refuses_without_hanging_or_aborting(write_config, tmp_path,  # noqa: F811
                                                            make_data, problem):
    config = write_config({"data": make_data(tmp_path)})
    process = run_cli("train", str(config), cwd=tmp_path, timeout=180)
    assert process.returncode == 2, process.stderr
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {config}: "), lines
    assert problem.format(tmp=tmp_path) in lines[0]
    assert process.stdout == "" and not (tmp_path / "runs").exists()


def test_offline_keras_dataset_keeps_stdout_clean_and_says_what_to_do(write_config, tmp_path):  # noqa: F811
    # An empty KERAS_HOME has no cached copy; a proxy on a closed local port
    # makes the download fail at once instead of waiting on a network.
    config = write_config({"data": {"source": "mnist"}})
    env = {"KERAS_HOME": str(tmp_path / "keras"), "https_proxy": "http://127.0.0.1:9",
           "HTTPS_PROXY": "http://127.0.0.1:9", "no_proxy": "", "NO_PROXY": ""}
    process = run_cli("train", str(config), "-q", cwd=tmp_path, env=env, timeout=180)
    assert process.returncode == 2, process.stderr
    assert process.stdout == ""
    last = process.stderr.strip().splitlines()[-1]
    assert "the keras dataset 'mnist' is not cached and could not be downloaded" in last
    assert "no network is reachable" in last and "data.source: npz" in last
    assert str(tmp_path / "keras" / "datasets") in last and "Exception" not in last
    assert not (tmp_path / "runs").exists()


def test_npz_needing_more_memory_than_the_machine_has_is_refused_before_loading(tmp_path,
                                                                                monkeypatch):
    # A compressed archive can be tiny on disk and huge in memory; the
    # machine's memory is made small here instead of the archive large.
    from adamctl.config.schema import DataConfig
    from adamctl.data import load_dataset, npz
    from adamctl.errors import ConfigError

    path = tmp_path / "d.npz"
    np.savez_compressed(path, x=np.zeros((4096, 16)), y=np.arange(4096) % 2)
    monkeypatch.setattr(npz.os, "sysconf", lambda name: 1 if name == "SC_PHYS_PAGES" else 4096)
    monkeypatch.setattr(npz, "_load", lambda *a: pytest.fail("loaded before checking"))
    cfg = DataConfig(source="npz", path=str(path))
    with pytest.raises(ConfigError, match=r"d\.npz: its arrays need 544\.0 KiB, more than this "
                                          r"machine's 4\.0 KiB of memory"):
        load_dataset(cfg, seed=0)
