"""Checkpoints and `adamctl resume`, with real processes, real signals and real files.

The central claim: a run killed at any step and resumed ends with exactly the
weights and optimizer state of an uninterrupted run (on CPU, deterministic).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from adamctl.store.checkpoint import read_checkpoint
from adamctl.store.rundir import RunDir
from tests.helpers import TINY, adamctl_executable, merge, run_cli

pytestmark = pytest.mark.slow

# 192 training examples / 32 = 6 steps an epoch, 3 epochs = 18 steps. Every
# stateful feature at once: dropout (seed-generator state), amsgrad (v_hat),
# EMA (averages), gradient accumulation over 4 micro-steps (accumulators and
# a cycle that epoch ends cut through), a checkpoint every 4 steps.
RESUMABLE = {
    "model": {"dropout": 0.3},
    "optimizer": {"amsgrad": True, "use_ema": True, "ema_momentum": 0.9,
                  "gradient_accumulation_steps": 4, "learning_rate": 0.01},
    "training": {"epochs": 3, "checkpoint_every": 4, "keep_checkpoints": 2},
}


def _config(tmp_path: Path, extra: dict | None = None, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(merge(merge(TINY, RESUMABLE), extra or {})))
    return path


def _final_state(run_dir: Path) -> dict[str, list[np.ndarray]]:
    """The arrays that must match: saved weights, and the newest checkpoint's state."""
    run = RunDir(run_dir)
    data = read_checkpoint(run.checkpoint_dirs()[-1])
    with h5py.File(run.weights_path) as handle:
        weights = []
        handle.visititems(lambda n, o: weights.append(np.array(o)) if isinstance(o, h5py.Dataset) else None)
    return {
        "weights_file": weights,
        "model": [e.array for e in data.model],
        "optimizer": [e.array for e in data.optimizer],
    }


def _assert_identical(left: dict, right: dict) -> None:
    for group in left:
        assert len(left[group]) == len(right[group]) > 0, group
        for index, (a, b) in enumerate(zip(left[group], right[group])):
            assert a.dtype == b.dtype and a.shape == b.shape, (group, index)
            assert np.array_equal(a, b), f"{group}[{index}] differs"


def _metric_rows(run_dir: Path) -> list[tuple]:
    with (run_dir / "metrics.csv").open() as handle:
        return [(r["epoch"], r["step"], r["loss"], r["val_loss"], r["accuracy"])
                for r in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    """One uninterrupted run of the resumable config."""
    tmp_path = tmp_path_factory.mktemp("baseline")
    process = run_cli("train", str(_config(tmp_path)), "--run-dir", str(tmp_path / "run"), "-q",
                      cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    return tmp_path / "run"


@pytest.mark.parametrize("kill_at", [
    pytest.param("step:5", id="mid-epoch-mid-accumulation"),
    pytest.param("step:8", id="on-a-checkpoint-step"),
    pytest.param("epoch:1", id="right-after-an-epoch-end"),
    pytest.param("step:17", id="last-epoch-last-steps"),
])
def test_sigkill_then_resume_is_bit_identical(tmp_path, baseline, kill_at):
    config, run_dir = _config(tmp_path), tmp_path / "run"
    killed = run_cli("train", str(config), "--run-dir", str(run_dir), "-q", cwd=tmp_path,
                     env={"ADAMCTL_KILL_AT": kill_at})
    assert killed.returncode == -signal.SIGKILL
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "running"

    resumed = run_cli("resume", str(run_dir), "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.strip() == str(run_dir)
    _assert_identical(_final_state(baseline), _final_state(run_dir))
    assert _metric_rows(run_dir) == _metric_rows(baseline)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["steps"] == 18
    assert summary["resumed"][-1]["step"] <= int(kill_at.split(":")[1]) * (6 if "epoch" in kill_at else 1)
    assert summary["resumed"][-1]["command"] == f"adamctl resume {run_dir} -q"


def _start_train(config: Path, run_dir: Path, cwd: Path, extra_env: dict | None = None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(extra_env or {})}
    return subprocess.Popen(
        [adamctl_executable(), "train", str(config), "--run-dir", str(run_dir), "-q"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for_checkpoint(run_dir: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not RunDir(run_dir).checkpoint_dirs():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.01)


# Long enough (240 steps) that a signal sent at the first checkpoint arrives
# while training is still going.
LONG = {"training": {"epochs": 40, "checkpoint_every": 4, "keep_checkpoints": 2}}


@pytest.fixture(scope="module")
def long_baseline(tmp_path_factory) -> Path:
    tmp_path = tmp_path_factory.mktemp("long")
    process = run_cli("train", str(_config(tmp_path, LONG)), "--run-dir", str(tmp_path / "run"),
                      "-q", cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    return tmp_path / "run"


@pytest.mark.parametrize("signum, code", [
    pytest.param(signal.SIGINT, 130, id="SIGINT"),
    pytest.param(signal.SIGTERM, 143, id="SIGTERM"),
])
def test_signal_checkpoints_exits_and_resumes_exactly(tmp_path, long_baseline, signum, code):
    run_dir = tmp_path / "run"
    process = _start_train(_config(tmp_path, LONG), run_dir, tmp_path)
    _wait_for_checkpoint(run_dir, process)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    assert f"adamctl resume {run_dir}" in stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    assert 0 < summary["steps"] < 240
    # The newest checkpoint is the state at the step where training stopped.
    assert read_checkpoint(RunDir(run_dir).checkpoint_dirs()[-1]).step == summary["steps"]

    resumed = run_cli("resume", str(run_dir), "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    _assert_identical(_final_state(long_baseline), _final_state(run_dir))
    assert _metric_rows(run_dir) == _metric_rows(long_baseline)


def test_damaged_newest_checkpoint_falls_back_with_a_warning(tmp_path, baseline):
    run_dir = tmp_path / "run"
    killed = run_cli("train", str(_config(tmp_path)), "--run-dir", str(run_dir), "-q",
                     cwd=tmp_path, env={"ADAMCTL_KILL_AT": "step:9"})
    assert killed.returncode == -signal.SIGKILL
    newest = RunDir(run_dir).checkpoint_dirs()[-1]
    victim = newest / "optimizer.npz" if (newest / "optimizer.npz").exists() else sorted(
        p for p in newest.iterdir() if p.name != "manifest.json")[0]
    raw = bytearray(victim.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    victim.write_bytes(bytes(raw))
    resumed = run_cli("resume", str(run_dir), "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "warning:" in resumed.stderr and newest.name in resumed.stderr
    _assert_identical(_final_state(baseline), _final_state(run_dir))


def test_no_valid_checkpoint_is_a_clear_error(tmp_path):
    run_dir = tmp_path / "run"
    killed = run_cli("train", str(_config(tmp_path)), "--run-dir", str(run_dir), "-q",
                     cwd=tmp_path, env={"ADAMCTL_KILL_AT": "step:9"})
    assert killed.returncode == -signal.SIGKILL
    for checkpoint in RunDir(run_dir).checkpoint_dirs():
        (checkpoint / "manifest.json").unlink()
    resumed = run_cli("resume", str(run_dir), cwd=tmp_path)
    assert resumed.returncode == 2
    assert "none of its 2 checkpoints is valid" in resumed.stderr
    assert "Traceback" not in resumed.stderr


def test_config_drift_is_refused_then_allowed_and_recorded(tmp_path):
    run_dir = tmp_path / "run"
    killed = run_cli("train", str(_config(tmp_path)), "--run-dir", str(run_dir), "-q",
                     cwd=tmp_path, env={"ADAMCTL_KILL_AT": "step:9"})
    assert killed.returncode == -signal.SIGKILL
    refused = run_cli("resume", str(run_dir), "--set", "optimizer.learning_rate=0.001", cwd=tmp_path)
    assert refused.returncode == 2
    assert "optimizer.learning_rate: 0.01 -> 0.001" in refused.stderr
    assert "--allow-drift" in refused.stderr

    allowed = run_cli("resume", str(run_dir), "--set", "optimizer.learning_rate=0.001",
                      "--allow-drift", cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    assert f"resuming {run_dir} from ckpt-000000008 at step 8 (epoch 2," in allowed.stderr
    with (run_dir / "metrics.csv").open() as handle:
        rates = [float(row["learning_rate"]) for row in csv.DictReader(handle)]
    assert rates == [0.01, 0.001, 0.001]
    inspected = run_cli("inspect", str(run_dir), "--json", cwd=tmp_path)
    scalars = json.loads(inspected.stdout)["optimizer_scalars"]
    assert scalars["learning_rate"] == pytest.approx(0.001)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["drift"][0]["changes"] == [
        {"key": "optimizer.learning_rate", "old": 0.01, "new": 0.001}
    ]
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["optimizer"]["learning_rate"] == 0.001


def test_a_live_writer_locks_the_run_and_a_dead_one_does_not(tmp_path):
    run_dir = tmp_path / "run"
    process = _start_train(_config(tmp_path, LONG), run_dir, tmp_path)
    _wait_for_checkpoint(run_dir, process)
    process.send_signal(signal.SIGSTOP)  # alive, holding the lock, not training
    try:
        refused = run_cli("resume", str(run_dir), cwd=tmp_path)
        assert refused.returncode == 2
        assert f"is being written by process {process.pid}" in refused.stderr
    finally:
        process.kill()
        process.communicate()
    resumed = run_cli("resume", str(run_dir), "--set", "training.epochs=3", "--allow-drift", "-q",
                      cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr


def test_divergence_keeps_the_last_finite_checkpoint(tmp_path):
    config = _config(tmp_path, {
        "data": {"task": "regression"},
        "model": {"preset": "logreg", "dropout": 0.0},
        "optimizer": {"learning_rate": 1.0e30, "use_ema": False, "amsgrad": False,
                      "gradient_accumulation_steps": None},
        "training": {"checkpoint_every": 1},
    })
    run_dir = tmp_path / "run"
    process = run_cli("train", str(config), "--run-dir", str(run_dir), cwd=tmp_path)
    assert process.returncode == 1
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "diverged"
    assert f"at step {summary['diverged_at_step']}" in process.stderr
    for checkpoint in RunDir(run_dir).checkpoint_dirs():
        data = read_checkpoint(checkpoint)
        assert all(np.isfinite(e.array).all() for e in data.model + data.optimizer
                   if np.issubdtype(e.array.dtype, np.floating))
        assert data.step < summary["diverged_at_step"]


def test_mixed_precision_run_resumes_bit_identically(tmp_path):
    # Under mixed_float16 Keras wraps Adam in a LossScaleOptimizer, whose
    # dynamic loss scale and step counter are state too.
    extra = {"training": {"mixed_precision": "mixed_float16"}}
    config = _config(tmp_path, extra)
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert run_cli("train", str(config), "--run-dir", str(whole), "-q", cwd=tmp_path).returncode == 0
    killed = run_cli("train", str(config), "--run-dir", str(cut), "-q", cwd=tmp_path,
                     env={"ADAMCTL_KILL_AT": "step:9"})
    assert killed.returncode == -signal.SIGKILL
    resumed = run_cli("resume", str(cut), "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    state = read_checkpoint(RunDir(cut).checkpoint_dirs()[-1])
    assert any(e.path.endswith("dynamic_scale") for e in state.optimizer)
    _assert_identical(_final_state(whole), _final_state(cut))


# Two different signals sent back to back may reach Python's handlers in
# signal-number order (see StopOnSignal), so those cases leave a short gap.
@pytest.mark.parametrize("first, second, gap_s, code", [
    pytest.param(signal.SIGTERM, signal.SIGTERM, 0.0, 143, id="SIGTERM-SIGTERM"),
    pytest.param(signal.SIGTERM, signal.SIGINT, 0.2, 143, id="SIGTERM-SIGINT"),
    pytest.param(signal.SIGINT, signal.SIGTERM, 0.2, 130, id="SIGINT-SIGTERM"),
])
def test_a_second_signal_at_once_reports_the_first_and_settles_the_status(
        tmp_path, first, second, gap_s, code):
    run_dir = tmp_path / "run"
    process = _start_train(_config(tmp_path, LONG), run_dir, tmp_path)
    _wait_for_checkpoint(run_dir, process)
    process.send_signal(first)
    time.sleep(gap_s)
    process.send_signal(second)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    assert f"{signal.Signals(first).name} at step" in stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    assert summary["error"].startswith(f"interrupted by {signal.Signals(first).name}")
    resumed = run_cli("resume", str(run_dir), "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr


def _unreadable_but_checksummed(checkpoint: Path) -> None:
    """An object array in metrics.npy, with the manifest's size and CRC updated to match."""
    from adamctl.store._checkpoint_files import file_digest

    with open(checkpoint / "metrics.npy", "wb") as handle:
        np.save(handle, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    manifest = json.loads((checkpoint / "manifest.json").read_text())
    manifest["files"]["metrics.npy"] = dict(file_digest(checkpoint / "metrics.npy"))
    (checkpoint / "manifest.json").write_text(json.dumps(manifest))


def test_an_unreadable_newest_checkpoint_falls_back_to_the_previous(tmp_path, baseline):
    config, run_dir = _config(tmp_path), tmp_path / "run"
    killed = run_cli("train", str(config), "--run-dir", str(run_dir), "-q", cwd=tmp_path,
                     env={"ADAMCTL_KILL_AT": "step:9"})
    assert killed.returncode == -signal.SIGKILL
    newest = RunDir(run_dir).checkpoint_dirs()[-1]
    _unreadable_but_checksummed(newest)
    resumed = run_cli("resume", str(run_dir), "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"checkpoint {newest} is damaged" in resumed.stderr
    _assert_identical(_final_state(baseline), _final_state(run_dir))


@pytest.mark.parametrize("text, problem", [
    pytest.param("garbage\n1,2\n", 'no "epoch" column', id="no-epoch-column"),
    pytest.param("epoch,step,loss,time_s\nx,1,0.5,1.0\n", "epoch 'x'", id="epoch-not-a-number"),
])
def test_a_malformed_metrics_csv_is_refused_naming_the_file(tmp_path, text, problem):
    config, run_dir = _config(tmp_path), tmp_path / "run"
    killed = run_cli("train", str(config), "--run-dir", str(run_dir), "-q", cwd=tmp_path,
                     env={"ADAMCTL_KILL_AT": "step:9"})
    assert killed.returncode == -signal.SIGKILL
    (run_dir / "metrics.csv").write_text(text)
    before = (run_dir / "summary.json").read_text()
    resumed = run_cli("resume", str(run_dir), "-q", cwd=tmp_path)
    assert resumed.returncode == 2, resumed.stderr
    assert "Traceback" not in resumed.stderr and len(resumed.stderr.strip().splitlines()) == 1
    assert f"{run_dir / 'metrics.csv'}" in resumed.stderr and problem in resumed.stderr
    assert (run_dir / "summary.json").read_text() == before


def test_divergence_before_any_checkpoint_says_there_is_none(tmp_path):
    config = _config(tmp_path, {
        "data": {"task": "regression"},
        "model": {"preset": "logreg", "dropout": 0.0},
        "optimizer": {"learning_rate": 1.0e30, "use_ema": False, "amsgrad": False,
                      "gradient_accumulation_steps": None},
        "training": {"checkpoint_every": None},
    })
    run_dir = tmp_path / "run"
    process = run_cli("train", str(config), "--run-dir", str(run_dir), cwd=tmp_path)
    assert process.returncode == 1
    assert not RunDir(run_dir).checkpoint_dirs()
    assert "no checkpoint was written before it" in process.stderr
    assert "newest checkpoint" not in process.stderr


def test_resume_of_a_completed_run_says_so_and_touches_nothing(tmp_path, baseline):
    run_dir = tmp_path / "run"
    shutil.copytree(baseline, run_dir)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in run_dir.rglob("*") if p.is_file()}
    again = run_cli("resume", str(run_dir), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"{run_dir} already completed at step 18 (epoch 3)" in again.stderr
    changed = run_cli("resume", str(run_dir), "--set", "optimizer.learning_rate=0.001",
                      "--allow-drift", cwd=tmp_path)
    assert changed.returncode == 2
    assert "nothing was changed" in changed.stderr and "training.epochs=N" in changed.stderr
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in run_dir.rglob("*") if p.is_file()}
    assert after == before
    assert run_cli("resume", str(run_dir), "-q", cwd=tmp_path).returncode == 0
