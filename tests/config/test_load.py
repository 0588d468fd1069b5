"""Reading YAML: plain values only, line numbers, and a clear error for every bad file."""

from __future__ import annotations

import os

import pytest

from adamctl.config.load import MAX_CONFIG_BYTES, parse_text, parse_value, read_config, read_yaml
from adamctl.errors import ConfigError

from tests.helpers import run_cli

from .helpers import exactly, write


def test_every_key_and_list_item_has_its_line(tmp_path):
    path = write(tmp_path, """
        name: demo
        model:
          hidden:
            - 32
            - 16
          activation: tanh
        """)
    data, lines = read_yaml(path)
    assert data == {"name": "demo", "model": {"hidden": [32, 16], "activation": "tanh"}}
    assert lines == {("name",): 1, ("model",): 2, ("model", "hidden"): 3,
                     ("model", "hidden", 0): 4, ("model", "hidden", 1): 5,
                     ("model", "activation"): 6}


@pytest.mark.parametrize("text, expected", [
    pytest.param("1e-8", 1e-8, id="float-without-dot"),
    pytest.param("1.0e-07", 1e-7, id="float-as-pyyaml-writes-it"),
    pytest.param(".5", 0.5, id="float-leading-dot"),
    pytest.param("-.inf", float("-inf"), id="minus-infinity"),
    pytest.param("10_000", 10000, id="int-with-underscores"),
    pytest.param("010", 10, id="leading-zero-is-decimal"),
    pytest.param("0x1F", 31, id="hex"),
    pytest.param("true", True, id="true"),
    pytest.param("FALSE", False, id="false-upper"),
    pytest.param("yes", "yes", id="yes-is-a-string"),
    pytest.param("off", "off", id="off-is-a-string"),
    pytest.param("2024-01-02", "2024-01-02", id="date-is-a-string"),
    pytest.param("~", None, id="tilde-is-null"),
    pytest.param("", None, id="empty-is-null"),
    pytest.param("=", "=", id="equals-is-a-string"),
    pytest.param("'0.5'", "0.5", id="quoted-stays-a-string"),
    pytest.param("!!float 3", 3.0, id="explicit-float-tag"),
    pytest.param("[32, 32]", [32, 32], id="flow-list"),
    pytest.param("{log: [1e-4, 1e-2], num: 3}", {"log": [1e-4, 1e-2], "num": 3}, id="flow-map"),
])
def test_scalars_follow_yaml_1_2(text, expected):
    assert parse_value(text) == expected


def test_nan_is_read_as_a_float():
    value = parse_value(".nan")
    assert value != value


@pytest.mark.parametrize("text, message", [
    pytest.param("a: [1, 2\n", "{f}:2: not valid YAML: while parsing a flow sequence, expected "
                 "',' or ']', but got '<stream end>' (column 1)", id="unclosed-list"),
    pytest.param("a: 1\nb: c: d\n", "{f}:2: not valid YAML: mapping values are not allowed "
                 "here (column 5)", id="colon-in-plain-value"),
    pytest.param("a:\n\t- 1\n", "{f}:2: not valid YAML: while scanning for the next token, "
                 "found character '\\t' that cannot start any token (column 1)", id="tab-indent"),
    pytest.param("a: 1\n---\nb: 2\n", "{f}:2: not valid YAML: expected a single document in "
                 "the stream, but found another document (column 1)", id="two-documents"),
    pytest.param("a: *nowhere\n", "{f}:1: not valid YAML: found undefined alias 'nowhere' "
                 "(column 4)", id="undefined-alias"),
    pytest.param("a: 1\nb: \x07\n", "{f}:2: not valid YAML: character #x0007 is not allowed",
                 id="control-character"),
    pytest.param("a: !!int twelve\n", "{f}:1: a: 'twelve' is not a valid !!int",
                 id="bad-explicit-int"),
    pytest.param("? [1, 2]\n: x\n", "{f}:1: a key must be a plain value, not a list or mapping",
                 id="list-as-key"),
])
def test_malformed_yaml_names_file_line_and_column(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=exactly(message.format(f=path))):
        read_yaml(path)


@pytest.mark.parametrize("text, found", [
    pytest.param("- a\n- b\n", "a list", id="list"),
    pytest.param("just words\n", "a string", id="scalar"),
    pytest.param("42\n", "an integer", id="number"),
    pytest.param("", "an empty document", id="empty-file"),
    pytest.param("# only a comment\n", "an empty document", id="comment-only"),
])
def test_top_level_must_be_a_mapping(tmp_path, text, found):
    path = write(tmp_path, text)
    message = (f"{path}: the top level must be a mapping of keys (name, data, model, optimizer, "
               f"training, ...), not {found}")
    with pytest.raises(ConfigError, match=exactly(message)):
        read_config(path)


@pytest.mark.parametrize("value, tag, line", [
    pytest.param("!!python/object/apply:os.system ['touch {marker}']",
                 "!!python/object/apply:os.system", 2, id="os-system"),
    pytest.param("!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
                 "!!python/object/new:subprocess.Popen", 2, id="popen"),
    pytest.param("\n    !!python/name:os.system", "!!python/name:os.system", 3, id="python-name"),
    pytest.param("!!binary aGVsbG8=", "!!binary", 2, id="binary"),
    pytest.param("!!timestamp 2024-01-01", "!!timestamp", 2, id="explicit-timestamp"),
    pytest.param("!!set {a, b}", "!!set", 2, id="set"),
    pytest.param("!custom 3", "!custom", 2, id="local-tag"),
])
def test_object_tags_are_refused_and_never_constructed(tmp_path, value, tag, line):
    marker = tmp_path / "constructed"
    path = write(tmp_path, "optimizer:\n  name: " + value.replace("{marker}", str(marker)) + "\n")
    message = (f"{path}:{line}: optimizer.name: YAML tag {tag} is not allowed: a config holds "
               "only mappings, lists, strings, numbers, true/false and null")
    with pytest.raises(ConfigError, match=exactly(message)):
        read_yaml(path)
    assert not marker.exists()


@pytest.mark.parametrize("text, message", [
    pytest.param("seed: 1\nname: a\nseed: 2\n", "{f}:3: seed: duplicate key (first on line 1)",
                 id="top-level"),
    pytest.param("optimizer:\n  beta_1: 0.9\n  beta_2: 0.99\n  beta_1: 0.8\n",
                 "{f}:4: optimizer.beta_1: duplicate key (first on line 2)", id="nested"),
    pytest.param("model:\n  layers:\n    - {class_name: Dense, units: 1, units: 2}\n",
                 "{f}:3: model.layers[0].units: duplicate key (first on line 3)",
                 id="inside-list"),
])
def test_duplicate_keys_are_refused(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=exactly(message.format(f=path))):
        read_yaml(path)


def test_merge_keys_take_explicit_keys_over_merged_ones(tmp_path):
    path = write(tmp_path, """
        base: &base {beta_1: 0.8, beta_2: 0.99}
        optimizer:
          <<: *base
          beta_1: 0.7
        """)
    data, lines = read_yaml(path)
    assert data["optimizer"] == {"beta_1": 0.7, "beta_2": 0.99}
    assert lines[("optimizer", "beta_1")] == 4
    assert lines[("optimizer", "beta_2")] == 1  # where the merged value is written


def test_recursive_alias_is_refused(tmp_path):
    path = write(tmp_path, "a: &loop [1, *loop]\n")
    with pytest.raises(ConfigError, match=exactly(
            f"{path}:1: a[1]: an alias refers to a value that contains it")):
        read_yaml(path)


def test_aliases_that_expand_exponentially_are_refused(tmp_path):
    levels = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 7)]
    path = write(tmp_path, "\n".join(levels) + "\n")
    with pytest.raises(ConfigError, match="the document holds more than 100000 values"):
        read_yaml(path)


@pytest.mark.parametrize("make, problem", [
    pytest.param(lambda p: None, "no such file", id="missing"),
    pytest.param(lambda p: p.mkdir(), "is a directory, not a config file", id="directory"),
    pytest.param(lambda p: p.write_bytes(b"name: \xff\n"),
                 "is not UTF-8 text (invalid start byte at byte 6)", id="not-utf8"),
])
def test_unreadable_file_is_named(tmp_path, make, problem):
    path = tmp_path / "experiment.yaml"
    make(path)
    with pytest.raises(ConfigError, match=exactly(f"{path}: {problem}")):
        read_yaml(path)


def test_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: demo\n".encode("utf-8"))
    assert read_yaml(path)[0] == {"name": "demo"}


def test_parse_text_names_its_source_in_errors():
    with pytest.raises(ConfigError, match=exactly("inline:1: a: duplicate key (first on line 1)")):
        parse_text("{a: 1, a: 2}", source="inline")


def test_a_device_is_refused_without_reading_it():
    # /dev/zero once grew to 12 GB; /dev/null is the same kind of file and safe to open.
    with pytest.raises(ConfigError, match=exactly(
            "/dev/null: is not a regular file (a character device): a config must be a YAML "
            "file")):
        read_yaml("/dev/null")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    # A real process, so that a regression hangs the child and the timeout fails the test.
    process = run_cli("validate", str(fifo), cwd=tmp_path, timeout=60)
    assert (process.returncode, process.stderr) == (
        2, f"error: {fifo}: is not a regular file (a FIFO): a config must be a YAML file\n")


def test_a_file_over_the_size_cap_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("name: demo\n" + "#" * MAX_CONFIG_BYTES + "\n")
    with pytest.raises(ConfigError, match=exactly(
            f"{path}: is larger than 1024 KiB: a config is a short YAML file")):
        read_yaml(path)


def test_the_value_limit_fires_while_composing_not_after(tmp_path):
    # 100,001 plain values, no aliases: the composer's count stops it (the builder's
    # message would add the key path and the alias hint).
    path = write(tmp_path, "name: x\nextra: [" + ",".join(["1"] * 100_001) + "]\n")
    with pytest.raises(ConfigError, match=exactly(
            f"{path}:2: the document holds more than 100000 values")):
        read_yaml(path)
