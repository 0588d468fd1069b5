"""A loss or metric Keras knows by name but cannot apply to the outputs and the targets.

``mse`` on class ids against one logit per class, or ``auc`` on three
classes, passes every name check and used to fail Keras's first trace with
a bare ``ValueError``: exit 1, no key named. `train` must refuse it with
exit 2, one line naming the key and the value, and no run directory.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from adamctl.cli import cli
from tests.helpers import TINY, merge as _merge

CASES = [
    pytest.param({"model": {"loss": "mse"}}, "model.loss = 'mse'", id="mse-on-classes"),
    pytest.param({"model": {"loss": "binary_crossentropy"}}, "model.loss = 'binary_crossentropy'",
                 id="binary-on-three-classes"),
    pytest.param({"model": {"metrics": ["accuracy", "auc"]}}, "model.metrics[1] = 'auc'",
                 id="auc-on-three-classes"),
    pytest.param({"model": {"metrics": ["f1_score"]}}, "model.metrics[0] = 'f1_score'",
                 id="f1-on-class-ids"),
]


@pytest.mark.parametrize("extra, named", CASES)
def test_train_refuses_a_loss_or_metric_that_does_not_fit_the_targets(
        tmp_path: Path, extra: dict, named: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(_merge(TINY, extra)))
    run = tmp_path / "run"
    result = CliRunner().invoke(cli, ["train", str(config), "--run-dir", str(run), "-q"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {config}: {named}: "), lines
    assert "Keras cannot apply it to this model's outputs, shape (None, 3)" in lines[0]
    assert not run.exists()
