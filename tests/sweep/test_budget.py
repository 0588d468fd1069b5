"""``--budget`` on a grid sweep: no trial starts after it, running ones stop at a checkpoint,
and resume runs the rest."""

from __future__ import annotations

import pandas as pd
import yaml
import pytest

import adamctl.sweep
from adamctl.errors import Interrupted
from tests.helpers import run_cli

pytestmark = pytest.mark.slow


def test_a_spent_budget_leaves_the_grid_pending_for_resume(write_config, tmp_path):
    config = write_config({"training": {"epochs": 1}})
    plan, where = adamctl.sweep.prepare(config, grid_options=["optimizer.beta_1=0.8,0.9"],
                                        sweep_dir=tmp_path / "g")
    with pytest.raises(Interrupted, match="2 trial.s. unfinished .0 stopped at a checkpoint, "
                       "2 not started.") as stopped:
        adamctl.sweep.start(plan, where, workers=1, budget_s=0)
    assert stopped.value.exit_code == 124
    assert list(pd.read_csv(where.results_path)["status"]) == ["pending", "pending"]
    assert not (where.root / "trials").exists()
    resumed = adamctl.sweep.resume(where.root, workers=1)
    assert list(resumed.results["status"]) == ["completed", "completed"]


def test_a_spent_budget_stops_the_running_trial_at_a_checkpoint(write_config, tmp_path):
    # A trial of 2,000 epochs runs far past a 15 s budget (a few seconds go to starting the worker).
    config = write_config({"training": {"epochs": 2000, "checkpoint_every": 1}})
    sweep = tmp_path / "b"
    result = run_cli("sweep", str(config), "--grid", "optimizer.beta_1=0.8,0.9", "--workers", "1",
                     "--budget", "15s", "--sweep-dir", str(sweep), "-q", cwd=tmp_path)
    assert result.returncode == 124, result.stderr
    assert "the --budget ran out with 2 trial(s) unfinished (1 stopped at a checkpoint, " \
           "1 not started)" in result.stderr
    assert f'continue with "adamctl sweep --resume {sweep}"' in result.stderr
    results = pd.read_csv(sweep / "results.csv")
    assert list(results["status"]) == ["interrupted", "pending"]
    trial = adamctl.sweep.SweepDir(sweep).trial("p000-s3")
    assert trial.checkpoint_dirs()
    assert yaml.safe_load(trial.summary_path.read_text())["status"] == "interrupted"
