"""Read a YAML config safely, remembering the line of every key.

The text is composed into YAML nodes by a ``yaml.SafeLoader`` subclass, and
the nodes are turned into Python values here, by a walk that builds only
plain data: mappings, lists, strings, integers, floats, booleans and null.
Any other tag (``!!python/object/apply:os.system``, ``!!binary``, ``!foo``)
is an error naming the tag and the line; nothing is ever constructed from
it. The walk also records the line of every key and list item, and refuses
a key repeated in one mapping (PyYAML would silently keep the last).

Scalars follow the YAML 1.2 core schema, which is what users expect from a
config file: ``1e-8`` is a float (YAML 1.1 reads it as a string), only
``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` are
strings), ``010`` is ten, and dates stay strings. Underscores in numbers
(``10_000``) are accepted. Merge keys (``<<: *defaults``) work as in YAML 1.1.
"""

from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path
from typing import Any, Mapping

import yaml

from adamctl.config._walk import dotted, kind
from adamctl.errors import ConfigError

__all__ = [
    "ConfigLoader",
    "KeyLines",
    "MAX_CONFIG_BYTES",
    "parse_text",
    "parse_value",
    "read_config",
    "read_yaml",
    "require_mapping",
]

KeyLines = dict[tuple[Any, ...], int]
"""Key path (keys and list indexes, e.g. ``("model", "hidden", 1)``) -> 1-based line."""

_YAML = "tag:yaml.org,2002:"
_MAX_VALUES = 100_000  # far above any real config; stops aliases that expand exponentially
# The largest shipped config is under 2 KiB; a cap read before parsing stops
# /dev/zero-like files and multi-gigabyte documents from filling memory.
MAX_CONFIG_BYTES = 1 << 20
_RESOLVERS = {
    "bool": (r"true|True|TRUE|false|False|FALSE", "tTfF"),
    "int": (r"[-+]?[0-9][0-9_]*|0o[0-7][0-7_]*|0x[0-9a-fA-F][0-9a-fA-F_]*", "-+0123456789"),
    "float": (
        r"[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+0123456789.",
    ),
}


class ConfigLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` resolving plain scalars by the YAML 1.2 core schema.

    Only its reader, scanner, parser, composer and resolver are used: values
    are built from the composed nodes by :func:`parse_text`, never by
    PyYAML's constructors. Composition stops after :data:`_MAX_VALUES`
    nodes, so a document of a million keys is refused after a tenth of a
    second rather than after a minute and gigabytes of nodes.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._nodes += 1
        if self._nodes > _MAX_VALUES:
            mark = self.peek_event().start_mark
            raise ConfigError(f"the document holds more than {_MAX_VALUES} values",
                              line=mark.line + 1)
        return super().compose_node(parent, index)


# Keep PyYAML's null and merge-key resolvers; replace bool, int and float, and
# drop timestamp and the ``=`` value tag, so that those stay strings.
ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag in (_YAML + "null", _YAML + "merge")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _name, (_pattern, _first) in _RESOLVERS.items():
    ConfigLoader.add_implicit_resolver(_YAML + _name, re.compile(f"^(?:{_pattern})$"), list(_first))


def read_yaml(path: str | Path) -> tuple[Any, KeyLines]:
    """The YAML document in ``path`` (``None`` when empty) and the line of each key.

    Raises:
        ConfigError: the file is missing or unreadable, is not valid YAML,
            holds a tag other than plain data, or repeats a key; the message
            names the file and, where there is one, the line.
    """
    path = Path(path)
    try:
        text = _read_bytes(path).decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("no such file", file=path) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not a config file", file=path) from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"is not UTF-8 text ({error.reason} at byte {error.start})",
                          file=path) from None
    except OSError as error:
        raise ConfigError(f"cannot be read: {error.strerror}", file=path) from None
    return parse_text(text, source=path)


def _read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_CONFIG_BYTES`.

    The file is opened without blocking (a FIFO would wait for a writer
    for ever) and checked with ``fstat`` on the open descriptor, so what is
    checked is what is read. At most one byte past the cap is read, so a
    device or a growing file cannot fill memory.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(descriptor, "rb") as file:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise ConfigError(f"is not a regular file ({_file_kind(mode)}): a config must be "
                              "a YAML file", file=path)
        data = file.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"is larger than {MAX_CONFIG_BYTES // 1024} KiB: a config is a short "
                          "YAML file", file=path)
    return data


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def read_config(path: str | Path) -> tuple[dict[str, Any], KeyLines]:
    """:func:`read_yaml`, also requiring the top level to be a mapping."""
    data, lines = read_yaml(path)
    return require_mapping(data, file=path), lines


def require_mapping(data: Any, *, file: str | Path | None = None) -> dict[str, Any]:
    """``data`` if it is a mapping, else the error saying the top level must be one."""
    if isinstance(data, Mapping):
        return dict(data)
    found = "an empty document" if data is None else kind(data)
    raise ConfigError(
        f"the top level must be a mapping of keys (name, data, model, optimizer, training, ...), "
        f"not {found}",
        file=file,
    )


def parse_text(text: str, *, source: str | Path | None = None) -> tuple[Any, KeyLines]:
    """Parse one YAML document given as text; see :func:`read_yaml`.

    ``source`` names where the text came from, in errors.
    """
    try:
        node = _compose(text)
        if node is None:
            return None, {}
        builder = _Builder(source)
        return builder.build(node, ()), builder.lines
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, source) from None
    except ConfigError as error:
        raise error.with_file(source) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        raise ConfigError(f"not valid YAML: character #x{error.character:04x} is not allowed",
                          file=source, line=line) from None
    except RecursionError:
        raise ConfigError("not valid YAML: nested too deeply", file=source) from None


def parse_value(text: str, *, source: str | Path | None = None) -> Any:
    """One value written as in a config file: ``0.9``, ``1e-8``, ``true``, ``[32, 32]``.

    Raises:
        ConfigError: the text is not valid YAML or holds a tag other than plain data.
    """
    return parse_text(text, source=source)[0]


def _compose(text: str) -> yaml.Node | None:
    loader = ConfigLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _syntax_error(error: yaml.MarkedYAMLError, source: str | Path | None) -> ConfigError:
    mark = error.problem_mark or error.context_mark
    parts = [part for part in (error.context, error.problem) if part]
    problem = ", ".join(parts) or "cannot be parsed"
    if mark is None:
        return ConfigError(f"not valid YAML: {problem}", file=source)
    return ConfigError(f"not valid YAML: {problem} (column {mark.column + 1})",
                       file=source, line=mark.line + 1)


class _Builder:
    """Turns composed YAML nodes into plain values, recording each key's line."""

    def __init__(self, source: str | Path | None) -> None:
        self.source = source
        self.lines: KeyLines = {}
        self._count = 0
        self._open: set[int] = set()  # nodes being built: meeting one again is a cycle

    def build(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        self._count += 1
        if self._count > _MAX_VALUES:
            raise self._error(node, path, f"the document holds more than {_MAX_VALUES} values "
                              "(do aliases expand too far?)")
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._open:
            raise self._error(node, path, "an alias refers to a value that contains it")
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode) and node.tag == _YAML + "seq":
                return self._sequence(node, path)
            if isinstance(node, yaml.MappingNode) and node.tag == _YAML + "map":
                return self._mapping(node, path)
            raise self._tag_error(node, path)
        finally:
            self._open.discard(id(node))

    def _sequence(self, node: yaml.SequenceNode, path: tuple[Any, ...]) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            self.lines[path + (index,)] = item.start_mark.line + 1
            items.append(self.build(item, path + (index,)))
        return items

    def _mapping(self, node: yaml.MappingNode, path: tuple[Any, ...]) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _YAML + "merge":
                result.update(self._merged(value_node, path))
        for key_node, value_node in node.value:
            if key_node.tag == _YAML + "merge":
                continue
            key, line = self._key(key_node, path), key_node.start_mark.line + 1
            if key in first_line:
                raise ConfigError(f"duplicate key (first on line {first_line[key]})",
                                  file=self.source, line=line, key_path=dotted(path + (key,)))
            first_line[key] = self.lines[path + (key,)] = line
            result[key] = self.build(value_node, path + (key,))
        return result

    def _merged(self, node: yaml.Node, path: tuple[Any, ...]) -> dict[Any, Any]:
        """The keys a ``<<`` merge brings in; earlier mappings win, as in YAML 1.1."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[Any, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                raise self._error(source, path, "<< must merge a mapping or a list of mappings")
            merged.update(self.build(source, path))
        return merged

    def _key(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self._error(node, path, "a key must be a plain value, not a list or mapping")
        return self._scalar(node, path)

    def _scalar(self, node: yaml.ScalarNode, path: tuple[Any, ...]) -> Any:
        kind = node.tag[len(_YAML):] if node.tag.startswith(_YAML) else None
        text = node.value
        try:
            if kind == "str":
                return text
            if kind == "null":
                return None
            if kind == "bool":
                return {"true": True, "false": False}[text.lower()]
            if kind == "int":
                return _int(text)
            if kind == "float":
                return _float(text)
        except (KeyError, ValueError):
            raise self._error(node, path, f"{text!r} is not a valid !!{kind}") from None
        raise self._tag_error(node, path)

    def _tag_error(self, node: yaml.Node, path: tuple[Any, ...]) -> ConfigError:
        tag = node.tag.replace(_YAML, "!!", 1) if node.tag.startswith(_YAML) else node.tag
        return self._error(node, path, f"YAML tag {tag} is not allowed: a config holds only "
                           "mappings, lists, strings, numbers, true/false and null")

    def _error(self, node: yaml.Node, path: tuple[Any, ...], problem: str) -> ConfigError:
        return ConfigError(problem, file=self.source, line=node.start_mark.line + 1,
                           key_path=dotted(path) or None)


def _int(text: str) -> int:
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    if digits[:2] in ("0x", "0o"):
        return sign * int(digits[2:], 16 if digits[1] == "x" else 8)
    return sign * int(digits, 10)


def _float(text: str) -> float:
    digits = text.replace("_", "").lower()
    if digits.lstrip("+-") == ".inf":
        return -math.inf if digits.startswith("-") else math.inf
    if digits == ".nan":
        return math.nan
    return float(digits)
