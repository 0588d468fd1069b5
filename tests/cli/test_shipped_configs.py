"""The configs shipped in configs/ are valid, and do what the README says they do."""

from __future__ import annotations

import csv
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
    # The README states the digits CNN's validation accuracy (~0.98 with seed 0).
    pytest.param("digits.yaml", "val_accuracy", 0.95, id="digits"),
])
def test_shipped_config_trains_to_what_the_readme_says(tmp_path, name, metric, at_least):
    result = CliRunner().invoke(cli, ["train", str(CONFIGS / name), "--run-dir",
                                      str(tmp_path / "run"), "-q"], catch_exceptions=False)
    assert result.exit_code == 0
    with (tmp_path / "run" / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert float(rows[-1][metric]) >= at_least
