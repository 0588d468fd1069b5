"""``device: gpu:N`` and ``sweep --gpus``: checked before anything is written, pinned per worker."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from adamctl.cli import cli
from adamctl.sweep.local import worker_gpu
from tests.helpers import run_cli

NO_GPU = pytest.mark.skipif(shutil.which("nvidia-smi") is not None,
                            reason="this machine has a GPU: the no-GPU refusal cannot happen here")


@NO_GPU
def test_gpu_n_without_a_gpu_exits_2_before_the_run_directory(write_config, tmp_path):
    config = write_config({"device": "gpu:1"})
    result = run_cli("train", str(config), "--run-dir", "runs/x", cwd=tmp_path)
    assert result.returncode == 2
    assert "device = 'gpu:1': no GPU is visible to the backend" in result.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("device", ["gpu:", "gpu:x", "gpu:-1", "GPU:0", "tpu"])
def test_malformed_device_names_key_value_and_what_is_allowed(write_config, device):
    result = CliRunner().invoke(cli, ["validate", str(write_config({"device": device}))])
    assert result.exit_code == 2
    assert f"device = {device!r}: must be auto, cpu, gpu, or gpu:N" in result.output


def test_gpu_n_is_a_valid_device(write_config):
    result = CliRunner().invoke(cli, ["validate", str(write_config({"device": "gpu:3"}))])
    assert result.exit_code == 0, result.output
    assert "device: gpu:3" in result.output


def test_workers_are_pinned_round_robin_over_the_gpus():
    assert [worker_gpu(i, (0, 1)) for i in range(4)] == [0, 1, 0, 1]
    assert worker_gpu(0, ()) is None


@pytest.mark.parametrize("value, problem", [("0,0", "names a GPU twice"),
                                            ("0,a", "is not a list of GPU indices")])
def test_bad_gpus_option_exits_2_naming_it(write_config, value, problem):
    result = CliRunner().invoke(cli, ["sweep", str(write_config()), "--gpus", value])
    assert result.exit_code == 2
    assert "--gpus" in result.output and problem in result.output


def test_gpus_with_ray_is_refused(write_config, tmp_path):
    result = CliRunner().invoke(cli, ["sweep", str(write_config()), "--grid",
                                      "optimizer.beta_1=0.8,0.9", "--gpus", "0",
                                      "--executor", "ray", "--sweep-dir", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "--gpus pins local workers" in result.output
    assert not (tmp_path / "s").exists()


@pytest.mark.slow
def test_each_local_worker_sees_only_its_gpu(write_config, tmp_path):
    config = write_config({"training": {"epochs": 1}})
    result = run_cli("sweep", str(config), "--grid", "optimizer.learning_rate=0.01,0.02",
                     "--gpus", "0,1", "--sweep-dir", "sw", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    seen = sorted(
        json.loads(path.read_text())["provenance"]["cuda_visible_devices"]
        for path in (tmp_path / "sw" / "trials").glob("*/summary.json")
    )
    assert seen == ["0", "1"]


@pytest.mark.gpu
@pytest.mark.skipif(shutil.which("nvidia-smi") is None, reason="needs a GPU (no nvidia-smi here)")
def test_gpu_0_trains_on_the_gpu_and_records_its_model(write_config, tmp_path):
    config = write_config({"device": "gpu:0"})
    result = run_cli("train", str(config), "--run-dir", "r", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["device"] == "gpu:0"
    assert summary["provenance"]["cuda_visible_devices"] == "0"
    assert summary["provenance"]["gpu"]
