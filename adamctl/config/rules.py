"""Rules that tie config fields together, applied after each field is checked alone.

- ``name`` must be usable as a directory name.
- ``data.source`` is one of :data:`SOURCES`; a file source needs ``data.path``
  (made absolute against the config file's folder, and required to exist),
  and csv/parquet need ``data.target``; digits and keras.datasets fix the task.
- ``model.layers`` replaces the preset; ``model.loss: auto`` and
  ``model.metrics: null`` become the task's defaults.
- ``optimizer`` goes through :func:`adamctl.core.spec.normalize_spec`, the
  same checks the ``Adam`` class makes, with every default filled.
- ``sweep.grid`` keys must name config fields, and its values be well formed.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path
from typing import Any, Mapping

from adamctl.config.schema import Config
from adamctl.errors import ConfigError, InvalidArgument

__all__ = ["apply_rules", "SOURCES", "FILE_SOURCES", "FIXED_TASKS"]

FILE_SOURCES = ("csv", "parquet", "npz")
FIXED_TASKS = {
    "digits": "classification", "mnist": "classification", "fashion_mnist": "classification",
    "cifar10": "classification", "cifar100": "classification", "boston_housing": "regression",
}
SOURCES = ("synthetic", *FILE_SOURCES, *FIXED_TASKS)
_DEFAULT_LOSS = {"classification": "sparse_categorical_crossentropy",
                 "regression": "mean_squared_error"}
_DEFAULT_METRICS = {"classification": ("accuracy",), "regression": ("mean_absolute_error",)}
_NAME = re.compile(r"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]*$")


def apply_rules(config: Config, raw: Mapping[str, Any], context: Any, base_dir: Path) -> Config:
    """``config`` with the cross-field rules checked and the derived values filled."""
    if not _NAME.match(config.name):
        raise context.error(
            "must be a directory name: letters, digits, '-', '_' and '.', not starting with '.'",
            ("name",), config.name,
        )
    data = _data_rules(config.data, raw.get("data") or {}, context, base_dir)
    model = _model_rules(config.model, raw.get("model") or {}, data.task, context)
    optimizer = _optimizer_rules(raw.get("optimizer"), context)
    if config.sweep is not None:
        _sweep_rules(config.sweep, context)
    return dataclasses.replace(config, data=data, model=model, optimizer=optimizer)


def _data_rules(data: Any, raw: Mapping[str, Any], context: Any, base_dir: Path) -> Any:
    if data.source not in SOURCES:
        close = difflib.get_close_matches(data.source, SOURCES, n=1)
        raise context.error(f"must be one of: {', '.join(SOURCES)}", ("data", "source"),
                            data.source, close[0] if close else None)
    changes: dict[str, Any] = {}
    fixed = FIXED_TASKS.get(data.source)
    if fixed is not None:
        if "task" in raw and data.task != fixed:
            raise context.error(f"must be {fixed} for data.source {data.source}",
                                ("data", "task"), data.task)
        changes["task"] = fixed
    if data.source in FILE_SOURCES:
        changes["path"] = _data_path(data, context, base_dir)
        if data.source != "npz" and not data.target:
            raise context.error(f"is required for data.source {data.source}: name the target "
                                "column", ("data", "target"), data.target)
    return dataclasses.replace(data, **changes)


def _data_path(data: Any, context: Any, base_dir: Path) -> str:
    if not data.path:
        raise context.error(f"is required for data.source {data.source}: the file to read",
                            ("data", "path"), data.path)
    path = Path(data.path).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    if not path.is_file():
        raise context.error(f"no such file: {path}", ("data", "path"), data.path)
    return str(path.resolve())


def _model_rules(model: Any, raw: Mapping[str, Any], task: str, context: Any) -> Any:
    changes: dict[str, Any] = {}
    if model.layers is not None:
        if not model.layers:
            raise context.error("must list at least one layer", ("model", "layers"), [])
        if "preset" in raw and model.preset is not None:
            raise context.error("must be null when model.layers is given (the layers replace "
                                "the preset)", ("model", "preset"), model.preset)
        changes["preset"] = None
        for index, layer in enumerate(model.layers):
            if not isinstance(layer, Mapping) or "class_name" not in layer:
                raise context.error("must be a mapping with a class_name, e.g. "
                                    "{class_name: Dense, units: 64}",
                                    ("model", "layers", index), layer)
    elif model.preset is None:
        raise context.error("must be logreg, mlp or cnn when model.layers is not given",
                            ("model", "preset"), None)
    if model.loss == "auto":
        changes["loss"] = _DEFAULT_LOSS[task]
    if model.metrics is None:
        changes["metrics"] = _DEFAULT_METRICS[task]
    return dataclasses.replace(model, **changes)


def _optimizer_rules(raw: Any, context: Any) -> dict[str, Any]:
    from adamctl.core.spec import normalize_spec

    if raw is not None and not isinstance(raw, Mapping):
        raise context.error("must be a mapping of Adam arguments", ("optimizer",), raw)
    try:
        return normalize_spec(raw or {})
    except InvalidArgument as error:
        path = ("optimizer", *error.argument.split("."))
        raise context.error(f"must be {error.allowed}", path, error.value, error.suggestion) from None


def _sweep_rules(sweep: Any, context: Any) -> None:
    from adamctl.sweep.grid import grid_values

    for key, spec in sweep.grid.items():
        problem, suggestion = _unknown_path(str(key))
        if problem:
            raise context.error(problem, ("sweep", "grid", key), suggestion=suggestion)
        try:
            grid_values(key, spec)
        except ConfigError as error:
            raise context.error(error.problem, ("sweep", "grid", key), spec) from None


def _unknown_path(dotted: str) -> tuple[str | None, str | None]:
    """(problem, suggestion) when ``dotted`` names no config field; (None, None) when it does."""
    from adamctl.core.spec import ADAM_DEFAULTS

    cls: Any = Config
    parts = dotted.split(".")
    for depth, part in enumerate(parts):
        if cls is dict:  # the optimizer section: its keys are Adam's arguments
            known = list(ADAM_DEFAULTS)
            if depth == 1 and part in known:
                return None, None
        else:
            fields = {f.name: f for f in dataclasses.fields(cls)}
            known = list(fields)
            if part in fields:
                cls = _section_type(part, fields[part])
                if cls is None:
                    return (None, None) if depth == len(parts) - 1 else (
                        f"{'.'.join(parts[:depth + 1])} is not a section", None)
                continue
        close = difflib.get_close_matches(part, known, n=1)
        return (f"names no config key ({'.'.join(parts[:depth + 1])} is unknown)",
                ".".join([*parts[:depth], close[0]]) if close else None)
    return None, None


def _section_type(name: str, field: dataclasses.Field) -> Any:
    from adamctl.config import schema

    sections = {"data": schema.DataConfig, "model": schema.ModelConfig,
                "training": schema.TrainingConfig, "optimizer": dict}
    return sections.get(name)
