"""A closed stdout, and a damaged sweep.yaml: quiet, named, and with the promised exit codes."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from adamctl.errors import ConfigError, InvalidArgument
from tests.helpers import TINY, adamctl_executable, run_cli


def _with_stdout_closed(*args: str, cwd) -> tuple[int, str]:
    """Run adamctl with its stdout a pipe whose reader has gone, as ``| head -1`` leaves it."""
    process = subprocess.Popen(
        [adamctl_executable(), *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    process.stdout.close()
    stderr = process.stderr.read().decode()
    return process.wait(timeout=300), stderr


@pytest.mark.parametrize("args", [
    pytest.param(("--help",), id="help"),
    pytest.param(("sweep", "CONFIG", "--grid", "optimizer.learning_rate=log:1e-5:1e-1:300",
                  "--dry-run"), id="sweep-dry-run-table"),
])
def test_a_closed_stdout_ends_quietly_with_141(tmp_path, args):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(TINY))
    code, stderr = _with_stdout_closed(*(str(config) if a == "CONFIG" else a for a in args),
                                       cwd=tmp_path)
    assert code == 141
    assert stderr == ""


@pytest.mark.parametrize("text, problem", [
    pytest.param("name: [unclosed\n", "is not valid YAML", id="not-yaml"),
    pytest.param("- just\n- a list\n", "is not a sweep plan adamctl wrote", id="not-a-plan"),
    pytest.param("name: x\n", "is not a sweep plan adamctl wrote", id="keys-missing"),
    pytest.param("search: {}\n", "is not a sweep plan adamctl wrote", id="search-keys-missing"),
])
def test_a_broken_sweep_yaml_exits_2_naming_the_file(tmp_path, text, problem):
    sweep = tmp_path / "s"
    sweep.mkdir()
    (sweep / "sweep.yaml").write_text(text)
    result = run_cli("sweep", "--resume", str(sweep), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: {sweep / 'sweep.yaml'}: {problem}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in sweep.iterdir()) == ["sweep.yaml"]


def test_a_refused_name_is_never_suggested_back():
    """Keras lists names (``get``, ``serialize``) that it refuses to build from."""
    error = ConfigError("is not a name Keras knows", file="c.yaml", key_path="model.loss",
                        value="get", suggestion="get")
    assert "did you mean" not in str(error)
    assert "did you mean" not in str(InvalidArgument("name", "adam", "x", suggestion="adam"))
    assert 'did you mean "beta_1"' in str(ConfigError("unknown", key_path="k", value="beta1",
                                                      suggestion="beta_1"))
