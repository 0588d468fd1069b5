"""Turn a raw mapping into a :class:`Config`: every key, type and range checked.

The walk is generic: each dataclass field's type hint says what it accepts,
and its metadata (``choices``, ``range``) what values are allowed. Rules
that tie fields together (a csv source needs a path; a layers list replaces
the preset) follow in :func:`_apply_rules`. The first problem found raises a
:class:`ConfigError` naming the file, the line, the key path, the value and
what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from pathlib import Path
from typing import Any, Mapping

from adamctl.config.schema import Config
from adamctl.errors import ConfigError

__all__ = ["resolve"]

class _Context:
    """Where values came from, to say so in errors."""

    def __init__(self, file: Any, lines: Mapping[tuple, int] | None, origins: Mapping[str, str] | None):
        self.file = None if file is None else str(file)
        self.lines = dict(lines or {})
        self.origins = dict(origins or {})

    def error(self, problem: str, path: tuple, value: Any = dataclasses.MISSING,
              suggestion: str | None = None) -> ConfigError:
        dotted = _dotted(path)
        origin = next((text for key, text in self.origins.items()
                       if dotted == key or dotted.startswith(key + ".") or key.startswith(dotted + ".")), None)
        file, line = self.file, None
        if origin is not None:
            file = f"{self.file} (--set {origin})" if self.file else f"--set {origin}"
        else:
            line = self._line(path)
        kwargs = {} if value is dataclasses.MISSING else {"value": value}
        return ConfigError(problem, file=file, key_path=dotted or None, line=line,
                           suggestion=suggestion, **kwargs)

    def _line(self, path: tuple) -> int | None:
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def _dotted(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def resolve(
    raw: Mapping[str, Any] | None,
    *,
    file: str | Path | None = None,
    lines: Mapping[tuple, int] | None = None,
    base_dir: str | Path | None = None,
    origins: Mapping[str, str] | None = None,
) -> Config:
    """Check ``raw`` and return the :class:`Config` it describes, defaults filled.

    Args:
        raw: the parsed YAML document (a mapping).
        file: the config file, named in errors.
        lines: key path -> line, from :func:`adamctl.config.load.read_yaml`.
        base_dir: where relative data paths start (the config file's folder).
        origins: dotted key -> the ``--set`` text that set it.

    Raises:
        ConfigError: the first problem found.
    """
    context = _Context(file, lines, origins)
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"the top level must be a mapping of sections (name, data, model, optimizer, "
            f"training...), not {_kind(raw)}", file=context.file,
        )
    config = _build(Config, raw, (), context)
    return _apply_rules(config, raw, context, Path(base_dir) if base_dir else Path.cwd())


def _build(cls: type, raw: Any, path: tuple, context: _Context) -> Any:
    if not isinstance(raw, Mapping):
        raise context.error(f"must be a mapping, not {_kind(raw)}", path, raw)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in raw:
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
            allowed = ", ".join(fields)
            raise context.error(f"unknown key; {_dotted(path) or 'the top level'} takes: {allowed}",
                                path + (key,), suggestion=close[0] if close else None)
    values = {}
    for name, field in fields.items():
        if name in raw:
            values[name] = _check_field(field, _convert(raw[name], hints[name], path + (name,), context),
                                        path + (name,), context)
    return cls(**values)


def _convert(value: Any, hint: Any, path: tuple, context: _Context) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _convert_union(value, args, path, context)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, path, context)
    if hint is Any:
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise context.error(f"must be a list, not {_kind(value)}", path, value)
        return tuple(_convert(item, args[0], path + (index,), context)
                     for index, item in enumerate(value))
    if origin in (Mapping, dict) or hint in (Mapping, dict):
        if not isinstance(value, Mapping):
            raise context.error(f"must be a mapping, not {_kind(value)}", path, value)
        return dict(value)
    return _convert_scalar(value, hint, path, context)


def _convert_union(value: Any, args: tuple, path: tuple, context: _Context) -> Any:
    if value is None:
        if type(None) in args:
            return None
        raise context.error("must not be null", path, value)
    options = [a for a in args if a is not type(None)]
    if len(options) > 1 and isinstance(value, (list, tuple)):
        options = [a for a in options if typing.get_origin(a) is tuple] or options
    elif len(options) > 1:
        options = [a for a in options if typing.get_origin(a) is not tuple] or options
    return _convert(value, options[0], path, context)


def _convert_scalar(value: Any, hint: Any, path: tuple, context: _Context) -> Any:
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise context.error("must be true or false", path, value)
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise context.error("must be an integer", path, value)
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise context.error("must be a number", path, value)
    if hint is str:
        if isinstance(value, str):
            return value
        raise context.error("must be a string", path, value)
    return value


def _check_field(field: dataclasses.Field, value: Any, path: tuple, context: _Context) -> Any:
    choices = field.metadata.get("choices")
    if choices is not None and value not in choices:
        shown = ", ".join("null" if c is None else str(c) for c in choices)
        close = difflib.get_close_matches(str(value), [str(c) for c in choices if c], n=1)
        raise context.error(f"must be one of: {shown}", path, value, close[0] if close else None)
    bounds = field.metadata.get("range")
    if bounds is not None and value is not None:
        for item in value if isinstance(value, tuple) else (value,):
            _check_range(item, bounds, field.metadata.get("range_open_high", False), path, context)
    return value


def _check_range(value: Any, bounds: tuple, open_high: bool, path: tuple, context: _Context) -> None:
    low, high = bounds
    too_low = low is not None and value < low
    too_high = high is not None and (value >= high if open_high else value > high)
    if not (too_low or too_high):
        return
    if high is None:
        allowed = f">= {low}"
    else:
        allowed = f"in [{low}, {high}{')' if open_high else ']'}"
    raise context.error(f"must be {allowed}", path, value)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "true/false",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)


def _apply_rules(config: Config, raw: Mapping[str, Any], context: _Context, base_dir: Path) -> Config:
    from adamctl.config.rules import apply_rules

    return apply_rules(config, raw, context, base_dir)
