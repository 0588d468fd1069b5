"""A resolved config as plain data: a dict, YAML, a hash, a diff; and the schema as a table.

Plain means what JSON and YAML hold: dicts in schema order, lists (tuples
become lists), strings, numbers, booleans and null.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, Mapping

import yaml

from adamctl._atomic import atomic_write_text
from adamctl.config._walk import hints_of, section_class
from adamctl.config.load import ConfigLoader
from adamctl.config.resolve import resolve
from adamctl.config.schema import Config

__all__ = [
    "config_from_dict",
    "config_hash",
    "config_to_dict",
    "describe_schema",
    "diff_configs",
    "diff_mappings",
    "dump_config_yaml",
    "write_config",
]


def config_to_dict(config: Config) -> dict[str, Any]:
    """The config as plain YAML/JSON-safe data, keys in schema order."""
    return _plain(config)


def config_from_dict(data: Mapping[str, Any]) -> Config:
    """The inverse of :func:`config_to_dict`, checking everything again.

    For re-reading the resolved config written in a run directory: its data
    path is absolute, so no base directory is needed.

    Raises:
        ConfigError: ``data`` is not a valid config.
    """
    return resolve(data)


def dump_config_yaml(config: Config) -> str:
    """Block-style YAML of the config, keys in schema order, short lists on one line."""
    return yaml.dump(config_to_dict(config), Dumper=_Dumper, sort_keys=False,
                     default_flow_style=False, allow_unicode=True, width=100)


def write_config(config: Config, path: str | Path) -> None:
    """Write :func:`dump_config_yaml` to ``path`` atomically (whole, or not at all)."""
    atomic_write_text(Path(path), dump_config_yaml(config))


def config_hash(config: Config) -> str:
    """SHA-256 (hex) of the canonical JSON of :func:`config_to_dict`: every key, sorted."""
    canonical = json.dumps(config_to_dict(config), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def diff_configs(old: Config, new: Config) -> list[tuple[str, Any, Any]]:
    """(dotted key, old value, new value) for each value that differs, in schema order.

    Mappings (the sections, the optimizer and its schedules, the sweep grid)
    are compared key by key; a key missing on one side reads as None there.
    """
    changes: list[tuple[str, Any, Any]] = []
    return diff_mappings(config_to_dict(old), config_to_dict(new))


def diff_mappings(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(dotted key, old value, new value) for each value that differs between two plain mappings.

    Nested mappings are compared key by key, anything else (lists included)
    as a whole; a key missing on one side reads as None there.
    """
    changes: list[tuple[str, Any, Any]] = []
    _diff(dict(old), dict(new), "", changes)
    return changes


def describe_schema() -> list[tuple[str, Any, str]]:
    """(key path, default, help) for every config key, in schema order, for documentation."""
    rows: list[tuple[str, Any, str]] = []
    _describe(Config, "", rows)
    return rows


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name))
                for field in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _diff(old: Any, new: Any, prefix: str, changes: list[tuple[str, Any, Any]]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(key for key in new if key not in old)]:
            _diff(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else str(key), changes)
    elif old != new or type(old) is not type(new):
        changes.append((prefix, old, new))


def _describe(cls: type, prefix: str, rows: list[tuple[str, Any, str]]) -> None:
    hints = hints_of(cls)
    for field in dataclasses.fields(cls):
        key, help_text = prefix + field.name, field.metadata["help"]
        section = section_class(hints[field.name])
        if section is None:
            rows.append((key, _plain(_default(field)), help_text))
            continue
        if field.default is None:  # an optional section: say what leaving it out means
            rows.append((key, None, help_text))
        _describe(section, key + ".", rows)


def _default(field: dataclasses.Field) -> Any:
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


class _Dumper(yaml.SafeDumper):
    """Quotes every string that YAML 1.1 *or* :class:`ConfigLoader` would read as
    something else, and writes lists of plain values on one line."""

    def represent_list(self, data: list[Any]) -> yaml.Node:
        flow = all(not isinstance(item, (list, dict)) for item in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _Dumper.represent_list)
for _first, _resolvers in ConfigLoader.yaml_implicit_resolvers.items():
    for _tag, _regexp in _resolvers:
        _Dumper.add_implicit_resolver(_tag, _regexp, [_first])
