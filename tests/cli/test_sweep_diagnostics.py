"""A real sweep with diagnostics: final epsilon dominance per trial and per arm, and the
beta_1 = sqrt(beta_2) boundary on its heatmap."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from adamctl.compare import compare_paths, plots
from adamctl.compare._beta_boundary import BOUNDARY_LABEL
from tests.helpers import TINY, merge, run_cli

pytestmark = pytest.mark.slow

EPSILON, EVERY = "optimizer.epsilon", "training.diagnostics_every"


def _sweep(where: Path, *args: str, extra: dict | None = None) -> Path:
    config = where / "config.yaml"
    config.write_text(yaml.safe_dump(merge(TINY, extra or {})))
    process = run_cli("sweep", str(config), *args, "--workers", "2",
                      "--sweep-dir", str(where / "sweep"), "-q", cwd=where)
    assert process.returncode == 0, process.stderr
    return where / "sweep"


@pytest.fixture(scope="module")
def epsilon_sweep(tmp_path_factory) -> Path:
    return _sweep(tmp_path_factory.mktemp("eps"), "--grid", f"{EPSILON}=10,1e-4",
                  "--grid", f"{EVERY}=2,null", "--seeds", "2")


def _last_all_row(trial: Path) -> float:
    table = pd.read_csv(trial / "diagnostics.csv")
    rows = table[table["variable"] == "all"]
    return float(rows.loc[rows["step"].idxmax(), "epsilon_dominated"])


def test_results_carry_each_trials_last_epsilon_dominance(epsilon_sweep):
    results = pd.read_csv(epsilon_sweep / "results.csv")
    assert len(results) == 8 and set(results["status"]) == {"completed"}
    for row in results.to_dict("records"):
        trial = epsilon_sweep / "trials" / row["trial"]
        if math.isnan(row[EVERY]):  # training.diagnostics_every: null
            assert not (trial / "diagnostics.csv").exists()
            assert math.isnan(row["epsilon_dominated"])
        else:
            assert row["epsilon_dominated"] == _last_all_row(trial)
    dominated = results[(results[EPSILON] == 10.0) & results[EVERY].notna()]["epsilon_dominated"]
    assert (dominated >= 0.99).all()


def test_summary_and_report_carry_the_mean_over_seeds_per_arm(epsilon_sweep):
    results = pd.read_csv(epsilon_sweep / "results.csv")
    summary = pd.read_csv(epsilon_sweep / "summary.csv").set_index("point")
    means = results.groupby("point")["epsilon_dominated"].mean()
    for point, row in summary.iterrows():
        if math.isnan(row[EVERY]):
            assert math.isnan(row["epsilon_dominated"])
        else:
            assert row["epsilon_dominated"] == pytest.approx(means[point], rel=1e-12)
    report = (epsilon_sweep / "report.md").read_text()
    header = next(line for line in report.splitlines() if line.startswith(f"| {EPSILON} |"))
    assert "| epsilon_dominated |" in header
    small = summary[(summary[EPSILON] == 1e-4) & summary[EVERY].notna()]["epsilon_dominated"].item()
    assert small < 0.99
    assert any(line.startswith("| 0.0001 | 2 |") and f"| {small:.4g} |" in line
               for line in report.splitlines())


def test_beta_heatmap_of_a_real_sweep_draws_the_boundary_through_the_cells_on_it(tmp_path):
    sweep = _sweep(tmp_path, "--grid", "optimizer.beta_1=0.9,0.99",
                   "--grid", "optimizer.beta_2=0.81,0.9801", extra={"training": {"epochs": 1}})
    assert (sweep / "heatmap.png").stat().st_size > 0
    figure = plots.heatmap_figure(compare_paths([sweep]).comparison)
    axes = figure.axes[0]
    line, = [line for line in axes.get_lines() if line.get_label() == BOUNDARY_LABEL]
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    # (0.9, 0.81) and (0.99, 0.9801) lie on beta_1 = sqrt(beta_2): the diagonal cells' centres.
    assert np.interp([0.0, 1.0], x, y) == pytest.approx([0.0, 1.0], abs=1e-9)
    assert [t.get_text() for t in axes.get_legend().get_texts()] == [BOUNDARY_LABEL]
