"""The generic part of resolution: raw values checked against the schema's type hints.

:func:`build_section` turns a mapping into one of the schema's dataclasses,
field by field: unknown keys are refused with the closest valid name, each
value is converted to its field's type hint (:func:`convert`) and checked
against the field's ``choices`` and ``range`` metadata (:func:`check_allowed`).
:class:`Where` turns a key path into the place it came from (a line of the
file, or a ``--set`` override), so that every error can name it.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adamctl.config.schema import Config
from adamctl.errors import ConfigError

__all__ = [
    "KeyPath",
    "MISSING",
    "Where",
    "build_section",
    "check_allowed",
    "closest",
    "convert",
    "convert_field",
    "describe",
    "dotted",
    "fields_of",
    "hints_of",
    "kind",
    "section_class",
]

MISSING: Any = dataclasses.MISSING
KeyPath = tuple[Any, ...]
_SINGULAR_PLURAL = {
    int: ("an integer", "integers"),
    float: ("a number", "numbers"),
    str: ("a string", "strings"),
    bool: ("true or false", "true/false values"),
}


class Where:
    """Where each value of a raw config came from, to name it in errors.

    Args:
        file: the config file.
        lines: key path -> line, from :func:`adamctl.config.load.read_yaml`.
        origins: key path -> the override that put a value there, as errors
            name it (``--set seed=1``, ``--grid optimizer.beta_1=0.8,0.9``); an
            error at or below such a path names the override instead of the file.
    """

    def __init__(self, file: str | Path | None = None,
                 lines: Mapping[KeyPath, int] | None = None,
                 origins: Mapping[KeyPath, str] | None = None) -> None:
        self.file = None if file is None else str(file)
        self.lines = dict(lines or {})
        self.origins = dict(origins or {})

    def locate(self, path: KeyPath) -> tuple[str | None, int | None]:
        """(file or ``--set ...``/``--grid ...``, line or None) for the value at ``path``."""
        overrides = [key for key in self.origins if path[:len(key)] == key]
        if overrides:
            return self.origins[max(overrides, key=len)], None
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.file, self.lines[path[:end]]
        return self.file, None

    def error(self, problem: str, path: KeyPath, value: Any = MISSING,
              suggestion: str | None = None) -> ConfigError:
        """A :class:`ConfigError` about the value at ``path``."""
        file, line = self.locate(path)
        shown = {} if value is MISSING else {"value": value}
        return ConfigError(problem, file=file, line=line, key_path=dotted(path) or None,
                           suggestion=suggestion, **shown)


def build_section(cls: type, raw: Mapping[Any, Any], path: KeyPath, where: Where) -> Any:
    """An instance of the dataclass ``cls`` from the mapping ``raw``, defaults filled in."""
    fields = fields_of(cls)
    for key in raw:
        if key not in fields:
            raise _unknown_key(key, list(fields), path, where)
    hints = hints_of(cls)
    return cls(**{name: convert_field(fields[name], hints[name], raw[name], path + (name,), where)
                  for name in fields if name in raw})


def convert_field(field: dataclasses.Field, hint: Any, value: Any, path: KeyPath,
                  where: Where) -> Any:
    """``value`` converted to ``hint`` and checked against the field's metadata."""
    value = convert(value, hint, path, where)
    check_allowed(field.metadata, value, path, where)
    return value


def convert(value: Any, hint: Any, path: KeyPath, where: Where) -> Any:
    """``value`` as the type ``hint`` says, or the error saying what it must be.

    An int is accepted where a float is expected (and converted); a bool is
    never a number; a list is accepted where a tuple is declared; null is
    accepted for a section (a dataclass or a mapping) and means every default.
    """
    options, nullable = _options(hint)
    if value is None and nullable:
        return None
    if value is None and len(options) == 1 and _fits({}, options[0]):
        value = {}  # an empty section (every key commented out) means every default
    for option in options:
        if _fits(value, option):
            return _convert_to(value, option, path, where)
    raise where.error(f"must be {describe(hint)}", path, value)


def check_allowed(metadata: Mapping[str, Any], value: Any, path: KeyPath, where: Where) -> None:
    """Check ``value`` (each item, for a tuple) against ``choices`` and ``range``."""
    if value is None:
        return
    if isinstance(value, tuple):
        for index, item in enumerate(value):
            check_allowed(metadata, item, path + (index,), where)
        return
    choices = metadata.get("choices")
    if choices is not None and value not in choices:
        allowed = _either(["null" if choice is None else str(choice) for choice in choices])
        suggestion = closest(str(value), [c for c in choices if isinstance(c, str)])
        raise where.error(f"must be one of {allowed}", path, value, suggestion)
    bounds = metadata.get("range")
    if bounds is not None and not _in_range(value, bounds, metadata.get("range_open_high", False)):
        what = _SINGULAR_PLURAL[type(value)][0]
        raise where.error(f"must be {what} {_range_text(bounds, metadata)}", path, value)


def describe(hint: Any) -> str:
    """What a type hint accepts, in words: ``"a string, a list of strings or null"``."""
    options, nullable = _options(hint)
    return _either([_describe_one(option) for option in options] + (["null"] if nullable else []))


def section_class(hint: Any) -> type | None:
    """The dataclass a field holds (``SweepConfig | None`` -> SweepConfig), or None."""
    options, _ = _options(hint)
    if len(options) == 1 and dataclasses.is_dataclass(options[0]):
        return options[0]
    return None


@functools.cache
def fields_of(cls: type) -> dict[str, dataclasses.Field]:
    """The dataclass's fields by name, in declaration order."""
    return {field.name: field for field in dataclasses.fields(cls)}


@functools.cache
def hints_of(cls: type) -> dict[str, Any]:
    """The dataclass's type hints by field name, evaluated."""
    return typing.get_type_hints(cls)


def closest(word: str, candidates: list[str]) -> str | None:
    """The candidate most like ``word``, if one is close enough to be a likely typo."""
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def dotted(path: KeyPath) -> str:
    """``("model", "hidden", 1)`` -> ``"model.hidden[1]"``."""
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def kind(value: Any) -> str:
    """What a value is called in messages: ``"a list"``, ``"an integer"``, ``"null"``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    for types_, name in ((Mapping, "a mapping"), ((list, tuple), "a list"), (str, "a string"),
                         (int, "an integer"), (float, "a number")):
        if isinstance(value, types_):
            return name
    return type(value).__name__


def _unknown_key(key: Any, known: list[str], path: KeyPath, where: Where) -> ConfigError:
    suggestion = closest(str(key), known) or (None if path else _leaf_named(str(key)))
    problem = f"unknown key in {dotted(path)}" if path else "unknown top-level key"
    if suggestion:
        return where.error(problem, path + (key,), suggestion=suggestion)
    return where.error(f"{problem}; the keys are {', '.join(known)}", path + (key,))


def _leaf_named(key: str) -> str | None:
    """The dotted path of the one key named ``key`` in a section: epochs -> training.epochs.

    A top-level key that is no section's name is most often a key written
    without its section.
    """
    from adamctl.core.spec import ADAM_DEFAULTS  # keras-free; the optimizer's keys live there

    leaves = [*_leaf_paths(Config, ""), *(f"optimizer.{name}" for name in ADAM_DEFAULTS)]
    paths = [path for path in leaves if path.rpartition(".")[2] == key]
    return paths[0] if len(paths) == 1 else None


@functools.cache
def _leaf_paths(cls: type, prefix: str) -> tuple[str, ...]:
    paths: list[str] = []
    for name, hint in hints_of(cls).items():
        inner = section_class(hint)
        paths.extend(_leaf_paths(inner, f"{prefix}{name}.") if inner else [f"{prefix}{name}"])
    return tuple(paths)


def _options(hint: Any) -> tuple[list[Any], bool]:
    """The non-null types a hint allows, and whether null is allowed."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        return [arg for arg in args if arg is not type(None)], type(None) in args
    return [hint], hint is Any


def _fits(value: Any, option: Any) -> bool:
    origin = typing.get_origin(option) or option
    if option is Any:
        return True
    if origin is tuple or origin is list:
        return isinstance(value, (list, tuple))
    if dataclasses.is_dataclass(option) or origin in (Mapping, dict):
        return isinstance(value, Mapping)
    if isinstance(value, bool):
        return option is bool
    if option is float:
        return isinstance(value, (int, float))
    return isinstance(value, option)


def _convert_to(value: Any, option: Any, path: KeyPath, where: Where) -> Any:
    origin = typing.get_origin(option) or option
    if dataclasses.is_dataclass(option):
        return build_section(option, value, path, where)
    if origin is tuple:
        item_hint = typing.get_args(option)[0]
        return tuple(convert(item, item_hint, path + (index,), where)
                     for index, item in enumerate(value))
    if origin in (Mapping, dict):
        return dict(value)
    if option is float:
        if not math.isfinite(value):
            raise where.error("must be a finite number", path, value)
        return float(value)
    return value


def _describe_one(option: Any) -> str:
    origin = typing.get_origin(option) or option
    if origin is tuple:
        item = typing.get_args(option)[0]
        return f"a list of {_SINGULAR_PLURAL[item][1] if item in _SINGULAR_PLURAL else 'mappings'}"
    if dataclasses.is_dataclass(option) or origin in (Mapping, dict):
        return "a mapping"
    if option is Any:
        return "any value"
    return _SINGULAR_PLURAL[option][0]


def _in_range(value: float, bounds: tuple[Any, Any], open_high: bool) -> bool:
    low, high = bounds
    if low is not None and value < low:
        return False
    return high is None or (value < high if open_high else value <= high)


def _range_text(bounds: tuple[Any, Any], metadata: Mapping[str, Any]) -> str:
    low, high = (_number(bound) for bound in bounds)
    if high is None:
        return f">= {low}"
    if low is None:
        return f"< {high}" if metadata.get("range_open_high") else f"<= {high}"
    return f"in [{low}, {high}{')' if metadata.get('range_open_high') else ']'}"


def _number(bound: Any) -> str | None:
    if bound is None:
        return None
    return f"{bound:g}" if isinstance(bound, float) else str(bound)


def _either(words: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b or c"``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
