"""The resolved config as plain data: dict and YAML round trips, hash, diff, schema table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from adamctl.config import (
    config_from_dict,
    config_hash,
    config_to_dict,
    describe_schema,
    diff_configs,
    dump_config_yaml,
    load_config,
    resolve,
    write_config,
)
from adamctl.config.schema import Config
from adamctl.core import spec as core_spec

from .helpers import write


@pytest.fixture
def optimizer_as_given(monkeypatch):
    """Keep the optimizer section as written: these tests must not depend on the core's defaults."""
    monkeypatch.setattr(core_spec, "normalize_spec", dict)


VARIANTS = [
    pytest.param({}, id="defaults"),
    pytest.param({"name": "1e5", "data": {"source": "boston_housing", "inputs": "x"}},
                 id="regression-and-number-like-name"),
    pytest.param({"name": "yes", "data": {"target": "no", "inputs": ["on", "null", "0x1"]}},
                 id="strings-that-yaml-1.1-reads-as-other-things"),
    pytest.param({"model": {"layers": [{"class_name": "Dense", "units": 3,
                                        "kernel_size": [3, 3]}]}}, id="layers"),
    pytest.param({"optimizer": {"beta_1": 0.8, "epsilon": 1e-8, "amsgrad": True}},
                 id="optimizer"),
    pytest.param({"training": {"steps_per_epoch": 10, "mixed_precision": "mixed_bfloat16",
                               "deterministic": False}}, id="training"),
    pytest.param({"sweep": {"grid": {"optimizer.epsilon": {"log": [1e-8, 1e-2], "num": 3},
                                     "model.hidden": [[8], [16, 16]]}, "seeds": [3, 1]}},
                 id="sweep"),
]


@pytest.mark.parametrize("raw", VARIANTS)
def test_resolve_is_a_fixed_point(raw):
    config = resolve(raw)
    assert resolve(config_to_dict(config)) == config
    assert config_from_dict(config_to_dict(config)) == config


@pytest.mark.parametrize("raw", VARIANTS)
def test_dict_is_plain_json_in_schema_order(raw):
    data = config_to_dict(resolve(raw))
    assert json.loads(json.dumps(data)) == data
    assert list(data) == [field for field in Config.__dataclass_fields__]
    assert isinstance(data["model"]["hidden"], list)


@pytest.mark.parametrize("raw", VARIANTS)
def test_written_yaml_reads_back_to_the_same_config(tmp_path, raw):
    config = resolve(raw)
    path = tmp_path / "run" / "config.yaml"
    write_config(config, path)
    assert load_config(path) == config
    assert yaml.safe_load(path.read_text()) == config_to_dict(config)
    assert [p.name for p in path.parent.iterdir()] == ["config.yaml"]  # no temporary left


def test_yaml_is_block_style_in_schema_order():
    text = dump_config_yaml(resolve({"model": {"hidden": [32, 16]}}))
    assert text.startswith("name: run\nseed: 0\nbackend: tensorflow\ndevice: auto\ndata:\n"
                           "  source: synthetic\n")
    assert "  hidden: [32, 16]\n" in text
    assert "  metrics: [accuracy]\n" in text


def test_csv_config_round_trips_with_its_absolute_path(tmp_path):
    (tmp_path / "train.csv").write_text("x,y\n")
    config = load_config(write(tmp_path, "data: {source: csv, path: train.csv, target: y}\n"))
    elsewhere = tmp_path / "runs" / "r1" / "config.yaml"
    write_config(config, elsewhere)
    assert load_config(elsewhere) == config


def test_hash_ignores_how_the_config_was_written(optimizer_as_given):
    assert config_hash(resolve({})) == config_hash(
        resolve({"data": {"noise": 0.1, "samples": 2048}, "model": {"loss": "auto"}}))
    assert config_hash(resolve({"optimizer": {"a": 1, "b": 2}})) == config_hash(
        resolve({"optimizer": {"b": 2, "a": 1}}))


def test_hash_is_the_same_in_another_process():
    script = ("from adamctl.config import config_hash, resolve; "
              "print(config_hash(resolve({'model': {'hidden': [3]}})))")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONHASHSEED": "123", "PYTHONPATH": str(root)}
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             env=env, check=True)
    assert process.stdout.strip() == config_hash(resolve({"model": {"hidden": [3]}}))


@pytest.mark.parametrize("change", [
    pytest.param({"seed": 1}, id="seed"),
    pytest.param({"name": "other"}, id="name"),
    pytest.param({"data": {"batch_size": 64}}, id="batch-size"),
    pytest.param({"model": {"hidden": [64]}}, id="list-length"),
    pytest.param({"model": {"hidden": [64, 63]}}, id="list-item"),
    pytest.param({"optimizer": {"beta_1": 0.8}}, id="optimizer"),
    pytest.param({"training": {"deterministic": False}}, id="null-to-false"),
    pytest.param({"sweep": {}}, id="sweep-present"),
])
def test_hash_changes_with_any_value(optimizer_as_given, change):
    assert config_hash(resolve(change)) != config_hash(resolve({}))


def test_hash_is_sha256_hex():
    digest = config_hash(resolve({}))
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_diff_lists_each_changed_value_in_schema_order(optimizer_as_given):
    old = resolve({"optimizer": {"learning_rate": {"schedule": "CosineDecay", "decay_steps": 10}}})
    new = resolve({"seed": 2, "model": {"hidden": [8]},
                   "optimizer": {"learning_rate": {"schedule": "CosineDecay", "decay_steps": 20},
                                 "amsgrad": True},
                   "sweep": {"seeds": [1]}})
    sweep = {"grid": {}, "search": "grid", "trials": None, "prune": None, "seeds": [1],
             "metric": "val_loss", "mode": "auto", "executor": None,
             "population_size": None}
    assert diff_configs(old, new) == [
        ("seed", 0, 2),
        ("model.hidden", [64, 64], [8]),
        ("optimizer.learning_rate.decay_steps", 10, 20),
        ("optimizer.amsgrad", None, True),
        ("sweep", None, sweep),
    ]
    assert diff_configs(new, new) == []


def test_describe_schema_lists_every_key_with_default_and_help():
    rows = describe_schema()
    keys = [key for key, _, _ in rows]
    assert keys[:5] == ["name", "seed", "backend", "device", "data.source"]
    assert ("training.epochs", 5, "passes over the training data") in rows
    assert ("model.hidden", [64, 64], "mlp: units of each hidden layer") in rows
    assert {"optimizer", "sweep", "sweep.grid", "sweep.seeds"} <= set(keys)
    assert all(isinstance(help_text, str) and help_text for _, _, help_text in rows)
    assert len(keys) == len(set(keys))
