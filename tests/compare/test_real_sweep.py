"""compare() on the results.csv and metrics.csv of a real sweep of configs/quickstart.yaml."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adamctl.compare import compare, plots

ROOT = Path(__file__).resolve().parents[2]
KEY = "optimizer.epsilon"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    sweep_dir = tmp_path_factory.mktemp("compare") / "sweep"
    command = [shutil.which("adamctl") or "adamctl", "sweep", str(ROOT / "configs/quickstart.yaml"),
               "--grid", f"{KEY}=1e-8,1e-4,1e-1", "--seeds", "5", "--set", "training.epochs=1",
               "--workers", "2", "--sweep-dir", str(sweep_dir), "-q"]
    process = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert process.returncode == 0, process.stderr
    results = pd.read_csv(sweep_dir / "results.csv")
    curves = {t: pd.read_csv(sweep_dir / "trials" / t / "metrics.csv") for t in results["trial"]}
    return results, curves


@pytest.mark.slow
def test_deltas_are_per_seed_differences_from_results_csv(sweep):
    results, _ = sweep
    payload = compare(results, metric="val_loss").to_json()
    table = results.pivot(index="seed", columns=KEY, values="final_val_loss")
    base = table[payload["baseline"][KEY]]
    for arm in payload["arms"]:
        column = table[arm["point"][KEY]]
        assert arm["n"] == 5 and arm["diverged"] == 0
        assert arm["delta"] == pytest.approx(np.mean(column - base), rel=1e-12, abs=1e-15)
        assert arm["delta_ci_low"] <= arm["delta"] <= arm["delta_ci_high"]
        assert arm["tied_with_best"] == (arm["delta_ci_low"] <= 0 <= arm["delta_ci_high"])
        assert arm["ci_low"] <= arm["mean"] <= arm["ci_high"]


@pytest.mark.slow
def test_time_to_target_and_curves_from_metrics_csv(sweep, tmp_path):
    results, curves = sweep
    target = float(results["final_val_accuracy"].median())
    result = compare(results, curves, metric="val_accuracy", target=target)
    for row in result.arms:
        finals = results.loc[results["point"] == row.arm.point_id, "final_val_accuracy"]
        assert row.target.reached == int((finals >= target).sum())  # one epoch: reach = final
    path = plots.curves_plot(result, curves, tmp_path / "curves.png")
    assert path is not None and path.stat().st_size > 0
