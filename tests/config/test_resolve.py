"""The generic checks: unknown keys, types, choices and ranges, at any depth."""

from __future__ import annotations

import pytest

from adamctl.config import load_config, resolve
from adamctl.config.schema import Config, DataConfig, ModelConfig
from adamctl.errors import ConfigError

from .helpers import exactly, write


def test_empty_config_resolves_to_the_schema_defaults_made_concrete():
    config = resolve({})
    assert config.data == DataConfig()
    assert config.model == ModelConfig(loss="sparse_categorical_crossentropy",
                                       metrics=("accuracy",))
    assert (config.name, config.seed, config.training, config.sweep) == (
        Config().name, Config().seed, Config().training, None)


@pytest.mark.parametrize("section", ["data", "model", "training", "optimizer"])
def test_empty_section_means_its_defaults(section):
    assert resolve({section: None}) == resolve({})


@pytest.mark.parametrize("text, message", [
    pytest.param("optimiser:\n  beta_1: 0.9\n",
                 '{f}:1: optimiser: unknown top-level key (did you mean "optimizer"?)',
                 id="top-level"),
    pytest.param("model:\n  activation: relu\n  hiden: [32]\n",
                 '{f}:3: model.hiden: unknown key in model (did you mean "hidden"?)',
                 id="nested"),
    pytest.param("sweep:\n  seed: [1]\n",
                 '{f}:2: sweep.seed: unknown key in sweep (did you mean "seeds"?)',
                 id="optional-section"),
    pytest.param("training:\n  zzz: 1\n",
                 "{f}:2: training.zzz: unknown key in training; the keys are epochs, "
                 "steps_per_epoch, mixed_precision, deterministic, checkpoint_every, "
                 "keep_checkpoints, max_time, early_stopping, "
                 "diagnostics_every", id="no-close-match-lists-the-keys"),
    pytest.param("1: x\n", '{f}:1: [1]: unknown top-level key; the keys are name, seed, backend, '
                 'device, data, model, optimizer, training, sweep, logging', id="non-string-key"),
])
def test_unknown_key_is_refused_with_the_closest_name(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=exactly(message.format(f=path))):
        load_config(path)


@pytest.mark.parametrize("key, value, problem", [
    pytest.param("training.epochs", "'5'", "training.epochs = '5': must be an integer",
                 id="string-for-int"),
    pytest.param("training.epochs", "5.0", "training.epochs = 5.0: must be an integer",
                 id="float-for-int"),
    pytest.param("data.batch_size", "true", "data.batch_size = true: must be an integer",
                 id="bool-for-int"),
    pytest.param("data.noise", "false", "data.noise = false: must be a number",
                 id="bool-for-float"),
    pytest.param("data.noise", ".inf", "data.noise = inf: must be a finite number",
                 id="infinite-float"),
    pytest.param("data.shuffle", "1", "data.shuffle = 1: must be true or false",
                 id="int-for-bool"),
    pytest.param("data.shuffle", "yes", "data.shuffle = 'yes': must be true or false",
                 id="yes-for-bool"),
    pytest.param("model.activation", "3", "model.activation = 3: must be a string",
                 id="int-for-string"),
    pytest.param("model.hidden", "64", "model.hidden = 64: must be a list of integers",
                 id="scalar-for-list"),
    pytest.param("model.hidden", "[64, '32']", "model.hidden[1] = '32': must be an integer",
                 id="bad-list-item"),
    pytest.param("model.metrics", "accuracy", "model.metrics = 'accuracy': must be a list of "
                 "strings or null", id="string-for-optional-list"),
    pytest.param("model.layers", "[Dense]", "model.layers[0] = 'Dense': must be a mapping",
                 id="layer-not-a-mapping"),
    pytest.param("data.inputs", "3", "data.inputs = 3: must be a string, a list of strings or "
                 "null", id="union"),
    pytest.param("data.sample", "null", 'data.sample: unknown key in data (did you mean '
                 '"samples"?)', id="unknown-even-when-null"),
    pytest.param("training.steps_per_epoch", "[1]", "training.steps_per_epoch = [1]: must be an "
                 "integer or null", id="list-for-optional-int"),
    pytest.param("data", "[1, 2]", "data = [1, 2]: must be a mapping",
                 id="section-not-a-mapping"),
    pytest.param("optimizer", "0.001", "optimizer = 0.001: must be a mapping",
                 id="optimizer-not-a-mapping"),
    pytest.param("sweep.grid", "[1]", "sweep.grid = [1]: must be a mapping",
                 id="grid-not-a-mapping"),
])
def test_wrong_type_names_key_value_and_expected_type(tmp_path, key, value, problem):
    section, _, name = key.rpartition(".")
    text = f"{section}:\n  {name}: {value}\n" if section else f"{name}: {value}\n"
    path = write(tmp_path, text)
    line = 2 if section else 1
    with pytest.raises(ConfigError, match=exactly(f"{path}:{line}: {problem}")):
        load_config(path)


@pytest.mark.parametrize("key, value, allowed", [
    pytest.param("training.epochs", -3, "an integer in [1, 2147483647]", id="epochs-negative"),
    pytest.param("data.batch_size", 0, "an integer in [1, 2147483647]", id="batch-size-zero"),
    pytest.param("seed", -1, "an integer in [0, 4294967295]", id="seed-negative"),
    pytest.param("data.classes", 1, "an integer in [2, 2147483647]", id="one-class"),
    pytest.param("data.validation_split", 1.0, "a number in [0, 1)", id="split-one-open-high"),
    pytest.param("data.validation_split", -0.1, "a number in [0, 1)", id="split-negative"),
    pytest.param("model.dropout", 1, "a number in [0, 1)", id="dropout-int-converted"),
    pytest.param("data.noise", -0.5, "a number >= 0", id="noise-negative"),
    pytest.param("training.steps_per_epoch", 0, "an integer in [1, 2147483647]", id="optional-int"),
    pytest.param("training.keep_checkpoints", 0, "an integer in [1, 2147483647]",
                 id="keep-checkpoints"),
])
def test_out_of_range_value_names_key_value_and_range(key, value, allowed):
    raw: dict = {}
    node = raw
    *sections, name = key.split(".")
    for section in sections:
        node = node.setdefault(section, {})
    node[name] = value
    shown = f"{float(value)}" if key in ("model.dropout",) else f"{value}"
    with pytest.raises(ConfigError, match=exactly(f"{key} = {shown}: must be {allowed}")):
        resolve(raw)


@pytest.mark.parametrize("key, value, message", [
    pytest.param("backend", "tensorflw", "backend = 'tensorflw': must be one of tensorflow, jax "
                 'or torch (did you mean "tensorflow"?)', id="backend-typo"),
    pytest.param("device", "cuda", "device = 'cuda': must be auto, cpu, gpu, or gpu:N with N a "
                 "GPU index (gpu:0, gpu:1...)", id="device-no-suggestion"),
    pytest.param("data.task", "clasification", "data.task = 'clasification': must be one of "
                 'classification or regression (did you mean "classification"?)', id="task"),
    pytest.param("training.mixed_precision", "float16", "training.mixed_precision = 'float16': "
                 "must be one of float32, mixed_float16, mixed_bfloat16 or null "
                 '(did you mean "float32"?)', id="nullable-choice"),
    pytest.param("data.source", "cvs", "data.source = 'cvs': must be one of synthetic, digits, "
                 "csv, parquet, npz, mnist, fashion_mnist, cifar10, cifar100 or boston_housing "
                 '(did you mean "csv"?)', id="source"),
    pytest.param("sweep.mode", "maximum", "sweep.mode = 'maximum': must be one of auto, min or max "
                 '(did you mean "max"?)', id="sweep-mode"),
])
def test_value_outside_choices_names_the_choices(key, value, message):
    section, _, name = key.rpartition(".")
    raw = {section: {name: value}} if section else {name: value}
    with pytest.raises(ConfigError, match=exactly(message)):
        resolve(raw)


def test_ints_become_floats_and_lists_become_tuples():
    config = resolve({"data": {"noise": 0, "inputs": ["a", "b"]}, "model": {"hidden": [8]},
                      "sweep": {"seeds": [1, 2]}})
    assert config.data.noise == 0.0 and isinstance(config.data.noise, float)
    assert config.data.inputs == ("a", "b")
    assert config.model.hidden == (8,)
    assert config.sweep.seeds == (1, 2)


def test_error_in_a_list_item_names_the_item_line(tmp_path):
    path = write(tmp_path, "model:\n  hidden:\n    - 32\n    - 0\n")
    with pytest.raises(ConfigError, match=exactly(
            f"{path}:4: model.hidden[1] = 0: must be an integer in [1, 2147483647]")):
        load_config(path)


def test_error_without_a_file_names_only_the_key():
    with pytest.raises(ConfigError, match=exactly(
            "training.epochs = 0: must be an integer in [1, 2147483647]")):
        resolve({"training": {"epochs": 0}})
