"""``--set KEY.PATH=VALUE``: parsing, applying, and errors that name the override."""

from __future__ import annotations

import pytest

from adamctl.config import apply_overrides, load_config
from adamctl.config.overrides import Override, override_origins, parse_override
from adamctl.errors import ConfigError

from .helpers import exactly, write


@pytest.mark.parametrize("text, keys, value", [
    pytest.param("optimizer.beta_1=0.95", ("optimizer", "beta_1"), 0.95, id="float"),
    pytest.param("optimizer.epsilon=1e-8", ("optimizer", "epsilon"), 1e-8, id="float-no-dot"),
    pytest.param("optimizer.amsgrad=true", ("optimizer", "amsgrad"), True, id="bool"),
    pytest.param("model.hidden=[32,32]", ("model", "hidden"), [32, 32], id="list"),
    pytest.param("data.path=x.csv", ("data", "path"), "x.csv", id="string"),
    pytest.param("training.steps_per_epoch=", ("training", "steps_per_epoch"), None,
                 id="empty-is-null"),
    pytest.param("name=a=b", ("name",), "a=b", id="equals-in-value"),
    pytest.param(" seed = 3", ("seed",), 3, id="spaces-around"),
    pytest.param("optimizer.learning_rate={schedule: CosineDecay, decay_steps: 10}",
                 ("optimizer", "learning_rate"), {"schedule": "CosineDecay", "decay_steps": 10},
                 id="mapping"),
    pytest.param("sweep.grid.optimizer.beta_1=[0.9,0.99]", ("sweep", "grid", "optimizer.beta_1"),
                 [0.9, 0.99], id="grid-key-keeps-its-dots"),
])
def test_value_is_parsed_as_yaml(text, keys, value):
    assert parse_override(text) == Override(text, keys, value)


@pytest.mark.parametrize("text, message", [
    pytest.param("optimizer.beta_1", "--set optimizer.beta_1: must be KEY.PATH=VALUE, for "
                 "example optimizer.beta_1=0.95", id="no-equals"),
    pytest.param("=0.9", "--set =0.9: must be KEY.PATH=VALUE, for example "
                 "optimizer.beta_1=0.95", id="empty-key"),
    pytest.param("optimizer..beta_1=0.9", "--set optimizer..beta_1=0.9: must be KEY.PATH=VALUE, "
                 "for example optimizer.beta_1=0.95", id="empty-key-part"),
    pytest.param("model.hidden=[32,", "--set model.hidden=[32,: model.hidden: not valid YAML: "
                 "while parsing a flow node, expected the node content, but found "
                 "'<stream end>' (column 5)", id="bad-yaml-value"),
    pytest.param("name=!!python/name:os.system", "--set name=!!python/name:os.system: name: "
                 "YAML tag !!python/name:os.system is not allowed: a config holds only mappings, "
                 "lists, strings, numbers, true/false and null", id="python-tag"),
])
def test_malformed_override_is_named(text, message):
    with pytest.raises(ConfigError, match=exactly(message)):
        parse_override(text)


def test_overrides_create_missing_mappings_and_leave_raw_unchanged():
    raw = {"model": {"hidden": [8]}, "data": None}
    result = apply_overrides(raw, ["optimizer.learning_rate.decay_steps=10",
                                   "data.batch_size=4", "model.activation=tanh"])
    assert result == {"model": {"hidden": [8], "activation": "tanh"}, "data": {"batch_size": 4},
                      "optimizer": {"learning_rate": {"decay_steps": 10}}}
    assert raw == {"model": {"hidden": [8]}, "data": None}


def test_later_override_wins():
    result = apply_overrides({}, ["seed=1", "seed=2"])
    assert result == {"seed": 2}
    assert override_origins(["seed=1", "seed=2"]) == {("seed",): "--set seed=2"}


def test_override_through_a_value_that_is_not_a_mapping_is_refused():
    with pytest.raises(ConfigError, match=exactly(
            "--set model.hidden.units=3: model.hidden.units: cannot set a key inside "
            "model.hidden, which is a list, not a mapping")):
        apply_overrides({"model": {"hidden": [8]}}, ["model.hidden.units=3"])


@pytest.mark.parametrize("text, overrides, message", [
    pytest.param("training:\n  epochs: 3\n", ["training.epochs=-3"],
                 "--set training.epochs=-3: training.epochs = -3: must be an integer in "
                 "[1, 2147483647]",
                 id="replaces-a-key-in-the-file"),
    pytest.param("name: demo\n", ["data.batch_size=0"],
                 "--set data.batch_size=0: data.batch_size = 0: must be an integer in "
                 "[1, 2147483647]",
                 id="creates-a-section"),
    pytest.param("name: demo\n", ["model.hiden=[8]"],
                 '--set model.hiden=[8]: model.hiden: unknown key in model (did you mean '
                 '"hidden"?)', id="unknown-key"),
    pytest.param("name: demo\n", ["model={hidden: [8, 0]}"],
                 "--set model={hidden: [8, 0]}: model.hidden[1] = 0: must be an integer in "
                 "[1, 2147483647]",
                 id="inside-an-overridden-mapping"),
    pytest.param("name: demo\n", ["sweep.grid.training.epochs=[2, -1]"],
                 "--set sweep.grid.training.epochs=[2, -1]: sweep.grid.training.epochs[1] = -1: "
                 "must be an integer in [1, 2147483647]", id="grid-value"),
])
def test_error_in_overridden_value_names_the_override(tmp_path, text, overrides, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=exactly(message)):
        load_config(path, overrides)


def test_error_in_a_key_not_overridden_still_names_the_file_line(tmp_path):
    path = write(tmp_path, "training:\n  epochs: 0\n")
    with pytest.raises(ConfigError, match=exactly(
            f"{path}:2: training.epochs = 0: must be an integer in [1, 2147483647]")):
        load_config(path, ["training.keep_checkpoints=2"])


def test_overrides_apply_on_top_of_the_file(tmp_path):
    path = write(tmp_path, "optimizer:\n  beta_1: 0.9\nmodel:\n  hidden: [64]\n")
    config = load_config(path, ["model.hidden=[32,32]", "optimizer.amsgrad=true"])
    assert config.model.hidden == (32, 32)
    assert config.optimizer["amsgrad"] is True
    assert config.optimizer["beta_1"] == 0.9


def test_override_errors_come_before_reading_the_file(tmp_path):
    with pytest.raises(ConfigError, match=exactly(
            "--set seed: must be KEY.PATH=VALUE, for example optimizer.beta_1=0.95")):
        load_config(tmp_path / "missing.yaml", ["seed"])


def test_one_string_instead_of_a_list_is_a_programming_error(tmp_path):
    with pytest.raises(TypeError, match="overrides must be a list of KEY.PATH=VALUE strings"):
        load_config(write(tmp_path, "{}\n"), "seed=1")
