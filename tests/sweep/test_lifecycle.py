"""The sweep lifecycle: --resume refuses a changed plan, --rerun and --extend change it on purpose.

Each test starts from a copy of one real two-trial sweep (the second trial
diverges: learning rate 1e30 on a regression), run once per module.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.helpers import TINY, h5_arrays, merge, run_cli

REGRESSION = {"data": {"task": "regression"}, "model": {"preset": "logreg"}}


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """(config, sweep directory) of a finished sweep: p000-s3 completed, p001-s3 diverged."""
    root = tmp_path_factory.mktemp("lifecycle")
    config = root / "config.yaml"
    config.write_text(yaml.safe_dump(merge(TINY, REGRESSION)))
    sweep = root / "sweep"
    process = run_cli("sweep", str(config), "--grid", "optimizer.learning_rate=0.01,1e30",
                      "--workers", "1", "--sweep-dir", str(sweep), "-q", cwd=root)
    assert process.returncode == 0, process.stderr
    return config, sweep


@pytest.fixture
def sweep(finished, tmp_path) -> Path:
    """A private copy of the finished sweep."""
    copy = tmp_path / "sweep"
    shutil.copytree(finished[1], copy)
    return copy


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "sweep.lock"}


def test_an_edited_sweep_yaml_is_refused_naming_what_changed(sweep, tmp_path):
    plan = yaml.safe_load((sweep / "sweep.yaml").read_text())
    plan["base"]["optimizer"]["epsilon"] = 1e-3
    plan["seeds"] = [3, 4]
    (sweep / "sweep.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    before = _files(sweep)
    result = run_cli("sweep", "--resume", str(sweep), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"{sweep / 'sweep.yaml'}: was changed since the sweep wrote it" in result.stderr
    assert "seeds: [3] -> [3, 4]" in result.stderr
    assert "base.optimizer.epsilon: 1e-07 -> 0.001" in result.stderr
    assert "Traceback" not in result.stderr
    assert _files(sweep) == before


def test_a_sweep_yaml_one_write_behind_its_record_is_adamctls_own(sweep):
    """A kill between recording a plan and writing sweep.yaml leaves the previous sweep.yaml."""
    import adamctl.sweep

    where = adamctl.sweep.SweepDir(sweep)
    old_text = where.plan_path.read_text()
    newer = yaml.safe_load(old_text)
    newer["history"] = [{"event": "rerun", "at": "now", "trials": []}]
    where.update_plan(newer)
    where.plan_path.write_text(old_text)  # as if the second write never happened
    adamctl.sweep.load_any_plan(where)
    assert yaml.safe_load(where.plan_path.read_text()) == newer


def test_resume_with_the_starting_command_checks_it_plans_the_same_sweep(finished, sweep, tmp_path):
    config, _ = finished
    same = run_cli("sweep", str(config), "--grid", "optimizer.learning_rate=0.01,1e30",
                   "--resume", str(sweep), "-q", cwd=tmp_path)
    assert same.returncode == 0, same.stderr  # nothing left to run
    before = _files(sweep)
    other = run_cli("sweep", str(config), "--grid", "optimizer.learning_rate=0.01,0.1",
                    "--set", "training.epochs=3", "--resume", str(sweep), cwd=tmp_path)
    assert other.returncode == 2, other.stderr
    assert "plans another sweep than the one started there" in other.stderr
    assert "grid.optimizer.learning_rate: [0.01, 1e+30] -> [0.01, 0.1]" in other.stderr
    assert "base.training.epochs: 2 -> 3" in other.stderr
    assert _files(sweep) == before


def test_a_trial_config_edited_by_hand_is_refused(sweep, tmp_path):
    path = sweep / "trials" / "p000-s3" / "config.yaml"
    config = yaml.safe_load(path.read_text())
    config["optimizer"]["beta_1"] = 0.5
    path.write_text(yaml.safe_dump(config))
    result = run_cli("sweep", "--resume", str(sweep), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"{path}: differs from the sweep's plan (optimizer.beta_1: 0.9 -> 0.5)" in result.stderr


def test_rerun_runs_the_diverged_trial_again_under_a_new_id_and_keeps_the_old(sweep, tmp_path):
    old = _files(sweep / "trials" / "p001-s3")
    result = run_cli("sweep", "--resume", str(sweep), "--rerun", "diverged,failed", "--workers",
                     "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "rerunning 1 trial(s) from scratch: p001-s3 (diverged) as p001-s3-r2" in result.stderr
    assert _files(sweep / "trials" / "p001-s3") == old  # history, untouched
    results = pd.read_csv(sweep / "results.csv")
    assert list(results["trial"]) == ["p000-s3", "p001-s3-r2"]
    assert list(results["status"]) == ["completed", "diverged"]  # lr 1e30 diverges again
    plan = yaml.safe_load((sweep / "sweep.yaml").read_text())
    assert plan["trials"][1] == {"id": "p001-s3-r2", "point": "p001", "seed": 3,
                                 "values": {"optimizer.learning_rate": 1e30}, "attempt": 2}
    assert plan["history"][0]["trials"] == [
        {"id": "p001-s3", "status": "diverged", "rerun_as": "p001-s3-r2"}]
    again = run_cli("sweep", "--resume", str(sweep), "--rerun", "diverged", "--workers", "1",
                    "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert list(pd.read_csv(sweep / "results.csv")["trial"]) == ["p000-s3", "p001-s3-r3"]
    assert {p.name for p in (sweep / "trials").iterdir()} == {
        "p000-s3", "p001-s3", "p001-s3-r2", "p001-s3-r3"}


def test_rerun_and_extend_need_resume_and_known_values(finished, sweep, tmp_path):
    config, _ = finished
    cases = [
        (["sweep", str(config), "--rerun", "failed"], "give them with --resume SWEEP_DIR"),
        (["sweep", "--resume", str(sweep), "--rerun", "completed"],
         "'completed' is not a status to rerun; choose among failed, diverged, pruned"),
        (["sweep", "--resume", str(sweep), "--extend", "training.epochs=2"],
         "N must be an integer above the sweep's 2 epochs"),
        (["sweep", "--resume", str(sweep), "--extend", "optimizer.epsilon=1"],
         "only training.epochs=N can be extended"),
    ]
    before = _files(sweep)
    for args, message in cases:
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
    assert _files(sweep) == before


@pytest.mark.slow
def test_extend_trains_every_trial_on_bit_for_bit_as_a_longer_run(sweep, tmp_path):
    trial = sweep / "trials" / "p000-s3"
    first_rows = (trial / "metrics.csv").read_text().splitlines()
    result = run_cli("sweep", "--resume", str(sweep), "--extend", "training.epochs=4",
                     "--workers", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "extending every trial from 2 to 4 epochs" in result.stderr
    results = pd.read_csv(sweep / "results.csv").set_index("trial")
    assert results.loc["p000-s3", "status"] == "completed"
    assert results.loc["p001-s3", "status"] == "diverged"  # a diverged trial stays as it was
    extended = pd.read_csv(trial / "metrics.csv")
    assert list(extended["epoch"]) == [1, 2, 3, 4]
    assert (trial / "metrics.csv").read_text().splitlines()[:3] == first_rows[:3]
    assert yaml.safe_load((trial / "config.yaml").read_text())["training"]["epochs"] == 4

    # The plain run of the trial's recorded config, four epochs from the start.
    plain = tmp_path / "plain"
    trained = run_cli("train", str(trial / "config.yaml"), "--run-dir", str(plain), "-q",
                      cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    straight = pd.read_csv(plain / "metrics.csv")
    columns = [c for c in straight.columns if c != "time_s"]
    pd.testing.assert_frame_equal(extended[columns], straight[columns], check_exact=True)
    for ours, theirs in zip(h5_arrays(trial / "model.weights.h5"),
                            h5_arrays(plain / "model.weights.h5"), strict=True):
        assert np.array_equal(ours, theirs)


@pytest.mark.slow
def test_ten_random_kills_lose_no_trial_and_repeat_none(tmp_path):
    """SIGKILL the whole sweep (process group) at random moments, ten times, resuming after each."""
    import os
    import random
    import signal
    import subprocess
    import time

    from tests.helpers import adamctl_executable

    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(merge(TINY, {"training": {"epochs": 100}})))
    sweep = tmp_path / "sweep"
    start = [adamctl_executable(), "sweep", str(config), "--grid", "optimizer.beta_1=0.7,0.8,0.9",
             "--workers", "2", "--sweep-dir", str(sweep), "-q"]
    resume = [adamctl_executable(), "sweep", "--resume", str(sweep), "--workers", "2", "-q"]
    chance = random.Random(20261201)
    kills = 0
    while kills < 10:
        process = subprocess.Popen(resume if kills else start, cwd=tmp_path,
                                   start_new_session=True, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        if chance.random() < 0.2:  # early: while the workers start (or before sweep.yaml is)
            time.sleep(chance.uniform(0.0, 1.0))
        else:  # once this session trains (however loaded the machine), a moment later
            _wait_for_training(sweep, since=time.time(), process=process)
            time.sleep(chance.uniform(0.0, 2.0))
        assert process.poll() is None, f"the sweep ended before kill {kills + 1}: " \
                                       f"{process.communicate()[1]}"
        os.killpg(process.pid, signal.SIGKILL)  # the sweep and its workers, wherever they are
        process.wait()
        kills += 1

    from adamctl.store import RunDir

    # The kills landed while trials trained: some had checkpoints that later sessions resumed.
    assert any(RunDir(t).checkpoint_dirs() for t in (sweep / "trials").iterdir())
    finished = run_cli(*resume[1:], cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    results = pd.read_csv(sweep / "results.csv")
    assert list(results["trial"]) == ["p000-s3", "p001-s3", "p002-s3"]
    assert list(results["status"]) == ["completed"] * 3
    assert sorted(p.name for p in (sweep / "trials").iterdir()) == list(results["trial"])
    for trial in results["trial"]:
        epochs = list(pd.read_csv(sweep / "trials" / trial / "metrics.csv")["epoch"])
        assert epochs == list(range(1, 101)), trial  # no epoch lost, none written twice

    plain = tmp_path / "plain"
    trial = sweep / "trials" / "p002-s3"
    trained = run_cli("train", str(trial / "config.yaml"), "--run-dir", str(plain), "-q",
                      cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    for ours, theirs in zip(h5_arrays(trial / "model.weights.h5"),
                            h5_arrays(plain / "model.weights.h5"), strict=True):
        assert np.array_equal(ours, theirs)


def _wait_for_training(sweep: Path, *, since: float, process, limit_s: float = 300) -> None:
    """Return once a trial's metrics.csv was written after ``since`` (an epoch ended)."""
    import time

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.stat().st_mtime > since for p in sweep.glob("trials/*/metrics.csv")):
            return
        time.sleep(0.05)


def test_trials_name_the_sweeps_config_in_their_provenance(finished):
    import json

    config, sweep = finished
    assert yaml.safe_load((sweep / "sweep.yaml").read_text())["source"] == str(config.resolve())
    summary = json.loads((sweep / "trials" / "p000-s3" / "summary.json").read_text())
    assert summary["provenance"]["config_file"] == str(config.resolve())
    assert summary["provenance"]["command"].startswith("adamctl sweep ")
