"""``adamctl compare`` and report.md on a real sweep of configs/quickstart.yaml over epsilon."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
KEY = "optimizer.epsilon"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("compare-cli") / "sweep"
    process = run_cli("sweep", str(ROOT / "configs/quickstart.yaml"),
                      "--grid", f"{KEY}=1e-8,1e-4,1e-1", "--seeds", "5",
                      "--set", "training.epochs=1", "--set", "data.samples=512",
                      "--workers", "2", "--sweep-dir", str(where), "-q", cwd=ROOT)
    assert process.returncode == 0, process.stderr
    return where


def test_json_deltas_are_mean_per_seed_differences_from_results_csv(sweep_dir):
    process = run_cli("compare", str(sweep_dir), "--format", "json", cwd=ROOT)
    assert process.returncode == 0, process.stderr
    payload = json.loads(process.stdout)
    table = pd.read_csv(sweep_dir / "results.csv").pivot(index="seed", columns=KEY,
                                                         values="final_val_loss")
    base = table[payload["baseline"][KEY]]
    assert len(payload["arms"]) == 3
    for arm in payload["arms"]:
        per_seed = table[arm["point"][KEY]] - base
        assert arm["n"] == 5 and arm["diverged"] == 0
        assert arm["delta"] == pytest.approx(np.mean(per_seed), rel=1e-12, abs=1e-15)
        assert arm["delta_ci_low"] <= arm["delta"] <= arm["delta_ci_high"]
        assert arm["tied_with_best"] == (arm["delta_ci_low"] <= 0 <= arm["delta_ci_high"])
        assert arm["ci_low"] <= arm["mean"] <= arm["ci_high"]
    assert payload["best"] == payload["baseline"]  # no --baseline: the best arm


def test_report_md_opens_with_the_protocol_and_shows_the_plots(sweep_dir):
    text = (sweep_dir / "report.md").read_text()
    assert text.startswith("# Sweep quickstart\n\n**Protocol**\n\n- Search space: "
                           f"`{KEY}` in {{1e-08, 0.0001, 0.1}}\n")
    for item in ("- Budget: trials 15, epochs per trial 1", "- Seeds: 5 per point (0, 1, 2, 3, 4)",
                 "- Selection rule: ", "- Epsilon convention: `epsilon_mode=hat`",
                 "- Versions: adamctl "):
        assert f"\n{item}" in text
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert figures == ["sensitivity.png", "heatmap.png", "curves.png", "tuning.png"]
    for name in figures:
        assert (sweep_dir / name).stat().st_size > 0
    assert f"| {KEY}=1e-08 " in text and "tied w/ best" in text
