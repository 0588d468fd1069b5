"""A second stop signal inside a population's step stops every member, whatever it comes out as."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import TINY, merge, sigterm_twice_under_a_native_call


@pytest.mark.slow
def test_a_second_signal_a_native_call_turns_into_another_error_interrupts_every_member(
        tmp_path, monkeypatch):
    """pybind11 replaces a KeyboardInterrupt raised under a native call by a RuntimeError; in
    a population, as in a separate run, that error after a second signal is the interrupt."""
    from adamctl.config import config_from_dict, config_to_dict
    from adamctl.population import PopulationJob, lockstep
    from adamctl.population.worker import run_population_job
    from adamctl.sweep.local import TrialJob, run_job

    one_step, calls = lockstep._one_step, []

    def signalled_twice_on_the_third_step(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            sigterm_twice_under_a_native_call()
        return one_step(*args, **kwargs)

    monkeypatch.setattr(lockstep, "_one_step", signalled_twice_on_the_third_step)
    jobs = [TrialJob(f"t{i}", str(tmp_path / f"t{i}"),
                     config_to_dict(config_from_dict(merge(TINY, {"optimizer": {"beta_2": b}}))))
            for i, b in enumerate((0.9, 0.99))]
    outcomes = []
    run_population_job(PopulationJob(tuple(jobs)), send=outcomes.append, run_trial=run_job)
    assert [o["status"] for o in outcomes] == ["interrupted", "interrupted"]
    for job in jobs:
        summary = json.loads((Path(job.run_dir) / "summary.json").read_text())
        assert summary["status"] == "interrupted" and summary["executor"] == "population"
        assert "SIGTERM" in summary["error"]
