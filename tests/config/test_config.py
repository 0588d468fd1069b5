"""Loading, overriding and resolving configs; every bad input named precisely."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from adamctl.config import (
    apply_overrides,
    config_from_dict,
    config_hash,
    config_to_dict,
    diff_configs,
    dump_config_yaml,
    load_config,
)
from adamctl.config.schema import Config
from adamctl.errors import ConfigError


def _write(tmp_path, text: str, name: str = "run.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_empty_file_resolves_to_every_default(tmp_path):
    config = load_config(_write(tmp_path, ""))
    assert config.data.source == "synthetic" and config.training.epochs == 5
    assert config.model.loss == "sparse_categorical_crossentropy"
    assert config.model.metrics == ("accuracy",)
    assert config.optimizer["beta_2"] == 0.999 and config.optimizer["amsgrad"] is False


def test_resolved_config_is_a_fixed_point(tmp_path):
    config = load_config(_write(tmp_path, "optimizer: {beta_1: 0.8, learning_rate: "
                                          "{schedule: CosineDecay, initial_learning_rate: 0.01, "
                                          "decay_steps: 10}}\nmodel: {hidden: [8]}\n"))
    again = config_from_dict(yaml.safe_load(dump_config_yaml(config)))
    assert again == config
    assert config_hash(again) == config_hash(config)


def test_yaml_1_2_floats_are_floats(tmp_path):
    config = load_config(_write(tmp_path, "optimizer:\n  epsilon: 1e-8\n"))
    assert config.optimizer["epsilon"] == 1e-8


ERRORS = [
    pytest.param("optimizer:\n  beta_1: 1.5\n", ":2: optimizer.beta_1 = 1.5: must be a float in [0, 1)",
                 id="beta_1-out-of-range"),
    pytest.param("training:\n  epochs: -3\n", ":2: training.epochs = -3: must be >= 1",
                 id="negative-epochs"),
    pytest.param("data:\n  batch_size: 0\n", ":2: data.batch_size = 0: must be >= 1",
                 id="zero-batch"),
    pytest.param("optimzer: {}\n", ':1: optimzer: unknown key; the top level takes: name, seed, '
                 'backend, device, data, model, optimizer, training, sweep (did you mean "optimizer"?)',
                 id="unknown-top-key"),
    pytest.param("data:\n  batchsize: 3\n", ':2: data.batchsize: unknown key', id="unknown-nested"),
    pytest.param("data:\n  batch_size: 3.5\n", ":2: data.batch_size = 3.5: must be an integer",
                 id="float-for-int"),
    pytest.param("data:\n  shuffle: 1\n", ":2: data.shuffle = 1: must be true or false",
                 id="int-for-bool"),
    pytest.param("backend: theano\n", ":1: backend = 'theano': must be one of: tensorflow, jax, torch",
                 id="bad-choice"),
    pytest.param("- a\n- b\n", ": the top level must be a mapping", id="list-top-level"),
    pytest.param("name: x\noptimizer:\n  beta_1: [0.9\n", ": not valid YAML", id="malformed"),
    pytest.param("name: !!python/object/apply:os.system ['echo hi']\n",
                 ":1: YAML tag !!python/object/apply:os.system is not allowed", id="python-tag"),
    pytest.param("seed: 1\nseed: 2\n", ":2: seed: duplicate key 'seed' (first on line 1)",
                 id="duplicate-key"),
    pytest.param("data:\n  source: csv\n  path: nowhere.csv\n  target: y\n",
                 ":3: data.path = 'nowhere.csv': no such file", id="missing-data-file"),
    pytest.param("data:\n  source: csv\n", ": data.path = null: is required for data.source csv",
                 id="csv-without-path"),
    pytest.param("data:\n  source: mnits\n", ':2: data.source = \'mnits\': must be one of: '
                 'synthetic, csv, parquet, npz, digits, mnist', id="unknown-source"),
    pytest.param("data:\n  source: digits\n  task: regression\n",
                 ":3: data.task = 'regression': must be classification for data.source digits",
                 id="task-contradicts-source"),
    pytest.param("model:\n  preset: mlp\n  layers: [{class_name: Dense, units: 3}]\n",
                 ":2: model.preset = 'mlp': must be null when model.layers is given",
                 id="preset-and-layers"),
    pytest.param("name: ../escape\n", ":1: name = '../escape': must be a directory name",
                 id="bad-name"),
    pytest.param("sweep:\n  grid:\n    optimizer.beta1: [0.9]\n",
                 ':3: sweep.grid.optimizer.beta1: names no config key (optimizer.beta1 is unknown) '
                 '(did you mean "optimizer.beta_1"?)', id="sweep-unknown-key"),
    pytest.param("sweep:\n  grid:\n    optimizer.epsilon: {log: [0, 1], num: 3}\n",
                 ":3: sweep.grid.optimizer.epsilon = {'log': [0, 1], 'num': 3}: log must be [lo, hi]",
                 id="sweep-bad-range"),
]


@pytest.mark.parametrize("text, expected", ERRORS)
def test_bad_config_message_names_file_line_key_value_and_rule(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert expected in message, message


def test_override_errors_name_the_override(tmp_path):
    path = _write(tmp_path, "optimizer:\n  beta_1: 0.9\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, ["optimizer.beta_1=1.5"])
    assert str(caught.value) == (f"{path} (--set optimizer.beta_1=1.5): optimizer.beta_1 = 1.5: "
                                 "must be a float in [0, 1)")


@pytest.mark.parametrize("overrides, check", [
    pytest.param(["optimizer.beta_1=0.95"], lambda c: c.optimizer["beta_1"] == 0.95, id="float"),
    pytest.param(["optimizer.amsgrad=true"], lambda c: c.optimizer["amsgrad"] is True, id="bool"),
    pytest.param(["model.hidden=[32, 16]"], lambda c: c.model.hidden == (32, 16), id="list"),
    pytest.param(["optimizer.epsilon=1e-8"], lambda c: c.optimizer["epsilon"] == 1e-8, id="exp"),
    pytest.param(["optimizer.learning_rate.schedule=CosineDecay",
                  "optimizer.learning_rate.initial_learning_rate=0.1",
                  "optimizer.learning_rate.decay_steps=5"],
                 lambda c: c.optimizer["learning_rate"]["decay_steps"] == 5, id="nested-creation"),
])
def test_overrides_apply(tmp_path, overrides, check):
    path = _write(tmp_path, "optimizer:\n  learning_rate: null\n" if "nested" in str(overrides)
                  else "")
    assert check(load_config(path, overrides))


@pytest.mark.parametrize("override, message", [
    pytest.param("optimizer.beta_1", "--set optimizer.beta_1: must be KEY.PATH=VALUE", id="no-equals"),
    pytest.param("=3", "--set =3: must be KEY.PATH=VALUE", id="empty-key"),
    pytest.param("a..b=3", "--set a..b=3: must be KEY.PATH=VALUE", id="empty-part"),
])
def test_malformed_override(override, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        apply_overrides({}, [override])


def test_relative_data_path_is_stored_absolute(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text("a,y\n1,0\n")
    config = load_config(_write(tmp_path, "data: {source: csv, path: data/t.csv, target: y}\n"))
    assert config.data.path == str((tmp_path / "data" / "t.csv").resolve())


def test_hash_changes_with_any_value_and_diff_names_it():
    base = config_from_dict({})
    changed = config_from_dict({"optimizer": {"learning_rate": 0.01}, "training": {"epochs": 2}})
    assert config_hash(base) != config_hash(changed)
    assert diff_configs(base, changed) == [
        ("optimizer.learning_rate", 0.001, 0.01), ("training.epochs", 5, 2)]
    assert diff_configs(base, config_from_dict({})) == []


def test_config_to_dict_is_plain_data():
    data = config_to_dict(Config())
    assert data["model"]["hidden"] == [64, 64]
    yaml.safe_dump(data)  # plain types only: safe_dump refuses anything else


def test_importing_config_needs_no_keras_or_pandas():
    script = ("import sys, adamctl.config as c; c.load_config; c.config_from_dict({}); "
              "print([m for m in ('keras', 'tensorflow', 'pandas') if m in sys.modules])")
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == "[]"
