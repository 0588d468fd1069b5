"""A sweep's processes under real signals: one sweep per directory, no orphans, no tracebacks."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.helpers import TINY, adamctl_executable, merge, run_cli

pytestmark = pytest.mark.slow

LONG = merge(TINY, {"training": {"epochs": 30, "checkpoint_every": 5}})


def _start(tmp_path: Path, sweep_dir: Path, beta_1: str, workers: int,
           extra: dict | None = None) -> subprocess.Popen:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(merge(LONG, extra or {})))
    return subprocess.Popen(
        [adamctl_executable(), "sweep", str(config), "--grid", f"optimizer.beta_1={beta_1}",
         "--workers", str(workers), "--sweep-dir", str(sweep_dir), "-q"],
        cwd=tmp_path, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for(condition, process: subprocess.Popen | None, what: str, timeout: float = 240):
    deadline = time.monotonic() + timeout
    while not condition():
        assert process is None or process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _checkpointed(sweep_dir: Path) -> list[str]:
    return sorted({p.parts[-3] for p in (sweep_dir / "trials").glob("*/checkpoints/ckpt-*")})


def _lock_is_free(run_dir: Path) -> bool:
    fd = os.open(run_dir / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_killing_the_sweep_process_alone_stops_its_workers_cleanly(tmp_path):
    sweep_dir = tmp_path / "s"
    process = _start(tmp_path, sweep_dir, "0.5,0.6", workers=2)
    _wait_for(lambda: len(_checkpointed(sweep_dir)) == 2, process, "both trials to checkpoint")
    process.kill()  # the sweep process only, as the OOM killer does
    process.wait()
    started = [sweep_dir / "trials" / t for t in _checkpointed(sweep_dir)]
    _wait_for(lambda: all(_lock_is_free(run) for run in started), None,
              "the orphaned workers to exit", timeout=120)
    for run in started:  # each stopped at a step boundary, with a checkpoint
        summary = json.loads((run / "summary.json").read_text())
        assert summary["status"] == "interrupted", summary
        assert summary["steps"] < 30 * 6

    resumed = run_cli("sweep", "--resume", str(sweep_dir), "-q", cwd=tmp_path, timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    results = pd.read_csv(sweep_dir / "results.csv")
    assert list(results["status"]) == ["completed", "completed"]


def test_a_second_sweep_on_the_same_directory_is_refused_naming_the_holder(tmp_path):
    sweep_dir = tmp_path / "s"
    process = _start(tmp_path, sweep_dir, "0.5,0.6", workers=1)
    try:
        _wait_for(lambda: _checkpointed(sweep_dir), process, "a checkpoint")
        second = run_cli("sweep", "--resume", str(sweep_dir), "-q", cwd=tmp_path)
        assert second.returncode == 2, second.stderr
        assert f"{sweep_dir} is being written by process {process.pid} " in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_ctrl_c_stops_the_sweep_in_one_line_and_lists_checkpointed_trials_interrupted(tmp_path):
    sweep_dir = tmp_path / "s"
    process = _start(tmp_path, sweep_dir, "0.5,0.6,0.7", workers=2)
    _wait_for(lambda: _checkpointed(sweep_dir), process, "a checkpoint")
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert stderr.strip().splitlines() == [stderr.strip()]
    assert f'continue with "adamctl sweep --resume {sweep_dir}"' in stderr
    results = pd.read_csv(sweep_dir / "results.csv").set_index("trial")
    for trial in _checkpointed(sweep_dir):
        assert results.loc[trial, "status"] == "interrupted", results.loc[trial]
        summary = json.loads((sweep_dir / "trials" / trial / "summary.json").read_text())
        assert summary["status"] == "interrupted"
    assert set(results["status"]) <= {"interrupted", "pending"}


def test_ctrl_c_while_workers_start_prints_no_traceback(tmp_path):
    sweep_dir = tmp_path / "s"
    process = _start(tmp_path, sweep_dir, "0.5,0.6", workers=2)
    _wait_for(lambda: (sweep_dir / "results.csv").exists(), process, "the sweep to start")
    time.sleep(1.0)  # the workers are importing TensorFlow now
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


def test_a_trial_another_process_writes_is_left_for_later_not_failed(tmp_path):
    sweep_dir = tmp_path / "s"
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(TINY))
    killed = run_cli("sweep", str(config), "--grid", "optimizer.beta_1=0.5,0.6", "--workers", "1",
                     "--sweep-dir", str(sweep_dir), "-q", cwd=tmp_path,
                     env={"ADAMCTL_KILL_AT": "epoch:1"})
    assert killed.returncode == 0, killed.stderr  # each worker died; the sweep recorded it
    first, second = pd.read_csv(sweep_dir / "results.csv")["trial"]
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time\nfrom adamctl.store.lock import RunLock\n"
         "from adamctl.store.rundir import RunDir\n"
         f"RunLock(RunDir({str(sweep_dir / 'trials' / first)!r})).acquire()\n"
         "print('held', flush=True)\ntime.sleep(600)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        resumed = run_cli("sweep", "--resume", str(sweep_dir), "-q", cwd=tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert resumed.returncode == 0, resumed.stderr
    results = pd.read_csv(sweep_dir / "results.csv").set_index("trial")
    assert results.loc[first, "status"] == "interrupted"
    assert results.loc[first, "error"].startswith("skipped: ")
    assert f"being written by process {holder.pid}" in results.loc[first, "error"]
    assert results.loc[second, "status"] == "completed"
