"""``adamctl report`` on sweep and run directories written by the store's own writers."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from adamctl.cli import cli
from adamctl.store import RunDir
from tests.report.sweeps import write_run, write_sweep


def _report(*args: str):
    result = CliRunner().invoke(cli, ["report", *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _json(*args: str) -> dict:
    return json.loads(_report(*args, "--format", "json").stdout)


def test_an_accuracy_metric_puts_the_highest_first(tmp_path):
    sweep = write_sweep(tmp_path / "s", [0.5, 0.7, 0.9])  # the sweep's own metric: val_loss, min
    shown = _json(sweep.root, "--metric", "val_accuracy")
    means = [row["val_accuracy_mean"] for row in shown["rows"]]
    assert shown["mode"] == "max" and means == sorted(means, reverse=True)
    table = _report(sweep.root, "--metric", "val_accuracy").stdout
    assert "higher is better" in table


def test_mode_overrides_the_direction_a_metric_implies(tmp_path):
    sweep = write_sweep(tmp_path / "s", [0.5, 0.7, 0.9])
    shown = _json(sweep.root, "--metric", "val_accuracy", "--mode", "min")
    means = [row["val_accuracy_mean"] for row in shown["rows"]]
    assert shown["mode"] == "min" and means == sorted(means)


def test_the_sweep_metric_keeps_the_sweep_mode(tmp_path):
    sweep = write_sweep(tmp_path / "s", [0.5, 0.7, 0.9], metric="val_accuracy", mode="min")
    assert _json(sweep.root)["mode"] == "min"


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_printing_a_report_writes_nothing(tmp_path, fmt):
    sweep = write_sweep(tmp_path / "s", [0.5, 0.7])
    run = sweep.trial("p000-s0")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    _report(sweep.root, "--format", fmt, "--metric", "val_accuracy")
    _report(run.root, "--format", fmt)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_write_rewrites_the_report_and_plots_for_the_chosen_metric(tmp_path):
    sweep = write_sweep(tmp_path / "s", [0.5, 0.7])
    result = _report(sweep.root, "--metric", "val_accuracy", "--write", "--format", "json")
    report = sweep.report_path.read_text()
    assert "sorted by final val_accuracy (higher is better)" in report
    assert sweep.curves_path.stat().st_size > 0
    assert f"wrote {sweep.report_path}" in result.stderr
    assert json.loads(result.stdout)["metric"] == "val_accuracy"


def test_json_keys_are_snake_case_and_the_object_says_what_it_is(tmp_path):
    sweep = write_sweep(tmp_path / "s", [0.5, 0.7], seeds=(0, 1))
    shown = _json(sweep.root)
    assert {k: shown[k] for k in ("kind", "metric", "mode")} == \
        {"kind": "sweep", "metric": "val_loss", "mode": "min"}
    assert set(shown["rows"][0]) == {"optimizer.beta_1", "val_loss_mean", "val_loss_std", "seeds",
                                     "status"}
    markdown = _report(sweep.root, "--format", "markdown").stdout
    assert markdown.startswith("| optimizer.beta_1 | val_loss mean | val_loss std | seeds |")


def test_points_with_no_completed_trial_are_listed_last_with_their_status(tmp_path):
    sweep = write_sweep(tmp_path / "s", [0.5, 0.7, 0.9], seeds=(0, 1),
                        status=lambda point, seed: "diverged" if point == 2 else "completed")
    rows = _json(sweep.root)["rows"]
    assert [row["optimizer.beta_1"] for row in rows] == [0.7, 0.5, 0.9]
    assert rows[-1] == {"optimizer.beta_1": 0.9, "val_loss_mean": None, "val_loss_std": None,
                        "seeds": 0, "status": "2 diverged"}
    assert "2 diverged" in _report(sweep.root).stdout


def test_interrupted_trials_are_shown_as_such_with_how_to_resume(tmp_path):
    sweep = write_sweep(tmp_path / "s", [0.5, 0.7], seeds=(0, 1),
                        status=lambda point, seed: "interrupted" if seed == 1 else "completed")
    rows = _json(sweep.root)["rows"]
    assert {row["status"] for row in rows} == {"1 completed, 1 interrupted"}
    _report(sweep.root, "--write")
    report = sweep.report_path.read_text()
    assert "- p000-s1: interrupted\n" in report
    assert f"`adamctl sweep --resume {sweep.root}` continues interrupted trials" in report


def test_a_run_with_no_completed_epoch_says_so(tmp_path):
    run = write_run(RunDir(tmp_path / "r"), [], status="diverged", diverged_at_step=2,
                    error="loss became nan at step 2")
    assert _json(run.root) == {"kind": "run", "path": str(run.root), "status": "diverged",
                               "note": "no epoch completed; diverged at step 2", "rows": []}
    table = _report(run.root).stdout
    assert "no epoch completed; diverged at step 2" in table and "┏" not in table
    assert not _report(run.root, "--write").stderr  # nothing to plot: nothing written
    assert not run.curves_path.exists()


def test_a_run_report_shows_its_status(tmp_path):
    run = write_run(RunDir(tmp_path / "r"), [{"loss": 1.0, "val_loss": 1.1}], status="interrupted")
    shown = _json(run.root)
    assert shown["status"] == "interrupted" and [r["epoch"] for r in shown["rows"]] == [1]
    assert "(interrupted)" in _report(run.root).stdout


def test_write_draws_a_single_runs_curves(tmp_path):
    run = write_run(RunDir(tmp_path / "r"), [{"loss": 1.0, "val_loss": 1.1, "learning_rate": 0.01}])
    result = _report(run.root, "--write")
    assert f"wrote {run.curves_path}" in result.stderr
    assert run.curves_path.read_bytes().startswith(b"\x89PNG")
