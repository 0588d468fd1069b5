"""Population sweeps give every trial exactly its separate run.

Each check trains real models: a population sweep through the CLI, then
``adamctl train trials/<id>/config.yaml`` alone, and the two run
directories compared: every array of model.weights.h5 byte for byte, and
metrics.csv byte for byte except its ``time_s`` column (wall time, which
differs between any two runs).
"""

from __future__ import annotations

import csv
import json
import signal
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.helpers import TINY, merge, run_cli

pytestmark = pytest.mark.slow

DROPOUT = merge(TINY, {"model": {"dropout": 0.2}, "training": {"epochs": 2}})


def _write(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _sweep(tmp_path: Path, config: dict, *args: str, env: dict | None = None):
    return run_cli("sweep", str(_write(tmp_path, config)), "--executor", "population",
                   "--sweep-dir", "sw", "-q", *args, cwd=tmp_path, env=env)


def _weights(run: Path) -> dict[str, np.ndarray]:
    import h5py

    arrays: dict[str, np.ndarray] = {}
    with h5py.File(run / "model.weights.h5") as handle:
        handle.visititems(lambda name, item: arrays.__setitem__(name, np.array(item))
                          if isinstance(item, h5py.Dataset) else None)
    return arrays


def _metrics_without_time(run: Path) -> list[list[str]]:
    rows = list(csv.reader((run / "metrics.csv").open()))
    drop = rows[0].index("time_s")
    return [row[:drop] + row[drop + 1:] for row in rows]


def _assert_same_as_separate_run(tmp_path: Path, trial: Path) -> None:
    alone = tmp_path / f"alone-{trial.name}"
    done = run_cli("train", str(trial / "config.yaml"), "--run-dir", str(alone), "-q",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    mine, theirs = _weights(trial), _weights(alone)
    assert sorted(mine) == sorted(theirs)
    for name in mine:
        assert mine[name].tobytes() == theirs[name].tobytes(), name
    assert _metrics_without_time(trial) == _metrics_without_time(alone)


def _summary(trial: Path) -> dict:
    return json.loads((trial / "summary.json").read_text())


def test_members_with_dropout_amsgrad_decay_and_a_schedule_equal_their_separate_runs(tmp_path):
    config = merge(DROPOUT, {"optimizer": {"learning_rate": {
        "schedule": "ExponentialDecay", "initial_learning_rate": 0.01, "decay_steps": 4,
        "decay_rate": 0.9}}})
    done = _sweep(tmp_path, config, "--grid", "optimizer.amsgrad=false,true",
                  "--grid", "optimizer.weight_decay=0.0,0.01", "--seeds", "2")
    assert done.returncode == 0, done.stderr
    trials = sorted((tmp_path / "sw" / "trials").iterdir())
    assert len(trials) == 8
    assert {_summary(t)["executor"] for t in trials} == {"population"}
    assert {_summary(t)["population_size"] for t in trials} == {8}
    for trial in (trials[3], trials[6]):  # amsgrad + decay at seed 4; a second seed mix
        _assert_same_as_separate_run(tmp_path, trial)


def test_a_diverging_member_is_recorded_and_the_others_go_on(tmp_path):
    done = _sweep(tmp_path, DROPOUT, "--grid", "optimizer.learning_rate=0.01,1e30")
    trials = sorted((tmp_path / "sw" / "trials").iterdir())
    statuses = [_summary(t)["status"] for t in trials]
    assert statuses == ["completed", "diverged"], done.stderr
    assert _summary(trials[1])["diverged_at_step"] >= 1
    _assert_same_as_separate_run(tmp_path, trials[0])


def test_sigkill_then_member_resume_and_sweep_resume_are_exact(tmp_path):
    config = merge(DROPOUT, {"training": {"epochs": 3}})
    killed = _sweep(tmp_path, config, "--grid", "optimizer.beta_1=0.8,0.9",
                    env={"ADAMCTL_KILL_AT": "step:8"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    trials = sorted((tmp_path / "sw" / "trials").iterdir())
    assert all((t / "checkpoints").is_dir() for t in trials)
    resumed = run_cli("resume", str(trials[0]), "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    _assert_same_as_separate_run(tmp_path, trials[0])
    again = run_cli("sweep", "--resume", "sw", "--executor", "population", "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert [_summary(t)["status"] for t in trials] == ["completed", "completed"]
    _assert_same_as_separate_run(tmp_path, trials[1])


def test_an_ungroupable_grid_says_why_and_runs_locally(tmp_path):
    done = _sweep(tmp_path, DROPOUT, "--grid", "data.batch_size=16,32")
    assert done.returncode == 0, done.stderr
    assert "data.batch_size" in done.stderr
    for trial in sorted((tmp_path / "sw" / "trials").iterdir()):
        summary = _summary(trial)
        assert summary["status"] == "completed"
        assert summary["executor"] == "local" and "data.batch_size" in summary["population_fallback"]


def test_population_size_needs_the_population_executor(tmp_path):
    done = run_cli("sweep", str(_write(tmp_path, DROPOUT)), "--population-size", "4",
                   cwd=tmp_path)
    assert done.returncode == 2 and "--executor population" in done.stderr
    assert not (tmp_path / "runs").exists()
