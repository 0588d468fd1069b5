"""``--budget`` on a grid sweep: no trial starts after it, and resume runs the rest."""

from __future__ import annotations

import pytest

import adamctl.sweep

pytestmark = pytest.mark.slow


def test_a_spent_budget_leaves_the_grid_pending_for_resume(write_config, tmp_path):
    config = write_config({"training": {"epochs": 1}})
    plan, where = adamctl.sweep.prepare(config, grid_options=["optimizer.beta_1=0.8,0.9"],
                                        sweep_dir=tmp_path / "g")
    outcome = adamctl.sweep.start(plan, where, workers=1, budget_s=0)
    assert list(outcome.results["status"]) == ["pending", "pending"]
    assert not (where.root / "trials").exists()
    resumed = adamctl.sweep.resume(where.root, workers=1)
    assert list(resumed.results["status"]) == ["completed", "completed"]
