"""``adamctl sweep --search``: Optuna-chosen points run as ordinary trials, real workers."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pandas as pd
import pytest
import yaml

import adamctl.sweep
from adamctl.errors import Interrupted
from tests.helpers import run_cli

SPACE = ["--grid", "optimizer.learning_rate=log:1e-4:1e-1",
         "--grid", "optimizer.epsilon=log:1e-10:1e-3"]


def _points(sweep_dir: Path) -> list[tuple]:
    """Each listed trial's sampled values, in the order of the space's keys."""
    plan = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    return [tuple(t["values"][key] for key in plan["grid"]) for t in plan["trials"]]


def _study(sweep_dir: Path) -> optuna.Study:
    plan = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    return optuna.load_study(study_name=plan["search"]["study"],
                             storage=f"sqlite:///{sweep_dir / 'optuna.db'}")


@pytest.mark.slow
def test_the_same_qmc_search_twice_samples_the_same_distinct_points(write_config, tmp_path):
    config = write_config({"training": {"epochs": 1}})
    dirs = [tmp_path / "a", tmp_path / "b"]
    for workers, sweep_dir in zip(("2", "1"), dirs):  # the points do not depend on the workers
        process = run_cli("sweep", str(config), "--search", "qmc", "--trials", "6", *SPACE,
                          "--workers", workers, "--sweep-dir", str(sweep_dir), "--quiet",
                          cwd=tmp_path)
        assert process.returncode == 0, process.stderr
    first, second = (_points(d) for d in dirs)
    assert first == second and len(set(first)) == 6
    results = pd.read_csv(dirs[0] / "results.csv")
    assert list(results["status"]) == ["completed"] * 6
    assert list(results["optimizer.learning_rate"]) == [lr for lr, _ in first]
    for trial_id, (lr, eps) in zip(results["trial"], first):
        trial_config = yaml.safe_load((dirs[0] / "trials" / trial_id / "config.yaml").read_text())
        assert (trial_config["optimizer"]["learning_rate"], trial_config["optimizer"]["epsilon"]) \
            == (lr, eps)
    assert [t.state for t in _study(dirs[0]).trials] == [optuna.trial.TrialState.COMPLETE] * 6


@pytest.mark.slow
def test_asha_prunes_some_trials_which_keep_their_run_directories(write_config, tmp_path):
    config = write_config({"training": {"epochs": 3}})
    sweep_dir = tmp_path / "s"
    process = run_cli("sweep", str(config), "--search", "random", "--trials", "6", *SPACE,
                      "--prune", "asha", "--workers", "1", "--sweep-dir", str(sweep_dir),
                      "--quiet", cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    results = pd.read_csv(sweep_dir / "results.csv")
    statuses = set(results["status"])
    assert statuses == {"completed", "pruned"}, results[["trial", "status"]]
    for trial_id in results[results["status"] == "pruned"]["trial"]:
        summary = json.loads((sweep_dir / "trials" / trial_id / "summary.json").read_text())
        assert summary["status"] == "pruned"
        assert summary["pruned_at_epoch"] == summary["epochs_completed"] < 3
        rows = (sweep_dir / "trials" / trial_id / "metrics.csv").read_text().splitlines()
        assert len(rows) == 1 + summary["pruned_at_epoch"]
    states = {t.number: t.state.name for t in _study(sweep_dir).trials}
    assert [states[int(t[1:4])] for t in results["trial"]] == [
        "PRUNED" if s == "pruned" else "COMPLETE" for s in results["status"]]
    assert "pruned" in (sweep_dir / "report.md").read_text()


@pytest.mark.slow
def test_tpe_search_tells_every_result_and_resume_adds_none(write_config, tmp_path):
    config = write_config({"training": {"epochs": 1}})
    plan, where = adamctl.sweep.prepare(config, grid_options=SPACE[1::2], search="tpe", trials=4,
                                        sweep_dir=tmp_path / "t")
    outcome = adamctl.sweep.start(plan, where, workers=1)
    assert list(outcome.results["status"]) == ["completed"] * 4
    study = _study(where.root)
    values = {t.number: t.value for t in study.trials}
    assert [values[int(t[1:4])] for t in outcome.results["trial"]] == \
        list(outcome.results["final_val_loss"])
    again = adamctl.sweep.resume(where.root, workers=1)
    assert list(again.results["trial"]) == list(outcome.results["trial"])
    assert len(_study(where.root).trials) == 4


@pytest.mark.slow
def test_a_spent_budget_starts_no_new_trial(write_config, tmp_path):
    config = write_config({"training": {"epochs": 1}})
    plan, where = adamctl.sweep.prepare(config, grid_options=SPACE[1::2], search="random",
                                        trials=3, sweep_dir=tmp_path / "b")
    with pytest.raises(Interrupted, match="3 trial.s. unfinished .0 stopped at a checkpoint, "
                       "3 not started.") as stopped:
        adamctl.sweep.start(plan, where, workers=1, budget_s=0)
    assert stopped.value.exit_code == 124
    assert pd.read_csv(where.results_path).empty
    assert yaml.safe_load((where.root / "sweep.yaml").read_text())["trials"] == []
    resumed = adamctl.sweep.resume(where.root, workers=1)  # no budget: the rest runs
    assert list(resumed.results["status"]) == ["completed"] * 3


@pytest.mark.slow
def test_a_killed_search_resumes_with_every_trial_once(write_config, tmp_path):
    import os
    import signal
    import subprocess
    import time

    from tests.helpers import adamctl_executable

    config = write_config({"training": {"epochs": 3}})
    sweep_dir = tmp_path / "k"
    args = [adamctl_executable(), "sweep", str(config), "--search", "random", "--trials", "4",
            "--grid", "optimizer.learning_rate=log:1e-3:1e-1", "--workers", "1",
            "--sweep-dir", str(sweep_dir), "-q"]
    process = subprocess.Popen(args, cwd=tmp_path, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    second = sweep_dir / "trials" / "p001-s3" / "metrics.csv"
    while not second.exists() and process.poll() is None:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # the sweep and its worker, usually mid-trial
    process.wait()
    assert 2 <= len(_points(sweep_dir)) < 4  # each trial is listed before it starts

    resumed = run_cli("sweep", "--resume", str(sweep_dir), "--workers", "1", "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    results = pd.read_csv(sweep_dir / "results.csv")
    assert list(results["trial"]) == ["p000-s3", "p001-s3", "p002-s3", "p003-s3"]
    assert list(results["status"]) == ["completed"] * 4
    assert len(set(_points(sweep_dir))) == 4
    assert [t.state.name for t in _study(sweep_dir).trials] == ["COMPLETE"] * 4


def test_a_search_holds_the_sweep_lock_like_a_grid(write_config, tmp_path):
    from adamctl.errors import RunLocked
    from adamctl.store.lock import SweepLock

    config = write_config({"training": {"epochs": 1}})
    plan, target = adamctl.sweep.prepare(config, grid_options=SPACE[1::2], search="random",
                                         trials=2, sweep_dir=tmp_path / "s")
    target.root.mkdir()
    with SweepLock(target.root):  # another sweep process runs this directory
        with pytest.raises(RunLocked, match="one sweep process at a time"):
            adamctl.sweep.start(plan, target, workers=1)
    assert not (target.root / "trials").exists()


def test_a_storage_password_is_refused_and_an_environment_variable_is_read_when_opened(
        write_config, tmp_path, monkeypatch):
    from adamctl.errors import UsageError
    from adamctl.sweep.study import open_study

    config = write_config({"training": {"epochs": 1}})
    with pytest.raises(UsageError, match="the URL holds a password, which would be written"):
        adamctl.sweep.prepare(config, grid_options=SPACE[1::2], search="random", trials=2,
                              storage="postgresql://me:secret@db.example/studies")
    plan, _ = adamctl.sweep.prepare(config, grid_options=SPACE[1::2], search="random", trials=2,
                                    storage="sqlite:///${STUDY_DIR}/shared.db")
    assert plan.to_dict()["search"]["storage"] == "sqlite:///${STUDY_DIR}/shared.db"
    with pytest.raises(UsageError, match="the environment variable STUDY_DIR is not set"):
        open_study(plan.storage, "s", mode="min")
    monkeypatch.setenv("STUDY_DIR", str(tmp_path))
    open_study(plan.storage, "s", mode="min")
    assert optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path}/shared.db")
