"""The probe: what a population step gains over its members' separate steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adamctl.population.probe import Probe, probe_of
from tests.helpers import TINY, merge


def test_the_probe_gives_the_populations_throughput_over_separate_runs():
    probe = Probe(members=32, population_step_s=0.005, separate_step_s=0.003)
    assert probe.speedup == pytest.approx(32 * 0.003 / 0.005)
    assert probe.describe() == ("a step of 32 members took 5.00 ms, a separate run's 3.00 ms: "
                                "19.2x the throughput of separate runs")


def test_a_population_no_faster_than_its_separate_runs_shows_a_gain_of_at_most_one():
    assert Probe(members=4, population_step_s=0.040, separate_step_s=0.010).speedup == 1.0
    assert Probe(members=4, population_step_s=0.080, separate_step_s=0.010).speedup == 0.5


@pytest.mark.parametrize("separate, timings", [
    (None, {"population_step_s": 0.01}), (0.01, {"population_step_s": None}), (0.01, {})])
def test_no_probe_without_both_timings(separate, timings):
    assert probe_of(8, separate, timings) is None


def _population(tmp_path: Path, extras: list[dict]) -> list:
    from adamctl.config import config_from_dict, config_to_dict
    from adamctl.population import PopulationJob
    from adamctl.population.worker import run_population_job
    from adamctl.sweep.local import TrialJob, run_job

    jobs = [TrialJob(f"t{i}", str(tmp_path / "population" / f"t{i}"),
                     config_to_dict(config_from_dict(merge(TINY, extra))))
            for i, extra in enumerate(extras)]
    run_population_job(PopulationJob(tuple(jobs)), send=lambda outcome: None, run_trial=run_job)
    return [json.loads((Path(job.run_dir) / "summary.json").read_text()) for job in jobs]


@pytest.mark.slow
def test_the_population_records_its_measured_gain(tmp_path):
    summaries = _population(tmp_path, [{"optimizer": {"beta_2": b}} for b in (0.9, 0.99)])
    assert {s["executor"] for s in summaries} == {"population"}
    assert all("a step of 2 members took" in s["population_probe"] for s in summaries)
