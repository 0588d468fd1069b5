"""Population sweeps give every trial exactly its separate run, through the CLI.

Each check trains real models: a population sweep through the CLI, then
``adamctl train trials/<id>/config.yaml`` alone, and the two run
directories compared (tests/population/compare.py): every array of every
weights file, checkpoint and model.keras bit for bit, and metrics.csv byte
for byte except its ``time_s`` column (wall time, which differs between any
two runs).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from tests.helpers import TINY, adamctl_executable, merge, run_cli
from tests.population.compare import assert_same_run

pytestmark = pytest.mark.slow

STACKED = merge(TINY, {"training": {"epochs": 2}})
DROPOUT = merge(STACKED, {"model": {"dropout": 0.2}})  # the replicated engine's
ENGINES = [pytest.param(STACKED, "stacked", id="stacked"),
           pytest.param(DROPOUT, "replicated", id="replicated")]
ALL_ENGINES = [*ENGINES, pytest.param(merge(STACKED, {"backend": "jax"}), "mapped", id="mapped")]


def _write(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _sweep(tmp_path: Path, config: dict, *args: str, env: dict | None = None):
    return run_cli("sweep", str(_write(tmp_path, config)), "--executor", "population",
                   "--sweep-dir", "sw", "-q", *args, cwd=tmp_path, env=env)


def _assert_same_as_separate_run(tmp_path: Path, trial: Path) -> None:
    alone = tmp_path / f"alone-{trial.name}"
    done = run_cli("train", str(trial / "config.yaml"), "--run-dir", str(alone), "-q",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert_same_run(trial, alone)


def _summary(trial: Path) -> dict:
    return json.loads((trial / "summary.json").read_text())


def _trials(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "sw" / "trials").iterdir())


@pytest.mark.parametrize("config, engine", ENGINES)
def test_members_with_amsgrad_decay_a_schedule_and_seeds_equal_their_separate_runs(
        tmp_path, config, engine):
    config = merge(config, {"optimizer": {"learning_rate": {
        "schedule": "ExponentialDecay", "initial_learning_rate": 0.01, "decay_steps": 4,
        "decay_rate": 0.9}}})
    done = _sweep(tmp_path, config, "--grid", "optimizer.amsgrad=false,true",
                  "--grid", "optimizer.weight_decay=0.0,0.01", "--seeds", "2",
                  "--population-size", "8")
    assert done.returncode == 0, done.stderr
    trials = _trials(tmp_path)
    assert len(trials) == 8
    assert {_summary(t)["executor"] for t in trials} == {"population"}
    assert {_summary(t)["population_size"] for t in trials} == {8}
    assert {_summary(t)["population_engine"] for t in trials} == {engine}
    for trial in (trials[3], trials[6]):  # amsgrad + decay at seed 4; a second seed mix
        _assert_same_as_separate_run(tmp_path, trial)


@pytest.mark.parametrize("config, engine", ALL_ENGINES)
def test_a_diverging_member_is_recorded_and_the_others_go_on(tmp_path, config, engine):
    done = _sweep(tmp_path, config, "--grid", "optimizer.learning_rate=0.01,1e30,0.02")
    trials = _trials(tmp_path)
    statuses = [_summary(t)["status"] for t in trials]
    assert statuses == ["completed", "diverged", "completed"], done.stderr
    assert _summary(trials[1])["diverged_at_step"] >= 1
    assert _summary(trials[0])["population_engine"] == engine
    _assert_same_as_separate_run(tmp_path, trials[2])


def test_a_killed_worker_leaves_ordinary_checkpoints_that_resume_exactly(tmp_path):
    config = merge(STACKED, {"training": {"epochs": 3}})
    killed = _sweep(tmp_path, config, "--grid", "optimizer.beta_1=0.8,0.9",
                    env={"ADAMCTL_KILL_AT": "step:8"})
    assert killed.returncode == 0, killed.stderr  # the worker died; the sweep recorded it
    trials = _trials(tmp_path)
    assert all((t / "checkpoints").is_dir() for t in trials)
    assert {_summary(t)["status"] for t in trials} == {"running"}  # killed mid-run
    resumed = run_cli("resume", str(trials[0]), "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    _assert_same_as_separate_run(tmp_path, trials[0])
    again = run_cli("sweep", "--resume", "sw", "--executor", "population", "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert [_summary(t)["status"] for t in trials] == ["completed", "completed"]
    _assert_same_as_separate_run(tmp_path, trials[1])


def test_killing_the_sweep_process_stops_the_population_with_checkpoints_that_resume(tmp_path):
    config = _write(tmp_path, merge(TINY, {"training": {"epochs": 40}}))
    process = subprocess.Popen(
        [adamctl_executable(), "sweep", str(config), "--grid", "optimizer.beta_1=0.5,0.6",
         "--executor", "population", "--sweep-dir", "sw", "-q"],
        cwd=tmp_path, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    checkpoints = lambda: sorted((tmp_path / "sw").glob("trials/*/checkpoints/ckpt-*"))
    deadline = time.monotonic() + 240
    while len(checkpoints()) < 2:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.kill()  # the sweep process only, as the OOM killer does
    process.wait()
    trials = _trials(tmp_path)
    deadline = time.monotonic() + 120
    while {_summary(t)["status"] for t in trials} != {"interrupted"}:
        assert time.monotonic() < deadline, [_summary(t)["status"] for t in trials]
        time.sleep(0.1)
    assert all(_summary(t)["steps"] < 40 * 6 for t in trials)
    again = run_cli("sweep", "--resume", "sw", "--executor", "population", "-q", cwd=tmp_path,
                    timeout=900)
    assert again.returncode == 0, again.stderr
    _assert_same_as_separate_run(tmp_path, trials[1])


def test_ctrl_c_stops_a_population_sweep_with_every_member_interrupted(tmp_path):
    config = _write(tmp_path, merge(TINY, {"training": {"epochs": 40}}))
    process = subprocess.Popen(
        [adamctl_executable(), "sweep", str(config), "--grid", "optimizer.beta_1=0.5,0.6,0.7",
         "--executor", "population", "--workers", "1", "--sweep-dir", "sw", "-q"],
        cwd=tmp_path, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 240
    while not list((tmp_path / "sw").glob("trials/*/checkpoints/ckpt-*")):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    trials = _trials(tmp_path)
    assert [_summary(t)["status"] for t in trials] == ["interrupted"] * 3
    assert all(list((t / "checkpoints").glob("ckpt-*")) for t in trials)


def test_an_ungroupable_grid_says_why_and_runs_locally(tmp_path):
    done = _sweep(tmp_path, DROPOUT, "--grid", "data.batch_size=16,32")
    assert done.returncode == 0, done.stderr
    assert "data.batch_size" in done.stderr
    for trial in _trials(tmp_path):
        summary = _summary(trial)
        assert summary["status"] == "completed"
        assert summary["executor"] == "local"
        assert "data.batch_size" in summary["population_fallback"]


# JAX: the mapped engine; every member keeps its own dropout stream and AMSGrad state.
JAX = merge(STACKED, {"backend": "jax", "model": {"dropout": 0.2},
                      "optimizer": {"amsgrad": True, "weight_decay": 0.01}})


def test_jax_members_train_mapped_and_equal_their_separate_runs(tmp_path):
    done = _sweep(tmp_path, JAX, "--grid", "optimizer.beta_2=0.9,0.99",
                  "--grid", "optimizer.learning_rate=0.01,0.003", "--seeds", "2",
                  "--population-size", "8")
    assert done.returncode == 0, done.stderr
    trials = _trials(tmp_path)
    assert len(trials) == 8
    summaries = [_summary(t) for t in trials]
    assert {s.get("population_engine") for s in summaries} == {"mapped"}, summaries[0]
    assert {s["versions"]["backend"] for s in summaries} == {"jax"}
    _assert_same_as_separate_run(tmp_path, trials[3])  # lr 0.003, beta_2 0.99, seed 4


def test_the_configs_sweep_section_chooses_the_executor_and_the_command_line_overrides_it(
        tmp_path):
    config = merge(STACKED, {"sweep": {"executor": "population", "population_size": 2,
                                       "grid": {"optimizer.beta_2": [0.9, 0.99, 0.995, 0.999]}}})
    path = _write(tmp_path, config)
    done = run_cli("sweep", str(path), "--sweep-dir", "sw", "--workers", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # Both populations start at once: the first member to end leaves three training.
    assert re.search(r"^\[1/4\] p\d+-s3 completed  val_loss=\S+  3 training", done.stderr, re.M)
    summaries = [_summary(t) for t in _trials(tmp_path)]
    assert [(s["executor"], s["population_size"]) for s in summaries] == [("population", 2)] * 4
    recorded = yaml.safe_load((tmp_path / "sw" / "sweep.yaml").read_text())
    assert recorded["execution"] == {"executor": "population", "population_size": 2}
    done = run_cli("sweep", str(path), "--executor", "local", "--sweep-dir", "local", "-q",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    local = sorted((tmp_path / "local" / "trials").iterdir())
    assert not any("population_size" in _summary(t) for t in local)
    assert_same_run(_trials(tmp_path)[1], local[1])


def test_population_size_needs_the_population_executor(tmp_path):
    done = run_cli("sweep", str(_write(tmp_path, DROPOUT)), "--population-size", "4",
                   "--grid", "optimizer.beta_2=0.9,0.99", cwd=tmp_path)
    assert done.returncode == 2 and "--executor population" in done.stderr
    assert not (tmp_path / "runs").exists()


def test_a_search_refuses_the_population_executor(tmp_path):
    done = run_cli("sweep", str(_write(tmp_path, STACKED)), "--search", "random", "--trials",
                   "2", "--grid", "optimizer.beta_2=linear:0.9:0.99", "--executor",
                   "population", "--sweep-dir", "sw", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "--executor population runs grid sweeps" in done.stderr
    assert not (tmp_path / "sw").exists()
