"""`adamctl inspect`: what a checkpoint holds, with Adam's slots matched to their variables."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from adamctl.cli import cli
from adamctl.store.checkpoint import read_checkpoint
from adamctl.store.rundir import RunDir


def test_inspect_a_run_shows_norms_of_weights_and_slots(write_config, tmp_path):
    config = write_config({"optimizer": {"amsgrad": True}})
    run_dir = tmp_path / "run"
    assert CliRunner().invoke(cli, ["train", str(config), "--run-dir", str(run_dir), "-q"],
                              catch_exceptions=False).exit_code == 0
    result = CliRunner().invoke(cli, ["inspect", str(run_dir), "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    description = json.loads(result.stdout)
    newest = RunDir(run_dir).checkpoint_dirs()[-1]
    assert description["checkpoint"] == str(newest)
    assert description["step"] == 12 and description["epoch"] == 2
    assert description["optimizer"]["amsgrad"] is True
    data = read_checkpoint(newest)
    # The first hidden layer's kernel (8 features -> 16 units). Layer names are
    # numbered by Keras per process (dense, dense_1, ...), so match by shape.
    kernels = [row for row in description["variables"]
               if row["path"].endswith("/kernel") and row["shape"] == [8, 16]]
    assert len(kernels) == 1
    kernel = kernels[0]
    slot = kernel["path"].replace("/", "_")  # Keras names slots after the variable's path
    momentum = next(e.array for e in data.optimizer if e.path.endswith(f"{slot}_momentum"))
    v_hat = next(e.array for e in data.optimizer if e.path.endswith(f"{slot}_velocity_hat"))
    assert kernel["momentum_norm"] == float(np.linalg.norm(momentum.astype(np.float64)))
    assert kernel["velocity_hat_norm"] == float(np.linalg.norm(v_hat.astype(np.float64)))

    table = CliRunner().invoke(cli, ["inspect", str(newest)], catch_exceptions=False)
    assert "velocity_hat" in table.stdout and "step 12, epoch 2" in table.stdout


def test_inspect_of_a_plain_directory_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["inspect", str(tmp_path)])
    assert result.exit_code == 2
    assert "is neither a checkpoint nor a run directory" in result.stderr
