"""``KEY.PATH=VALUE`` overrides (``--set``), applied to the raw mapping before it is resolved.

The value is read as YAML, as it would be in the file: ``optimizer.beta_1=0.95``,
``optimizer.amsgrad=true``, ``model.hidden=[32, 32]``, ``optimizer.epsilon=1e-8``.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping, Sequence

from adamctl.config.load import parse_value
from adamctl.errors import ConfigError

__all__ = ["Override", "parse_override", "apply_overrides"]


class Override:
    """One parsed ``--set``: the key path, the value, and the text it came from."""

    def __init__(self, text: str, keys: tuple[str, ...], value: Any) -> None:
        self.text, self.keys, self.value = text, keys, value

    @property
    def dotted(self) -> str:
        return ".".join(self.keys)


def parse_override(text: str) -> Override:
    """``KEY.PATH=VALUE`` -> :class:`Override`.

    Raises:
        ConfigError: no ``=``, an empty key or key part, or a value that is not YAML.
    """
    key, sep, raw_value = text.partition("=")
    keys = tuple(part.strip() for part in key.strip().split("."))
    if not sep or not key.strip() or any(not part for part in keys):
        raise ConfigError(
            "must be KEY.PATH=VALUE, for example optimizer.beta_1=0.95", key_path=f"--set {text}"
        )
    try:
        value = parse_value(raw_value)
    except ConfigError as error:
        raise ConfigError(error.problem, key_path=f"--set {text}") from None
    return Override(text, keys, value)


def apply_overrides(raw: Mapping[str, Any] | None, overrides: Sequence[str]) -> dict[str, Any]:
    """A copy of ``raw`` with each override set, making mappings along the way.

    Raises:
        ConfigError: an override is malformed, or passes through a key whose
            value is not a mapping (``optimizer.beta_1.x=1`` when beta_1 is 0.9).
    """
    result = copy.deepcopy(dict(raw or {}))
    for override in (parse_override(text) for text in overrides):
        node = result
        for depth, key in enumerate(override.keys[:-1]):
            child = node.get(key)
            if child is None:
                child = node[key] = {}
            if not isinstance(child, dict):
                where = ".".join(override.keys[: depth + 1])
                raise ConfigError(
                    f"cannot set a key inside {where}, which is {child!r}, not a mapping",
                    key_path=f"--set {override.text}",
                )
            node = child
        node[override.keys[-1]] = override.value
    return result


def overridden_keys(overrides: Sequence[str]) -> dict[str, str]:
    """Dotted key -> the ``--set`` text that set it (the last one wins)."""
    return {parse_override(text).dotted: text for text in overrides}
