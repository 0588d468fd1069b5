"""The stacked engine gives every member exactly its separate run, across Adam's code paths.

Each case trains a small population in this process, as a sweep worker
does, then trains each member's config alone with the local executor's
``run_job`` (what ``adamctl train`` runs), and compares the two run
directories: every array of every weights file, checkpoint and model.keras,
and metrics.csv. The CLI tests in test_population.py compare against the
``adamctl train`` command itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import TINY, merge
from tests.population.compare import assert_same_run, checkpoints, h5_arrays, metrics_without_time

pytestmark = pytest.mark.slow

WIDE = {"model": {"hidden": [64, 64]}}  # a 64x64 kernel: Adam's fused kernel path

CASES = [
    pytest.param([{"optimizer": {"beta_2": b, "epsilon": e}}
                  for b, e in ((0.9, 1e-8), (0.99, 1e-3), (0.999, 1e-6))], id="beta_2-epsilon"),
    pytest.param([merge(WIDE, {"optimizer": {"amsgrad": a, "beta_1": b}})
                  for a, b in ((False, 0.9), (True, 0.8), (True, 0.95))], id="amsgrad-wide"),
    pytest.param([{"optimizer": {"weight_decay": w, "learning_rate": r}}
                  for w, r in ((None, 0.01), (0.05, 0.01), (0.01, 0.003))], id="decoupled-decay"),
    pytest.param([{"optimizer": {"weight_decay": w, "weight_decay_mode": "l2"}}
                  for w in (0.01, 0.1)], id="l2-decay"),
    pytest.param([merge(WIDE, {"optimizer": {"epsilon_mode": "algorithm1", "amsgrad": a,
                                             "epsilon": 1e-4}})
                  for a in (False, True)], id="algorithm1"),
    pytest.param([{"optimizer": {"learning_rate": {"schedule": "ExponentialDecay",
                                                   "initial_learning_rate": r,
                                                   "decay_steps": 3, "decay_rate": 0.8}}}
                  for r in (0.01, 0.03)], id="schedule"),
    pytest.param([{"seed": s, "optimizer": {"fused": False, "beta_2": b}}
                  for s, b in ((3, 0.99), (4, 0.99), (3, 0.9))], id="seeds-generic-path"),
    pytest.param([{"data": {"batch_size": 40}, "model": {"activation": "tanh"},
                   "training": {"checkpoint_every": 3}, "optimizer": {"beta_2": b}}
                  for b in (0.9, 0.999)], id="tanh-short-batch-midepoch-checkpoints"),
    pytest.param([{"model": {"preset": "logreg"}, "optimizer": {"learning_rate": r}}
                  for r in (0.1, 0.01)], id="logreg"),
    pytest.param([{"model": {"preset": None, "layers": [
                       {"class_name": "Dense", "units": 12, "activation": "sigmoid"},
                       {"class_name": "Dense", "units": 3, "use_bias": False}]},
                   "optimizer": {"epsilon": e}} for e in (1e-7, 1e-2)], id="layers-list"),
    pytest.param([{"training": {"diagnostics_every": 4}, "logging": {"tensorboard": True},
                   "optimizer": {"beta_2": b, "amsgrad": a, "epsilon": e}}
                  for b, a, e in ((0.9, False, 1e-7), (0.999, True, 1e-3))],
                 id="diagnostics-tensorboard"),
    pytest.param([{"training": {"epochs": 6, "early_stopping": {"patience": 0,
                                                               "restore_best": True}},
                   "optimizer": {"learning_rate": r}}
                  for r in (0.5, 0.05, 0.001)], id="early-stopping-members-leave"),
]


@pytest.fixture(autouse=True)
def _populations_always_pay(monkeypatch):
    """These tests check what an engine computes. Whether a population pays is a timing, which
    a loaded machine (the suite's own processes) can turn for two tiny members; the probe's
    rule and its wiring are tested in test_probe.py."""
    from adamctl.population import probe

    monkeypatch.setattr(probe, "PAYS_AT", 0.0)


def _jobs(tmp_path: Path, extras: list[dict]) -> list:
    from adamctl.config import config_from_dict, config_to_dict
    from adamctl.sweep.local import TrialJob

    return [TrialJob(f"t{i}", str(tmp_path / "population" / f"t{i}"),
                     config_to_dict(config_from_dict(merge(TINY, extra))))
            for i, extra in enumerate(extras)]


def _train_population(jobs: list) -> list[dict]:
    from adamctl.population import PopulationJob
    from adamctl.population.worker import run_population_job
    from adamctl.sweep.local import run_job

    outcomes: list[dict] = []
    run_population_job(PopulationJob(tuple(jobs)), send=outcomes.append, run_trial=run_job)
    return outcomes


@pytest.mark.parametrize("extras", CASES)
def test_each_member_equals_its_separate_run(tmp_path, extras):
    from adamctl.sweep.local import TrialJob, run_job

    jobs = _jobs(tmp_path, extras)
    outcomes = _train_population(jobs)
    assert sorted(o["trial"] for o in outcomes) == [job.trial_id for job in jobs]
    for job in jobs:
        summary = json.loads((Path(job.run_dir) / "summary.json").read_text())
        assert summary["status"] == "completed"
        assert summary.get("population_engine") == "stacked", (summary.get("population_note"),
                                                              summary.get("population_fallback"))
        alone = tmp_path / "alone" / job.trial_id
        assert run_job(TrialJob(job.trial_id, str(alone), job.config))["status"] == "completed"
        assert_same_run(Path(job.run_dir), alone)


def test_a_model_the_stacked_engine_does_not_know_trains_replicated_and_says_why(tmp_path):
    jobs = _jobs(tmp_path, [{"model": {"dropout": 0.2}, "optimizer": {"beta_2": b}}
                            for b in (0.9, 0.99)])
    _train_population(jobs)
    summary = json.loads((Path(jobs[0].run_dir) / "summary.json").read_text())
    assert summary["population_engine"] == "replicated"
    assert "Dropout" in summary["population_note"]


def test_a_population_too_big_for_memory_trains_in_turns(tmp_path, monkeypatch):
    from adamctl.population import worker

    jobs = _jobs(tmp_path, [{"optimizer": {"beta_2": b}} for b in (0.9, 0.99, 0.999)])
    monkeypatch.setattr(worker, "_available_memory", lambda: 0)  # room for the minimum, 2
    outcomes = _train_population(jobs)
    assert [o["status"] for o in outcomes] == ["completed"] * 3
    summaries = [json.loads((Path(j.run_dir) / "summary.json").read_text()) for j in jobs]
    assert [s.get("population_size") for s in summaries] == [2, 2, None]
    assert summaries[2]["population_fallback"] == "a population of one trial trains alone"


def test_replicated_members_stopping_early_leave_and_the_others_stay_exact(tmp_path):
    from adamctl.sweep.local import TrialJob, run_job

    jobs = _jobs(tmp_path, [{"model": {"dropout": 0.1}, "optimizer": {"learning_rate": r},
                             "training": {"epochs": 5, "early_stopping": {"patience": 0}}}
                            for r in (0.5, 0.003)])
    _train_population(jobs)
    for job in jobs:
        summary = json.loads((Path(job.run_dir) / "summary.json").read_text())
        assert summary["population_engine"] == "replicated"
        alone = tmp_path / "alone" / job.trial_id
        run_job(TrialJob(job.trial_id, str(alone), job.config))
        assert_same_run(Path(job.run_dir), alone)
    stopped = [json.loads((Path(j.run_dir) / "summary.json").read_text())
               .get("early_stopped_at_epoch") for j in jobs]
    assert stopped[0] is not None and stopped[0] < 5  # the first left while the other went on


CONVOLUTIONAL = [
    pytest.param([{"data": {"source": "digits", "batch_size": 64},
                   "model": {"preset": "cnn", "filters": [4], "dropout": 0.1},
                   "optimizer": {"beta_2": b, "epsilon": e}}
                  for b, e in ((0.99, 1e-7), (0.999, 1e-3))], id="cnn-dropout"),
    pytest.param([{"data": {"source": "digits", "batch_size": 64},
                   "model": {"preset": None, "layers": [
                       {"class_name": "Reshape", "target_shape": [8, 8, 1]},
                       {"class_name": "Conv2D", "filters": 3, "kernel_size": 3},
                       {"class_name": "BatchNormalization"},
                       {"class_name": "Activation", "activation": "relu"},
                       {"class_name": "AveragePooling2D", "pool_size": 2},
                       {"class_name": "Flatten"},
                       {"class_name": "Dense", "units": 10}]},
                   "optimizer": {"amsgrad": a}} for a in (False, True)],
                 id="conv-batchnorm-layers"),
]


@pytest.mark.parametrize("extras", CONVOLUTIONAL)
def test_convolutional_members_train_replicated_and_equal_their_separate_runs(tmp_path,
                                                                              extras):
    from adamctl.sweep.local import TrialJob, run_job

    jobs = _jobs(tmp_path, extras)
    outcomes = _train_population(jobs)
    assert [o["status"] for o in outcomes] == ["completed"] * len(jobs)
    for job in jobs:
        summary = json.loads((Path(job.run_dir) / "summary.json").read_text())
        assert summary["population_engine"] == "replicated", summary.get("population_note")
        alone = tmp_path / "alone" / job.trial_id
        assert run_job(TrialJob(job.trial_id, str(alone), job.config))["status"] == "completed"
        assert_same_run(Path(job.run_dir), alone)


class _Clock:
    """``time.monotonic`` for :class:`~adamctl.training.callbacks.max_time.MaxTime`: one
    second more at each reading, so training.max_time runs out at a step that depends on
    the readings alone (three members read it once each per step)."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


@pytest.mark.parametrize("model, max_time, step", [
    pytest.param({}, 20, 7, id="stacked-mid-epoch"),
    pytest.param({"dropout": 0.1}, 18, 6, id="replicated-at-an-epochs-last-step")])
def test_members_out_of_max_time_stop_with_a_checkpoint_that_resumes_exactly(
        tmp_path, monkeypatch, model, max_time, step):
    from adamctl.sweep.local import TrialJob, run_job
    from adamctl.training.callbacks import max_time as module

    jobs = _jobs(tmp_path, [{"model": model, "optimizer": {"beta_2": b},
                             "training": {"epochs": 3, "max_time": max_time}}
                            for b in (0.9, 0.99, 0.999)])
    monkeypatch.setattr(module, "time", _Clock())
    outcomes = _train_population(jobs)
    monkeypatch.undo()
    assert [o["status"] for o in outcomes] == ["interrupted"] * 3, outcomes
    for job in jobs:
        run = Path(job.run_dir)
        summary = json.loads((run / "summary.json").read_text())
        assert summary["population_engine"] == ("replicated" if model else "stacked")
        assert (summary["status"], summary["steps"]) == ("interrupted", step)
        assert "max_time" in summary["error"]
        assert (run / "checkpoints" / f"ckpt-{step:09d}").is_dir()
        # The real clock from here: 20 s is time enough to finish.
        resumed = run_job(TrialJob(job.trial_id, job.run_dir, job.config, resume=True))
        assert resumed["status"] == "completed", resumed
        alone = tmp_path / "alone" / job.trial_id
        assert run_job(TrialJob(job.trial_id, str(alone), job.config))["status"] == "completed"
        assert metrics_without_time(run) == metrics_without_time(alone)
        assert h5_arrays(run / "model.weights.h5") == h5_arrays(alone / "model.weights.h5")
        assert checkpoints(run)[-1] == checkpoints(alone)[-1]
