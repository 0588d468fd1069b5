"""``KEY.PATH=VALUE`` overrides (``--set``), applied to the raw mapping before it is resolved.

The value is read as YAML, exactly as it would be in the file::

    optimizer.beta_1=0.95        -> 0.95
    optimizer.amsgrad=true       -> True
    optimizer.epsilon=1e-8       -> 1e-08
    model.hidden=[32,32]         -> [32, 32]
    data.path=x.csv              -> "x.csv"
    training.steps_per_epoch=    -> None

Mappings missing along the path are created. Keys under ``sweep.grid`` are
dotted paths themselves, so ``sweep.grid.optimizer.beta_1=[0.9,0.99]`` sets
the grid key ``optimizer.beta_1``. Resolution later checks every key and
value; :func:`override_origins` tells it which values came from which
option, so that its errors name the override rather than a line of the file.

``--grid KEY=VALUES`` is the override ``sweep.grid.KEY=VALUES`` written
shorter (:func:`parse_grid_override`): VALUES is the grid entry as YAML
(``[0.8, 0.9]``, ``{log: [1e-8, 1e-2], num: 7}``), or one of two shorthands,
``v1,v2,...`` and ``log:LO:HI:N`` / ``linear:LO:HI:N``. Errors about it name
``--grid ...``, and the grid is checked by the same code as the file's
``sweep.grid`` (:mod:`._grid`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from adamctl.config._walk import kind
from adamctl.config.load import parse_value
from adamctl.errors import ConfigError

__all__ = [
    "NotAMapping",
    "Override",
    "apply_overrides",
    "override_origins",
    "parse_grid_override",
    "parse_override",
    "parse_overrides",
    "set_path",
]

_FORM = "must be KEY.PATH=VALUE, for example optimizer.beta_1=0.95"
_DOTTED_KEYS = ("sweep", "grid")  # a mapping whose keys are dotted paths


_GRID_FORM = ("must be KEY.PATH=VALUES, for example optimizer.beta_1=0.8,0.9 or "
              "optimizer.epsilon=log:1e-8:1e-2:7")
_RANGE_SCALES = ("log", "linear", "int")
_SHOWN = 120  # characters of an override's text named in errors; the value follows anyway


@dataclass(frozen=True)
class Override:
    """One override: the text as given, the key path it sets, the parsed value, the option."""

    text: str
    keys: tuple[str, ...]
    value: Any
    option: str = "--set"

    @property
    def source(self) -> str:
        """How errors name this override: ``--set optimizer.beta_1=1.5`` (long ones cut)."""
        text = self.text if len(self.text) <= _SHOWN else self.text[:_SHOWN] + "..."
        return f"{self.option} {text}"


def parse_override(text: str) -> Override:
    """Parse ``KEY.PATH=VALUE``; the value is YAML.

    Raises:
        ConfigError: there is no ``=``, the key or a part of it is empty, or
            the value is not plain YAML; the message names the override.
    """
    source = f"--set {text}"
    parts, value_text = _split(text, source, _FORM)
    if tuple(parts[:2]) == _DOTTED_KEYS and len(parts) > 2:
        parts = [*_DOTTED_KEYS, ".".join(parts[2:])]
    value = _parse(value_text, source, ".".join(parts))
    return Override(text, tuple(parts), value)


def parse_grid_override(text: str) -> Override:
    """Parse ``--grid KEY.PATH=VALUES`` into the override of ``sweep.grid.KEY.PATH``.

    VALUES starting with ``[`` or ``{`` is the grid entry as YAML; otherwise
    ``log:LO:HI:N`` and ``linear:LO:HI:N`` are ranges, ``log:LO:HI``,
    ``linear:LO:HI`` and ``int:LO:HI`` ranges a search samples from, and
    anything else is a comma-separated list of YAML values. Nothing about the values is checked
    here beyond their syntax: :mod:`._grid` checks them as it checks the file's.

    Raises:
        ConfigError: the text is not KEY.PATH=VALUES or a value is not plain
            YAML; the message names ``--grid`` and the text.
    """
    source = f"--grid {text}"
    parts, values = _split(text, source, _GRID_FORM)
    key = ".".join(parts)
    at = f"sweep.grid.{key}"
    values = values.strip()
    if not values:
        raise ConfigError(_GRID_FORM, file=source)
    if values[0] in "[{":
        spec = _parse(values, source, at)
    elif _is_range(values):
        spec = _parse_range(values, source, at)
    else:
        spec = _parse(f"[{values}]", source, at)
    return Override(text, (*_DOTTED_KEYS, key), spec, option="--grid")


def _is_range(values: str) -> bool:
    scale, colon, _ = values.partition(":")
    return bool(colon) and scale in _RANGE_SCALES


def _split(text: str, source: str, form: str) -> tuple[list[str], str]:
    """The key's parts and the value text of ``KEY.PATH=VALUE``."""
    key, sep, value_text = text.partition("=")
    parts = key.strip().split(".")
    if not sep or any(not part.strip() for part in parts):
        raise ConfigError(form, file=source)
    return [part.strip() for part in parts], value_text


def _parse(text: str, source: str, key_path: str) -> Any:
    try:
        return parse_value(text)
    except ConfigError as error:
        raise ConfigError(error.problem, file=source, key_path=key_path) from None


def _parse_range(text: str, source: str, key_path: str) -> dict[str, Any]:
    """``log:LO:HI:N`` -> ``{log: [LO, HI], num: N}``, ``log:LO:HI`` -> ``{log: [LO, HI]}``.

    The numbers, and whether a range without N fits the sweep (only a
    search samples from one), are checked later, with the rest of the grid.
    """
    scale, *parts = text.split(":")
    if len(parts) not in (2, 3) or (scale == "int" and len(parts) != 2):
        example = "int:1:8" if scale == "int" else f"{scale}:1e-8:1e-2:7 (or {scale}:LO:HI " \
            "for a search)"
        form = "int:LO:HI" if scale == "int" else f"{scale}:LO:HI:N"
        raise ConfigError(f"a range is {form}, for example {example}",
                          file=source, key_path=key_path, value=text)
    numbers = [_parse(part, source, key_path) for part in parts]
    spec: dict[str, Any] = {scale: numbers[:2]}
    if len(numbers) == 3:
        spec["num"] = numbers[2]
    return spec


def apply_overrides(raw: Mapping[str, Any] | None,
                    overrides: Iterable[str | Override]) -> dict[str, Any]:
    """A copy of ``raw`` with each override set in turn (a later one wins).

    ``raw`` itself is left unchanged: only the mappings along each override's
    path are copied.

    Raises:
        ConfigError: an override is malformed, or its path runs through a
            value that is not a mapping (``model.hidden.x=1``).
    """
    result = dict(raw or {})
    for override in parse_overrides(overrides):
        try:
            result = set_path(result, override.keys, override.value)
        except NotAMapping as error:
            where = ".".join(override.keys[:error.depth + 1])
            raise ConfigError(
                f"cannot set a key inside {where}, which is {kind(error.found)}, not a mapping",
                file=override.source, key_path=".".join(override.keys),
            ) from None
    return result


def override_origins(overrides: Iterable[str | Override]) -> dict[tuple[str, ...], str]:
    """Key path -> the override that set it, as errors name it (the last one, if set twice)."""
    return {override.keys: override.source for override in parse_overrides(overrides)}


def parse_overrides(overrides: Iterable[str | Override]) -> list[Override]:
    """:func:`parse_override` each text; :class:`Override` objects pass through.

    Raises:
        ConfigError: an override is malformed.
        TypeError: ``overrides`` is one string rather than a list of them.
    """
    if isinstance(overrides, str):
        raise TypeError(f"overrides must be a list of KEY.PATH=VALUE strings, not one string: "
                        f"{overrides!r}")
    return [parse_override(o) if isinstance(o, str) else o for o in overrides]


def set_path(mapping: Mapping[Any, Any], keys: tuple[Any, ...], value: Any) -> dict[Any, Any]:
    """A copy of ``mapping`` with ``value`` at ``keys``, creating mappings along the way.

    A ``None`` along the path (an empty section) becomes a new mapping. Only
    the mappings on the path are copied; the rest is shared with ``mapping``.

    Raises:
        NotAMapping: a value along the path is neither a mapping nor ``None``.
    """
    return _set(mapping, keys, value, 0)


def _set(mapping: Mapping[Any, Any], keys: tuple[Any, ...], value: Any, depth: int) -> dict:
    result = dict(mapping)
    key = keys[depth]
    if depth == len(keys) - 1:
        result[key] = value
        return result
    child = result.get(key)
    if child is None:
        child = {}
    if not isinstance(child, Mapping):
        raise NotAMapping(depth, child)
    result[key] = _set(child, keys, value, depth + 1)
    return result


class NotAMapping(ValueError):
    """``set_path`` met a value that is not a mapping at ``keys[depth]``."""

    def __init__(self, depth: int, found: Any) -> None:
        super().__init__(depth, found)
        self.depth = depth
        self.found = found
