"""Experiment configs: load YAML safely, apply ``--set`` overrides, resolve, write back.

Importing this package loads neither Keras, TensorFlow nor pandas.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from adamctl._atomic import atomic_write_text
from adamctl.config.load import read_yaml
from adamctl.config.overrides import apply_overrides, overridden_keys
from adamctl.config.resolve import resolve
from adamctl.config.schema import Config

__all__ = [
    "Config",
    "apply_overrides",
    "config_from_dict",
    "config_hash",
    "config_to_dict",
    "describe_schema",
    "diff_configs",
    "dump_config_yaml",
    "load_config",
    "resolve",
    "write_config",
]


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> Config:
    """Read ``path``, apply the ``--set`` overrides, and resolve it into a :class:`Config`.

    Relative data paths are taken from the config file's folder.

    Raises:
        ConfigError: anything wrong, naming the file, line, key path and value.
    """
    path = Path(path)
    raw, lines = read_yaml(path)
    if overrides:
        if raw is not None and not isinstance(raw, Mapping):
            return resolve(raw, file=path)  # reports the non-mapping top level
        raw = apply_overrides(raw, overrides)
    return resolve(raw, file=path, lines=lines, base_dir=path.resolve().parent,
                   origins=overridden_keys(overrides))


def config_to_dict(config: Config) -> dict[str, Any]:
    """The config as plain YAML/JSON-safe data, keys in schema order (tuples become lists)."""
    return _plain(dataclasses.asdict(config))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def config_from_dict(data: Mapping[str, Any]) -> Config:
    """The inverse of :func:`config_to_dict` (the mapping is checked again)."""
    return resolve(data)


def dump_config_yaml(config: Config) -> str:
    """Block-style YAML of the resolved config, in schema order."""
    return yaml.safe_dump(config_to_dict(config), sort_keys=False, default_flow_style=False,
                          allow_unicode=True)


def write_config(config: Config, path: str | Path) -> None:
    """Write the resolved config as YAML, atomically."""
    atomic_write_text(Path(path), dump_config_yaml(config))


def config_hash(config: Config) -> str:
    """SHA-256 of the canonical JSON of the resolved config."""
    canonical = json.dumps(config_to_dict(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def diff_configs(old: Config, new: Config) -> list[tuple[str, Any, Any]]:
    """(dotted key, old value, new value) for every leaf that differs, in schema order."""
    changes: list[tuple[str, Any, Any]] = []
    _diff(config_to_dict(old), config_to_dict(new), "", changes)
    return changes


def _diff(old: Any, new: Any, prefix: str, changes: list) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            _diff(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else key, changes)
    elif old != new:
        changes.append((prefix, old, new))


def describe_schema() -> list[tuple[str, Any, str]]:
    """(key path, default, help) for every field, for documentation."""
    rows: list[tuple[str, Any, str]] = []
    _describe(Config, "", rows)
    return rows


def _describe(cls: Any, prefix: str, rows: list) -> None:
    for field in dataclasses.fields(cls):
        key = f"{prefix}{field.name}"
        default = field.default_factory() if field.default_factory is not dataclasses.MISSING \
            else field.default
        if dataclasses.is_dataclass(default):
            _describe(type(default), f"{key}.", rows)
        else:
            rows.append((key, _plain(default), field.metadata.get("help", "")))
