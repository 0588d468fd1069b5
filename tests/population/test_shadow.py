"""The shadow check tells a member that matches its separate run from one that does not,
and a population no engine trains exactly falls back to one trial at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import TINY, merge

pytestmark = pytest.mark.slow


class _Job:
    def __init__(self, trial_id: str, config: dict, run_dir) -> None:
        self.trial_id, self.run_dir, self.config = trial_id, str(run_dir), config
        self.resume = False


def _resolved(config: dict) -> dict:
    from adamctl.config import config_from_dict, config_to_dict

    return config_to_dict(config_from_dict(config))


@pytest.mark.parametrize("dropout", [pytest.param(0.0, id="stacked"),
                                     pytest.param(0.2, id="replicated")])
def test_shadow_check_passes_for_the_members_and_fails_against_another_config(tmp_path, dropout):
    from adamctl.population.replicated import build_replicated
    from adamctl.population.shadow import separate_run, shadow_compare
    from adamctl.population.stacked_engine import build_stacked

    first = _resolved(merge(TINY, {"model": {"dropout": dropout}}))
    second = _resolved(merge(first, {"seed": 11, "optimizer": {"beta_2": 0.9}}))
    jobs = [_Job("a", first, tmp_path / "a"), _Job("b", second, tmp_path / "b")]
    alone_first, steps = separate_run(jobs[0])
    alone_second, _ = separate_run(jobs[1], steps)
    engine, why = build_stacked(jobs) if dropout == 0.0 else build_replicated(jobs)
    assert engine is not None, why
    assert shadow_compare(engine, {0: alone_first, 1: alone_second}, steps) is None
    # The same population compared with the other member's separate run must be told apart.
    reason = shadow_compare(engine, {0: alone_second}, steps)
    assert reason is not None and "shadow check" in reason
    assert not (tmp_path / "a").exists()  # the check writes nothing


def test_the_check_covers_the_short_last_batch():
    from adamctl.population.shadow import shadow_steps
    from adamctl.population.member import Member
    from adamctl.training.session import prepare
    from adamctl.config import config_from_dict

    config = config_from_dict(merge(TINY, {"data": {"batch_size": 40}}))
    member = Member.of("a", "unused", prepare(config))
    steps = shadow_steps(member)
    assert [len(member.batches[i]) for i in steps] == [40, 40, 32]


def test_a_population_no_engine_matches_runs_one_trial_at_a_time_and_says_why(tmp_path,
                                                                              monkeypatch):
    from adamctl.population import PopulationJob, shadow, worker
    from adamctl.sweep.local import TrialJob, run_job

    monkeypatch.setattr(shadow, "shadow_compare",
                        lambda engine, alone, steps, timings: f"{engine.name} differs (simulated)")
    jobs = [TrialJob(f"t{i}", str(tmp_path / f"t{i}"),
                     _resolved(merge(TINY, {"optimizer": {"beta_2": b}})))
            for i, b in enumerate((0.9, 0.99))]
    outcomes: list[dict] = []
    worker.run_population_job(PopulationJob(tuple(jobs)), send=outcomes.append,
                              run_trial=run_job)
    assert [o["status"] for o in outcomes] == ["completed", "completed"]
    summary = json.loads((Path(jobs[0].run_dir) / "summary.json").read_text())
    assert summary["executor"] == "local"
    assert summary["population_fallback"] == \
        "stacked differs (simulated); replicated differs (simulated)"


def test_trials_after_a_stopped_one_are_answered_stopped_not_started(tmp_path, monkeypatch):
    from adamctl.population import PopulationJob, shadow, worker
    from adamctl.sweep.local import TrialJob

    monkeypatch.setattr(shadow, "shadow_compare",
                        lambda engine, alone, steps, timings: f"{engine.name} differs (simulated)")
    jobs = [TrialJob(f"t{i}", str(tmp_path / f"t{i}"),
                     _resolved(merge(TINY, {"optimizer": {"beta_2": b}})))
            for i, b in enumerate((0.9, 0.99, 0.999))]
    started: list[str] = []

    def interrupted_at_once(trial):  # the first trial alone is stopped by a signal
        started.append(trial.trial_id)
        return {"trial": trial.trial_id, "status": "interrupted", "error": "SIGTERM",
                "summary": None}

    outcomes: list[dict] = []
    worker.run_population_job(PopulationJob(tuple(jobs)), send=outcomes.append,
                              run_trial=interrupted_at_once)
    assert started == ["t0"]
    assert [(o["trial"], o["status"]) for o in outcomes] == \
        [("t0", "interrupted"), ("t1", "stopped"), ("t2", "stopped")]
