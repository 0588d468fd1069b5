"""The configs shipped in configs/ are valid, and do what the README says they do."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from adamctl.cli import cli

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml")))
def test_shipped_config_validates(name):
    result = CliRunner().invoke(cli, ["validate", str(CONFIGS / name)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_adam_reference_sets_every_adam_argument():
    import yaml

    from adamctl.core import ADAM_DEFAULTS

    written = yaml.safe_load((CONFIGS / "adam-reference.yaml").read_text())["optimizer"]
    assert set(ADAM_DEFAULTS) <= set(written)


@pytest.mark.slow
@pytest.mark.parametrize("name, metric, at_least", [
    pytest.param("quickstart.yaml", "val_accuracy", 0.75, id="quickstart"),
    # The README states the digits CNN's validation accuracy (~0.975 with seed 0).
    pytest.param("digits.yaml", "val_accuracy", 0.95, id="digits"),
])
def test_shipped_config_trains_to_what_the_readme_says(tmp_path, name, metric, at_least):
    result = CliRunner().invoke(cli, ["train", str(CONFIGS / name), "--run-dir",
                                      str(tmp_path / "run"), "-q"], catch_exceptions=False)
    assert result.exit_code == 0
    with (tmp_path / "run" / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert float(rows[-1][metric]) >= at_least


@pytest.mark.slow
def test_readme_quotes_the_digits_runs_final_and_best_accuracy(tmp_path):
    # Bit-exact on CPU, so the README's four digits are what a user's run gives;
    # the final value and the best epoch's are labelled, not confused.
    result = CliRunner().invoke(cli, ["train", str(CONFIGS / "digits.yaml"), "--run-dir",
                                      str(tmp_path / "run"), "-q"], catch_exceptions=False)
    assert result.exit_code == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    final, best = summary["final"]["val_accuracy"], summary["best"]["val_accuracy"]
    readme = " ".join((CONFIGS.parent / "README.md").read_text().split())
    assert f"{final:.4f} after the last epoch" in readme
    assert f"{best['value']:.4f} at its best epoch, {best['epoch']}" in readme
