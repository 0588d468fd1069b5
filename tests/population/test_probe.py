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


def test_a_population_pays_unless_measured_clearly_slower_than_separate_runs():
    from adamctl.population.probe import PAYS_AT

    assert Probe(members=4, population_step_s=0.040, separate_step_s=0.010).pays
    slower = Probe(members=4, population_step_s=0.040 / (PAYS_AT * 0.99), separate_step_s=0.010)
    assert slower.speedup < PAYS_AT and not slower.pays


def test_the_fastest_timed_step_is_the_probes_time():
    from adamctl.population.probe import fastest

    assert fastest([0.004, 0.0021, 0.003]) == 0.0021
    assert fastest([]) is None


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


@pytest.mark.slow
def test_a_population_the_probe_finds_slower_trains_its_trials_as_separate_runs(
        tmp_path, monkeypatch):
    """No population reaches an infinite bar: every trial runs alone, as the local executor
    runs it, and says why; the results are those of the local executor."""
    from adamctl.population import probe
    from tests.helpers import h5_arrays

    monkeypatch.setattr(probe, "PAYS_AT", float("inf"))
    extras = [{"optimizer": {"beta_2": b}} for b in (0.9, 0.99)]
    summaries = _population(tmp_path, extras)
    assert [s["executor"] for s in summaries] == ["local", "local"]
    assert all(s["population_fallback"].startswith("the probe found separate runs faster: "
                                                   "a step of 2 members took")
               for s in summaries)
    monkeypatch.setattr(probe, "PAYS_AT", 0.0)
    together = _population(tmp_path / "together", extras)
    assert [s["executor"] for s in together] == ["population", "population"]
    for index in range(2):
        alone = h5_arrays(tmp_path / "population" / f"t{index}" / "model.weights.h5")
        pooled = h5_arrays(tmp_path / "together" / "population" / f"t{index}" / "model.weights.h5")
        assert [a.tobytes() for a in alone] == [b.tobytes() for b in pooled]
