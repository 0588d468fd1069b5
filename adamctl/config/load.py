"""Read a YAML config safely, remembering the line of every key.

Only plain YAML values are built (mappings, lists, strings, numbers, booleans,
null): a tag that would construct a Python object is an error, never run.
Duplicate keys in one mapping are an error (PyYAML would silently keep the
last). Floats may be written as YAML 1.2 allows, without a dot (``1e-8``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from adamctl.errors import ConfigError

__all__ = ["ConfigLoader", "Lines", "read_yaml", "parse_value"]

# Key path (as a tuple of keys and list indexes) -> 1-based line number.
Lines = dict[tuple[Any, ...], int]

# YAML 1.1 (PyYAML) reads 1e-8 as a string; YAML 1.2 and every user read it
# as a float. This resolver accepts both spellings.
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


class ConfigLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 floats and no duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ConfigError(
                    f"duplicate key {key!r} (first on line {seen[key]})",
                    line=line, key_path=str(key),
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ConfigLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def read_yaml(path: Path | str) -> tuple[Any, Lines]:
    """The document in ``path`` and the line of each key in it.

    Raises:
        ConfigError: the file cannot be read, is not valid YAML, holds a
            Python tag, or repeats a key; the message names the file and line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("no such file", file=path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot be read: {error}", file=path) from None
    return _parse(text, path)


def _parse(text: str, path: Path | str | None) -> tuple[Any, Lines]:
    loader = ConfigLoader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except ConfigError as error:
        raise ConfigError(error.problem, file=path, line=error.line, key_path=error.key_path) from None
    except yaml.constructor.ConstructorError as error:
        raise _tag_error(error, path) from None
    except yaml.YAMLError as error:
        raise _syntax_error(error, path) from None
    finally:
        loader.dispose()
    lines: Lines = {}
    if node is not None:
        _collect_lines(node, (), lines)
    return data, lines


def _tag_error(error: yaml.constructor.ConstructorError, path: Any) -> ConfigError:
    mark = error.problem_mark
    tag = re.search(r"tag '([^']*)'", str(error.problem))
    shown = tag.group(1).replace("tag:yaml.org,2002:", "!!") if tag else "this tag"
    return ConfigError(
        f"YAML tag {shown} is not allowed: a config holds only plain values "
        "(mappings, lists, strings, numbers, true/false, null)",
        file=path, line=None if mark is None else mark.line + 1,
    )


def _syntax_error(error: yaml.YAMLError, path: Any) -> ConfigError:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    where = "" if mark is None else f" (column {mark.column + 1})"
    return ConfigError(
        f"not valid YAML: {problem}{where}", file=path, line=None if mark is None else mark.line + 1
    )


def _collect_lines(node: yaml.Node, prefix: tuple[Any, ...], lines: Lines) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = prefix + (key_node.value,)
            lines[key] = key_node.start_mark.line + 1
            _collect_lines(value_node, key, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault(prefix + (index,), item.start_mark.line + 1)
            _collect_lines(item, prefix + (index,), lines)


def parse_value(text: str) -> Any:
    """One value written as in a config file (``0.9``, ``1e-8``, ``true``, ``[32, 32]``).

    Raises:
        ConfigError: the text is not valid YAML or holds a tag.
    """
    data, _ = _parse(text, None)
    return data
