"""Turn a raw mapping into a :class:`Config`: every key, type, range and rule checked.

Resolution has two steps. The generic walk (:mod:`._walk`) follows the
schema's dataclasses by their type hints: unknown keys are refused at any
depth with the closest valid name; each value is converted to its field's
type (an int is taken for a float, a list for a tuple, a bool is never a
number) and checked against the field's ``choices`` and ``range``. Then the
rules (:mod:`._rules`) tie fields together and fill in derived values: data
paths made absolute, the task a dataset fixes, ``loss: auto``, the metrics,
the optimizer's defaults. The resolved config holds only concrete values,
so resolving ``config_to_dict(config)`` again gives ``config`` back.

The first problem found raises a :class:`ConfigError` that names the file,
the line (or the ``--set`` override), the key path, the value received and
what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from adamctl.config._rules import apply_rules
from adamctl.config._walk import Where, build_section
from adamctl.config.load import KeyLines, require_mapping
from adamctl.config.schema import Config

__all__ = ["resolve"]


def resolve(
    raw: Mapping[str, Any],
    *,
    file: str | Path | None = None,
    lines: KeyLines | None = None,
    base_dir: str | Path | None = None,
    origins: Mapping[tuple[Any, ...], str] | None = None,
) -> Config:
    """Check ``raw`` and return the :class:`Config` it describes, defaults filled in.

    Args:
        raw: the parsed config, a mapping (after any overrides).
        file: the config file, named in errors.
        lines: key path -> line, from :func:`adamctl.config.load.read_yaml`.
        base_dir: where a relative ``data.path`` starts; default: the folder
            of ``file``, else the current directory.
        origins: key path -> ``--set ...`` or ``--grid ...``, from
            :func:`adamctl.config.overrides.override_origins`; errors about
            those values name the override instead of a line of the file.

    Raises:
        ConfigError: the first problem found.
    """
    raw = require_mapping(raw, file=file)
    where = Where(file, lines, origins)
    config = build_section(Config, raw, (), where)
    return apply_rules(config, raw, where, _base_dir(file, base_dir))


def _base_dir(file: str | Path | None, base_dir: str | Path | None) -> Path:
    if base_dir is not None:
        return Path(base_dir).resolve()
    if file is not None:
        return Path(file).resolve().parent
    return Path.cwd()
