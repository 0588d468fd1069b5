"""Experiment configs: read YAML safely, apply ``--set``/``--grid`` overrides, resolve, write back.

A config is read (:mod:`.load`), overridden (:mod:`.overrides`) and resolved
(:mod:`.resolve`) into a frozen :class:`~adamctl.config.schema.Config`; any
problem is a :class:`~adamctl.errors.ConfigError` naming the file, the line
(or the override), the key path, the value and what is allowed, raised
before anything runs. Importing this package loads neither Keras,
TensorFlow nor pandas.

Example::

    config = load_config("configs/mlp.yaml", overrides=["optimizer.beta_1=0.95"])
    write_config(config, run_dir / "config.yaml")
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from adamctl.config._grid import MAX_TRIALS, count_points
from adamctl.config._layers import FORBIDDEN_LAYER_KEYS, REFUSED_LAYERS
from adamctl.config._serialize import (
    config_from_dict,
    config_hash,
    config_to_dict,
    describe_schema,
    diff_configs,
    diff_mappings,
    dump_config_yaml,
    write_config,
)
from adamctl.config.load import read_config
from adamctl.config.overrides import (
    apply_overrides,
    override_origins,
    parse_grid_override,
    parse_overrides,
)
from adamctl.config.resolve import resolve
from adamctl.config.schema import backend_of
from adamctl.config.schema import Config

__all__ = [
    "Config",
    "FORBIDDEN_LAYER_KEYS",
    "MAX_TRIALS",
    "REFUSED_LAYERS",
    "apply_overrides",
    "backend_of",
    "config_from_dict",
    "config_hash",
    "config_to_dict",
    "count_points",
    "describe_schema",
    "diff_configs",
    "diff_mappings",
    "dump_config_yaml",
    "load_config",
    "resolve",
    "write_config",
]


def load_config(path: str | Path, overrides: Iterable[str] = (),
                grid: Iterable[str] = ()) -> Config:
    """Read ``path``, apply the ``--set`` overrides in order, then the ``--grid`` ones, and resolve.

    Each ``grid`` entry, ``KEY.PATH=VALUES``, sets ``sweep.grid.KEY.PATH``
    (see :func:`~adamctl.config.overrides.parse_grid_override`), so the
    resolved ``config.sweep.grid`` is checked as a whole, whatever its
    values came from, and every error names the file line or the option.
    A relative ``data.path`` is taken from the config file's folder and
    stored absolute.

    Raises:
        ConfigError: anything wrong with the file, an override or a value.
    """
    path = Path(path)
    if isinstance(grid, str):
        raise TypeError(f"grid must be a list of KEY.PATH=VALUES strings, not one string: {grid!r}")
    parsed = parse_overrides(overrides) + [parse_grid_override(entry) for entry in grid]
    raw, lines = read_config(path)
    return resolve(apply_overrides(raw, parsed), file=path, lines=lines,
                   origins=override_origins(parsed))
