"""`adamctl validate`: the resolved config, or the reason it is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import yaml
from click.testing import CliRunner

from adamctl.cli import cli
from tests.helpers import TINY, adamctl_executable


def test_validate_prints_every_default(write_config):
    result = CliRunner().invoke(cli, ["validate", str(write_config())], catch_exceptions=False)
    assert result.exit_code == 0
    resolved = yaml.safe_load(result.stdout)
    assert resolved["optimizer"]["epsilon"] == 1e-7
    assert resolved["optimizer"]["amsgrad"] is False
    assert resolved["training"]["keep_checkpoints"] == 3
    assert resolved["model"]["loss"] == "sparse_categorical_crossentropy"
    assert resolved["backend"] == "tensorflow"


def test_validate_applies_overrides(write_config):
    result = CliRunner().invoke(
        cli, ["validate", str(write_config()), "--set", "optimizer.beta_2=0.99"],
        catch_exceptions=False,
    )
    assert yaml.safe_load(result.stdout)["optimizer"]["beta_2"] == 0.99


def test_validate_reports_a_bad_value_with_exit_2(write_config):
    config = write_config({"optimizer": {"epsilon": -1}})
    result = CliRunner().invoke(cli, ["validate", str(config)])
    assert result.exit_code == 2
    assert f"{config}" in result.stderr and "optimizer.epsilon = -1" in result.stderr


def test_validate_of_a_plain_config_does_not_import_keras(write_config):
    config = write_config()
    script = textwrap.dedent(f"""
        import sys
        from click.testing import CliRunner
        from adamctl.cli import cli
        result = CliRunner().invoke(cli, ["validate", {str(config)!r}])
        assert result.exit_code == 0, result.output
        heavy = sorted(m for m in ("keras", "tensorflow", "torch", "jax") if m in sys.modules)
        print(",".join(heavy) or "none")
    """)
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == "none"


def test_validate_checks_layer_names_with_keras(write_config):
    config = write_config({"model": {"preset": None, "layers": [{"class_name": "Dense", "units": 3}]}})
    result = CliRunner().invoke(cli, ["validate", str(config)], catch_exceptions=False)
    assert result.exit_code == 0
    bad = write_config({"model": {"preset": None, "layers": [{"class_name": "Dence", "units": 3}]}},
                       name="bad.yaml")
    result = CliRunner().invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "model.layers[0].class_name" in result.stderr and "Dense" in result.stderr


def test_validate_of_a_layers_list_prints_no_native_log(write_config, tmp_path):
    # A layers list makes validate import Keras (and TensorFlow) to check the
    # class names; run as a user runs it, without TF_CPP_MIN_LOG_LEVEL set.
    raw = dict(TINY, model={"layers": [{"class_name": "Dense", "units": 8, "activation": "relu"},
                                       {"class_name": "Dense", "units": 3}]})
    config = write_config(text=yaml.safe_dump(raw))
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    process = subprocess.run([adamctl_executable(), "validate", str(config)], cwd=tmp_path,
                             env=environment, capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stderr
    assert process.stderr == ""
