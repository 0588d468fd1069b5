"""Rules across fields: data sources and files, tasks, model presets and layers, names."""

from __future__ import annotations

import pytest

from adamctl.config import load_config, resolve
from adamctl.core import spec as core_spec
from adamctl.errors import ConfigError, InvalidArgument

from .helpers import exactly, write


@pytest.mark.parametrize("source, target", [
    pytest.param("csv", "label", id="csv"),
    pytest.param("parquet", "label", id="parquet"),
    pytest.param("npz", None, id="npz-target-optional"),
])
def test_data_file_is_found_from_the_config_folder_and_stored_absolute(tmp_path, source, target):
    (tmp_path / "data").mkdir()
    data_file = tmp_path / "data" / f"train.{source}"
    data_file.write_text("x")
    configs = tmp_path / "configs"
    configs.mkdir()
    target_line = f"  target: {target}\n" if target else ""
    path = write(configs, f"data:\n  source: {source}\n  path: ../data/train.{source}\n"
                 + target_line)
    config = load_config(path)
    assert config.data.path == str(data_file.resolve())
    assert config.data.target == target


def test_data_file_is_found_relative_to_the_config_not_the_working_directory(tmp_path,
                                                                            monkeypatch):
    (tmp_path / "train.csv").write_text("x,y\n")
    write(tmp_path, "data: {source: csv, path: train.csv, target: y}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config("../experiment.yaml")
    assert config.data.path == str((tmp_path / "train.csv").resolve())


@pytest.mark.parametrize("data, message", [
    pytest.param("{source: csv, path: missing.csv, target: y}",
                 "{f}:1: data.path = 'missing.csv': no such file: {d}/missing.csv",
                 id="missing-file"),
    pytest.param("{source: npz, path: .}", "{f}:1: data.path = '.': is not a file: {d}",
                 id="directory"),
    pytest.param('{source: csv, path: "a\\0b.csv", target: y}', "{f}:1: data.path = "
                 "'a\\x00b.csv': is not a usable path (embedded null byte)", id="nul-byte"),
    pytest.param(f"{{source: npz, path: {'x' * 300}}}", f"{{f}}:1: data.path = '{'x' * 100}...': "
                 "is not a usable path (File name too long)", id="name-too-long"),
    pytest.param("{source: synthetic, path: ~no-such-user-here/x.csv}", "{f}:1: data.path = "
                 "'~no-such-user-here/x.csv': is not a usable path (Could not determine home "
                 "directory)", id="unknown-user"),
    pytest.param("{source: parquet, target: y}", "{f}:1: data.path: is required for "
                 "data.source parquet: the file to read, relative to the config file",
                 id="no-path"),
    pytest.param("{source: csv, path: train.csv}", "{f}:1: data.target: is required "
                 "for data.source csv: the target column", id="no-target"),
    pytest.param("{source: digits, task: regression}", "{f}:1: data.task = 'regression': must "
                 "be classification for data.source digits (or left out)",
                 id="digits-regression"),
    pytest.param("{source: boston_housing, task: classification}", "{f}:1: data.task = "
                 "'classification': must be regression for data.source boston_housing "
                 "(or left out)", id="boston-classification"),
])
def test_data_rules_name_the_key_and_what_is_needed(tmp_path, data, message):
    (tmp_path / "train.csv").write_text("x,y\n")
    path = write(tmp_path, f"data: {data}\n")
    with pytest.raises(ConfigError, match=exactly(message.format(f=path, d=tmp_path.resolve()))):
        load_config(path)


@pytest.mark.parametrize("source, task", [
    pytest.param("digits", "classification", id="digits"),
    pytest.param("mnist", "classification", id="mnist"),
    pytest.param("fashion_mnist", "classification", id="fashion_mnist"),
    pytest.param("cifar10", "classification", id="cifar10"),
    pytest.param("cifar100", "classification", id="cifar100"),
    pytest.param("boston_housing", "regression", id="boston_housing"),
])
def test_source_fixes_the_task_loss_and_metrics(source, task):
    config = resolve({"data": {"source": source}})
    assert config.data.task == task
    assert config.model.loss == {"classification": "sparse_categorical_crossentropy",
                                 "regression": "mean_squared_error"}[task]
    assert config.model.metrics == {"classification": ("accuracy",),
                                    "regression": ("mean_absolute_error",)}[task]


def test_explicit_loss_and_metrics_are_kept():
    config = resolve({"data": {"task": "regression"},
                      "model": {"loss": "huber", "metrics": ["mse", "mae"]}})
    assert (config.model.loss, config.model.metrics) == ("huber", ("mse", "mae"))


def test_layers_replace_the_default_preset():
    layers = [{"class_name": "Dense", "units": 3, "activation": "relu"}]
    config = resolve({"model": {"layers": layers}})
    assert config.model.preset is None
    assert config.model.layers == ({"class_name": "Dense", "units": 3, "activation": "relu"},)


@pytest.mark.parametrize("model, message", [
    pytest.param("{preset: mlp, layers: [{class_name: Dense}]}", "{f}:1: model.preset = 'mlp': "
                 "must be null when model.layers is given: the layers replace the preset",
                 id="preset-and-layers"),
    pytest.param("{preset: null}", "{f}:1: model.preset = null: must be one of logreg, mlp or "
                 "cnn when model.layers is not given", id="neither"),
    pytest.param("{layers: []}", "{f}:1: model.layers = []: must list at least one layer (or be "
                 "null, to use model.preset)", id="empty-layers"),
    pytest.param("{layers: [{class_name: Dense}, {units: 3}]}", "{f}:1: model.layers[1] = "
                 "{{'units': 3}}: must have a class_name naming a Keras layer, for example "
                 "{{class_name: Dense, units: 64}}", id="layer-without-class-name"),
])
def test_model_rules_name_the_key_and_what_is_needed(tmp_path, model, message):
    path = write(tmp_path, f"model: {model}\n")
    with pytest.raises(ConfigError, match=exactly(message.format(f=path))):
        load_config(path)


def test_layers_with_explicit_null_preset_are_accepted():
    config = resolve({"model": {"preset": None, "layers": [{"class_name": "Dense", "units": 3}]}})
    assert config.model.preset is None


def test_deterministic_null_stays_null_for_run_time():
    assert resolve({}).training.deterministic is None
    assert resolve({"training": {"deterministic": True}}).training.deterministic is True


@pytest.mark.parametrize("name, ok", [
    pytest.param("adam-lr_1e-3.v2", True, id="letters-digits-dash-underscore-dot"),
    pytest.param("2024-01-02", True, id="date-like"),
    pytest.param(".hidden", False, id="leading-dot"),
    pytest.param("a/b", False, id="slash"),
    pytest.param("a b", False, id="space"),
    pytest.param("", False, id="empty"),
    pytest.param("..", False, id="parent"),
    pytest.param("n" * 100, True, id="100-characters"),
    pytest.param("n\0", False, id="nul"),
])
def test_name_must_be_a_directory_name(name, ok):
    if ok:
        assert resolve({"name": name}).name == name
        return
    with pytest.raises(ConfigError, match=exactly(
            f"name = {name!r}: must be usable as a directory name: 1 to 100 letters, digits, "
            "'-', '_' and '.', not starting with '.'")):
        resolve({"name": name})


def test_a_name_too_long_for_a_directory_is_refused_and_shown_cut():
    # A 231-character name passed every check and failed with ENAMETOOLONG once
    # the timestamp was added to make the run directory's name.
    with pytest.raises(ConfigError, match=exactly(
            f"name = '{'n' * 100}...': must be usable as a directory name: 1 to 100 letters, "
            "digits, '-', '_' and '.', not starting with '.'")):
        resolve({"name": "n" * 231})


def _refuse_beta_1(spec):
    if spec.get("beta_1", 0.9) >= 1:
        raise InvalidArgument("beta_1", spec["beta_1"], "a float in [0, 1)")
    if "learning_rate" in spec and isinstance(spec["learning_rate"], dict):
        raise InvalidArgument("learning_rate.decay_steps", None, "given",
                              suggestion="decay_steps")
    return {"beta_1": 0.9, **spec}


@pytest.mark.parametrize("text, overrides, message", [
    pytest.param("optimizer:\n  beta_1: 1.5\n", [],
                 "{f}:2: optimizer.beta_1 = 1.5: must be a float in [0, 1)", id="file-line"),
    pytest.param("optimizer:\n  beta_1: 0.9\n", ["optimizer.beta_1=1.5"],
                 "--set optimizer.beta_1=1.5: optimizer.beta_1 = 1.5: must be a float in [0, 1)",
                 id="override"),
    pytest.param("optimizer:\n  learning_rate:\n    schedule: CosineDecay\n", [],
                 '{f}:2: optimizer.learning_rate.decay_steps = null: must be given '
                 '(did you mean "decay_steps"?)', id="nested-falls-back-to-nearest-line"),
])
def test_optimizer_errors_are_placed_under_optimizer(tmp_path, monkeypatch, text, overrides,
                                                     message):
    monkeypatch.setattr(core_spec, "normalize_spec", _refuse_beta_1)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=exactly(message.format(f=path))):
        load_config(path, overrides)


def test_optimizer_section_is_what_normalize_spec_returns(monkeypatch):
    monkeypatch.setattr(core_spec, "normalize_spec", _refuse_beta_1)
    assert resolve({"optimizer": {"amsgrad": True}}).optimizer == {"beta_1": 0.9,
                                                                   "amsgrad": True}


LAYERS_FILE = """\
data:
  source: {source}
  task: {task}
model:
  preset: null
  layers:
    - class_name: Dense
      units: 16
{last}
"""


@pytest.mark.parametrize("source, task, last, message", [
    pytest.param("synthetic", "classification", "    - {class_name: Lambda, function: print}",
                 "{f}:9: model.layers[1].class_name = 'Lambda': runs arbitrary code and is not "
                 "allowed", id="code-running-layer"),
    pytest.param("synthetic", "classification", "    - {class_name: Dense, units: 3, module: os}",
                 "{f}:9: model.layers[1].module = 'os': only built-in layers by class name are "
                 "allowed", id="module-key"),
    pytest.param("synthetic", "classification", "    - {class_name: Dense, config: [3]}",
                 "{f}:9: model.layers[1].config = [3]: must be a mapping of the layer's "
                 "arguments, and then the only other key is class_name (for example "
                 "{{class_name: Dense, units: 64}})", id="config-not-a-mapping"),
    pytest.param("synthetic", "classification", "    - class_name: Dense\n      units: 4",
                 "{f}:10: model.layers[1].units = 4: must be 3: the last layer outputs one value "
                 "per class (data.classes)", id="classes"),
    pytest.param("synthetic", "regression", "    - {class_name: Dense, units: 3}",
                 "{f}:9: model.layers[1].units = 3: must be 1: the last layer outputs one value "
                 "per target", id="regression"),
    pytest.param("digits", "classification", "    - {class_name: Dense, config: {units: 3}}\n"
                 "    - {class_name: Softmax}",
                 "{f}:9: model.layers[1].config.units = 3: must be 10: the last layer outputs "
                 "one value per class of digits", id="config-form-then-softmax"),
])
def test_layer_errors_name_the_file_line(tmp_path, source, task, last, message):
    path = write(tmp_path, LAYERS_FILE.format(source=source, task=task, last=last))
    with pytest.raises(ConfigError, match=exactly(message.format(f=path))):
        load_config(path)


@pytest.mark.parametrize("source, last", [
    pytest.param("synthetic", "    - {class_name: Dense, units: 3}\n    - {class_name: Dropout, "
                 "rate: 0.1}", id="width-fits"),
    pytest.param("synthetic", "    - {class_name: Dense, units: 3}\n    - {class_name: Reshape, "
                 "target_shape: [3]}", id="width-unknown-after-a-reshape"),
])
def test_layers_whose_width_fits_or_cannot_be_known_are_accepted(tmp_path, source, last):
    path = write(tmp_path, LAYERS_FILE.format(source=source, task="classification", last=last))
    assert load_config(path).model.layers[0] == {"class_name": "Dense", "units": 16}
