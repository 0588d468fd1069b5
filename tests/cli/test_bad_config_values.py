"""Values `validate` once accepted and `train` failed on after the run directory existed.

Each case must now exit 2 from both commands with one line naming the file
(with its line) or the option, the key and the value, and `train` must
leave no run directory behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from adamctl.cli import cli
from tests.helpers import TINY, merge as _merge

SCHEDULE = {"schedule": "CosineDecay", "initial_learning_rate": 0.01, "decay_steps": 10}
BIG = 10**23

# (sections merged over the tiny config, the key path, what the message must say after it)
CASES = [
    pytest.param({"optimizer": {"gradient_accumulation_steps": BIG}},
                 "optimizer.gradient_accumulation_steps", f"{BIG}: must be at most 2147483647",
                 id="accumulation-overflow"),
    pytest.param({"optimizer": {"use_ema": True, "ema_overwrite_frequency": BIG}},
                 "optimizer.ema_overwrite_frequency", f"{BIG}: must be at most 2147483647",
                 id="ema-frequency-overflow"),
    pytest.param({"optimizer": {"learning_rate": {**SCHEDULE, "decay_steps": 1e23}}},
                 "optimizer.learning_rate.decay_steps", "1e+23: must be an integer >= 1",
                 id="decay-steps-float"),
    pytest.param({"optimizer": {"learning_rate": {**SCHEDULE, "decay_steps": BIG}}},
                 "optimizer.learning_rate.decay_steps", f"{BIG}: must be at most 2147483647",
                 id="decay-steps-overflow"),
    pytest.param({"optimizer": {"learning_rate": {**SCHEDULE, "initial_learning_rate": "abc"}}},
                 "optimizer.learning_rate.initial_learning_rate", "'abc': must be a float > 0",
                 id="initial-rate-string"),
    pytest.param({"optimizer": {"learning_rate": {**SCHEDULE,
                                                  "initial_learning_rate": float("nan")}}},
                 "optimizer.learning_rate.initial_learning_rate", "nan: must be a float > 0",
                 id="initial-rate-nan"),
    pytest.param({"optimizer": {"learning_rate": {**SCHEDULE, "initial_learning_rate": -1.0}}},
                 "optimizer.learning_rate.initial_learning_rate", "-1.0: must be a float > 0",
                 id="initial-rate-negative-is-gradient-ascent"),
    pytest.param({"seed": 2**32}, "seed", "4294967296: must be an integer in [0, 4294967295]",
                 id="seed-past-numpy"),
    pytest.param({"name": "n" * 231}, "name", f"'{'n' * 100}...': must be usable as a directory "
                 "name", id="name-too-long"),
    pytest.param({"optimizer": {"name": "a/b"}}, "optimizer.name", "'a/b': must not contain '/'",
                 id="optimizer-name-slash"),
    pytest.param({"model": {"preset": None, "layers": [{"class_name": "Dense", "units": 16},
                                                       {"class_name": "Dense", "units": 5}]}},
                 "model.layers[1].units", "5: must be 3: the last layer outputs one value per "
                 "class (data.classes)", id="layers-output-width"),
    pytest.param({"logging": {"tensorboard": "yes"}}, "logging.tensorboard",
                 "'yes': must be true or false", id="tensorboard-not-a-flag"),
    pytest.param({"logging": {"mlflow": {"experiment": ""}}}, "logging.mlflow.experiment",
                 "'': must be a non-empty name", id="mlflow-experiment-empty"),
    pytest.param({"logging": {"mlflow": {"tracking_uri": " "}}}, "logging.mlflow.tracking_uri",
                 "' ': must be a non-empty URI", id="mlflow-uri-blank"),
]


def _write(tmp_path: Path, extra: dict) -> tuple[Path, str]:
    path = tmp_path / "config.yaml"
    text = yaml.safe_dump(_merge(TINY, extra), sort_keys=False)
    path.write_text(text)
    return path, text


def _line_of(text: str, key_path: str) -> int:
    """The 1-based line of the key path's last mapping key in the dumped YAML (unique here)."""
    last = key_path.rsplit(".", 1)[-1].split("[")[0]
    lines = [n for n, line in enumerate(text.splitlines(), 1)
             if line.lstrip("- ").startswith(f"{last}:")]
    return lines[-1]


@pytest.mark.parametrize("command", ["validate", "train"])
@pytest.mark.parametrize("extra, key_path, message", CASES)
def test_bad_value_exits_2_naming_file_line_key_and_value(tmp_path, monkeypatch, command, extra,
                                                          key_path, message):
    monkeypatch.chdir(tmp_path)
    path, text = _write(tmp_path, extra)
    result = CliRunner().invoke(cli, [command, str(path)])
    assert result.exit_code == 2, result.output
    expected = f"error: {path}:{_line_of(text, key_path)}: {key_path} = {message}"
    assert result.stderr.startswith(expected), result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "runs").exists()


def test_a_bad_value_given_with_set_names_the_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path, _ = _write(tmp_path, {})
    result = CliRunner().invoke(cli, ["train", str(path), "--set", "seed=4294967296"])
    assert (result.exit_code, result.stderr) == (
        2, "error: --set seed=4294967296: seed = 4294967296: must be an integer in "
           "[0, 4294967295]\n")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("key, suggestion", [
    pytest.param("epochs", "training.epochs", id="training"),
    pytest.param("batch_size", "data.batch_size", id="data"),
    pytest.param("beta_1", "optimizer.beta_1", id="optimizer"),
])
def test_a_key_set_without_its_section_suggests_the_full_path(tmp_path, key, suggestion):
    path, _ = _write(tmp_path, {})
    result = CliRunner().invoke(cli, ["validate", str(path), "--set", f"{key}=3"])
    assert (result.exit_code, result.stderr) == (
        2, f'error: --set {key}=3: {key}: unknown top-level key (did you mean "{suggestion}"?)\n')
