"""``adamctl compare`` on sweep and run directories written by the store's writers."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from adamctl.cli import cli
from adamctl.store import RunDir, SweepDir
from tests.compare.helpers import PAIRED
from tests.compare.sweepdirs import KEY, STEPS_PER_EPOCH, curve_values, write_run, write_sweep


def invoke(*args: str):
    return CliRunner().invoke(cli, ["compare", *map(str, args)])


@pytest.fixture
def sweep(tmp_path) -> SweepDir:
    return write_sweep(tmp_path / "sweep", PAIRED)


def as_json(*args) -> dict:
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_json_deltas_are_mean_per_seed_differences_to_the_best(sweep):
    payload = as_json(sweep.root)
    assert payload["metric"] == "val_loss" and payload["mode"] == "min"
    assert payload["baseline"] == {KEY: 1e-8}  # lowest mean of PAIRED
    for arm in payload["arms"]:
        differences = np.subtract(PAIRED[arm["point"][KEY]], PAIRED[1e-8])
        assert arm["n"] == 5 and arm["diverged"] == 0
        assert arm["mean"] == pytest.approx(np.mean(PAIRED[arm["point"][KEY]]))
        assert arm["delta"] == pytest.approx(differences.mean())
        assert arm["delta_ci_low"] <= arm["delta"] <= arm["delta_ci_high"]
        assert arm["tied_with_best"] == (arm["delta_ci_low"] <= 0 <= arm["delta_ci_high"])
    documented = {"point", "n", "mean", "ci_low", "ci_high", "delta", "delta_ci_low",
                  "delta_ci_high", "p_better", "p_value", "tied_with_best", "diverged"}
    assert all(documented <= set(arm) for arm in payload["arms"])
    assert "steps_to_target" not in payload["arms"][0]


def test_baseline_option_moves_the_reference_and_keeps_ties_to_the_best(sweep):
    payload = as_json(sweep.root, "--baseline", f"{KEY}=1e-4")
    assert payload["baseline"] == {KEY: 1e-4} and payload["best"] == {KEY: 1e-8}
    by_point = {arm["point"][KEY]: arm for arm in payload["arms"]}
    assert by_point[1e-4]["delta"] == 0 and by_point[1e-4]["p_value"] is None
    expected = np.mean(np.subtract(PAIRED[1e-1], PAIRED[1e-4]))
    assert by_point[1e-1]["delta"] == pytest.approx(expected)
    assert by_point[1e-8]["tied_with_best"] is True


def test_table_shows_every_arm_the_tie_mark_and_the_notes(sweep):
    result = invoke(sweep.root)
    assert result.exit_code == 0, result.output
    for label in ("optimizer.epsilon=1e-08 (baseline)", "optimizer.epsilon=0.0001",
                  "optimizer.epsilon=0.1"):
        assert label in result.output
    assert "tied w/ best" in result.output and "P(better)" in result.output
    floor = "Note: with 5 paired seeds the smallest possible sign-flip p-value is 0.0625"
    assert floor in result.output


def test_markdown_is_a_table_then_the_footer(sweep):
    result = invoke(sweep.root, "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("| arm | n | val_loss mean | 95% CI | delta | delta CI |")
    assert sum(line.startswith("| optimizer.epsilon=") for line in lines) == 3
    assert any(line.startswith("*: tied with the best arm") for line in lines)


def test_csv_has_one_numeric_row_per_arm_best_first(sweep):
    result = invoke(sweep.root, "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.output))
    assert list(frame[KEY]) == [1e-8, 1e-4, 1e-1]
    assert frame.loc[2, "delta"] == pytest.approx(np.mean(np.subtract(PAIRED[1e-1], PAIRED[1e-8])))
    assert {"p_value", "p_better", "tied_with_best", "ci_low", "ci_high"} <= set(frame.columns)


def test_a_diverged_seed_is_counted_in_the_table_and_the_json(tmp_path):
    arms = {1e-8: PAIRED[1e-8], 1e-1: [0.9, math.nan, 0.97, 0.91, 0.99]}
    sweep = write_sweep(tmp_path / "s", arms)
    payload = as_json(sweep.root)
    lost = next(a for a in payload["arms"] if a["point"][KEY] == 1e-1)
    assert lost["n"] == 4 and lost["diverged"] == 1 and lost["diverged_seeds"] == [1]
    table = invoke(sweep.root, "--format", "markdown").output
    assert "| optimizer.epsilon=0.1 | 4 (1 diverged) |" in table


def test_target_gives_the_median_first_step_reaching_it(sweep):
    target = 0.7  # curves fall by 0.1 per epoch to the final value
    payload = as_json(sweep.root, "--target", target)
    assert payload["target"] == target
    for arm in payload["arms"]:
        steps = []
        for final in PAIRED[arm["point"][KEY]]:
            hits = [i for i, v in enumerate(curve_values(final), 1) if v <= target]
            steps.append(hits[0] * STEPS_PER_EPOCH if hits else math.inf)
        median = float(np.median(steps))
        assert arm["steps_to_target"] == (median if math.isfinite(median) else None)
    table = invoke(sweep.root, "--target", target, "--format", "markdown").output
    assert "steps to target" in table.splitlines()[0]


def test_several_runs_and_a_sweep_are_arms_paired_by_seed(tmp_path, sweep):
    values = [0.58, 0.64]  # a run of seed 0 and one of seed 1, both behind the sweep's best
    runs = []
    for seed, value in enumerate(values):
        run = RunDir(tmp_path / f"run{seed}")
        write_run(run, seed, value)
        runs.append(run.root)
    payload = as_json(*runs, sweep.root, "--baseline", "source=run0")
    assert payload["baseline"]["source"] == "run0"
    assert payload["best"] == {"source": "sweep", KEY: 1e-8}
    arms = {(a["point"]["source"], a["point"][KEY]): a for a in payload["arms"]}
    assert set(arms) == {("run0", None), ("run1", None), ("sweep", 1e-8), ("sweep", 1e-4),
                         ("sweep", 1e-1)}
    # run0 has one seed: against it every delta is the unpaired difference of means.
    assert arms[("sweep", 1e-4)]["delta"] == pytest.approx(np.mean(PAIRED[1e-4]) - values[0])
    assert arms[("run1", None)]["delta"] == pytest.approx(values[1] - values[0])
    assert arms[("run1", None)]["n"] == 1 and arms[("run1", None)]["tied_with_best"] is None


def test_two_sweeps_pair_their_points_by_seed(tmp_path, sweep):
    other = write_sweep(tmp_path / "other", {1e-8: [0.49, 0.62, 0.54, 0.57, 0.50]})
    payload = as_json(sweep.root, other.root, "--baseline", "source=other")
    arm = next(a for a in payload["arms"] if a["point"] == {"source": "sweep", KEY: 1e-8})
    expected = np.mean(np.subtract(PAIRED[1e-8], [0.49, 0.62, 0.54, 0.57, 0.50]))
    assert arm["paired"] and arm["n_pairs"] == 5 and arm["delta"] == pytest.approx(expected)


def test_profiles_across_sweeps_of_different_workloads(tmp_path):
    # Workload A: 1e-8 reaches 0.7 at step 20 on every seed, 1e-1 never.
    # Workload B: 1e-8 at step 30, 1e-1 at step 10.
    first = write_sweep(tmp_path / "a", {1e-8: [0.6, 0.6, 0.6], 1e-1: [0.9, 0.9, 0.9]})
    second = write_sweep(tmp_path / "b", {1e-8: [0.7, 0.7, 0.7], 1e-1: [0.5, 0.5, 0.5]},
                         data={"source": "digits"})
    payload = as_json(first.root, second.root, "--target", 0.7)
    assert payload["workloads"] == ["a", "b"] and payload["r_max"] == 4
    settings = {s["setting"]: s for s in payload["settings"]}
    small, large = settings[f"{KEY}=1e-08"], settings[f"{KEY}=0.1"]
    assert small["steps_to_target"] == {"a": 20.0, "b": 30.0}
    assert large["steps_to_target"] == {"a": None, "b": 10.0}
    # score = mean over workloads of max(0, 4 - r) / 3 (AlgoPerf, integrated to r_max = 4)
    assert small["score"] == pytest.approx((3 / 3 + (4 - 3) / 3) / 2)
    assert large["score"] == pytest.approx((0 + 3 / 3) / 2)
    table = invoke(first.root, second.root, "--target", 0.7)
    assert table.exit_code == 0 and "score" in table.output


def test_plots_option_writes_every_figure(sweep, tmp_path):
    result = invoke(sweep.root, "--plots", tmp_path / "figs")
    assert result.exit_code == 0, result.output
    for name in ("sensitivity.png", "heatmap.png", "curves.png", "tuning.png"):
        assert (tmp_path / "figs" / name).stat().st_size > 0


@pytest.mark.parametrize("args, message", [
    pytest.param(["--metric", "val_auc"], "metric 'val_auc' is not in the results; choose one "
                 "of: loss, val_accuracy, val_loss", id="unknown-metric"),
    pytest.param(["--baseline", f"{KEY}=0.5"], "baseline optimizer.epsilon=0.5 matches no arm; "
                 "arms: optimizer.epsilon=1e-08; optimizer.epsilon=0.0001; optimizer.epsilon=0.1",
                 id="unknown-baseline"),
    pytest.param(["--baseline", "optimizer.beta_1=0.9"], "baseline key 'optimizer.beta_1' is "
                 "not swept; swept keys: optimizer.epsilon", id="unswept-baseline-key"),
])
def test_bad_choices_exit_2_naming_what_is_allowed(sweep, args, message, tmp_path):
    result = invoke(sweep.root, *args, "--plots", tmp_path / "figs")
    assert result.exit_code == 2
    assert result.output == f"error: {message}\n"
    assert not (tmp_path / "figs").exists()


def test_a_directory_that_is_neither_run_nor_sweep_exits_2(tmp_path):
    result = invoke(tmp_path)
    assert result.exit_code == 2
    assert result.output.strip().endswith(
        f"{tmp_path} is neither a run directory (summary.json) nor a sweep directory (sweep.yaml)")
    assert len(result.output.strip().splitlines()) == 1


def test_a_missing_path_exits_2(tmp_path):
    result = invoke(tmp_path / "nowhere")
    assert result.exit_code == 2 and "does not exist" in result.output


def test_a_sweep_without_results_exits_2(tmp_path):
    sweep = SweepDir(tmp_path / "empty")
    sweep.create({"name": "x", "metric": "val_loss", "mode": "min", "grid": {KEY: [1e-8]},
                  "seeds": [0], "trials": [], "base": {}})
    result = invoke(sweep.root)
    assert result.exit_code == 2
    assert "has no trial results yet" in result.output
    assert not list((tmp_path / "empty").glob("*.png"))
