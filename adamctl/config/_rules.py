"""Rules that tie config fields together, applied once each field has been checked alone.

- ``name`` must be usable as a directory name.
- ``data``: a file source (csv, parquet, npz) needs ``data.path``, made
  absolute against the config file's folder and required to exist; csv and
  parquet also need ``data.target``. digits and the keras.datasets sources
  fix ``data.task``, and a contradicting task is an error.
- ``model``: ``layers`` replaces the preset and is checked without Keras
  (:mod:`._layers`), its last layer's width against the task; ``loss: auto`` and
  ``metrics: null`` become the task's concrete defaults.
- ``optimizer`` goes through :func:`adamctl.core.spec.normalize_spec`, the
  checks the optimizer itself makes, and comes back complete.
- ``training.diagnostics_every`` must be a multiple of
  ``optimizer.gradient_accumulation_steps``.
- ``sweep``: the seeds, and each grid key and value (see :mod:`._grid`).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from pathlib import Path
from typing import Any, Mapping

from adamctl.config._grid import check_sweep
from adamctl.config._layers import check_layers
from adamctl.config._walk import Where
from adamctl.config.schema import (
    MAX_INT, MAX_NAME_LENGTH, Config, DataConfig, MlflowConfig, ModelConfig,
)
from adamctl.errors import ConfigError, InvalidArgument

__all__ = ["DEFAULT_LOSS", "DEFAULT_METRICS", "FILE_SOURCES", "FIXED_TASKS", "apply_rules",
           "normalize_optimizer"]

FILE_SOURCES = ("csv", "parquet", "npz")
_TABLE_SOURCES = ("csv", "parquet")
FIXED_TASKS = {
    "digits": "classification",
    "mnist": "classification",
    "fashion_mnist": "classification",
    "cifar10": "classification",
    "cifar100": "classification",
    "boston_housing": "regression",
}
DEFAULT_LOSS = {"classification": "sparse_categorical_crossentropy",
                "regression": "mean_squared_error"}
DEFAULT_METRICS = {"classification": ("accuracy",), "regression": ("mean_absolute_error",)}
_DEVICE = re.compile(r"auto|cpu|gpu|gpu:(0|[1-9][0-9]{0,3})")
_DIRECTORY_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def apply_rules(config: Config, raw: Mapping[str, Any], where: Where, base_dir: Path) -> Config:
    """``config`` with the cross-field rules checked and the derived values filled in.

    ``raw`` is the mapping ``config`` was built from: it tells which keys the
    user set, as opposed to defaults.
    """
    _check_name(config.name, where)
    _check_device(config.device, where)
    _check_mlflow(config.logging.mlflow, where)
    _check_tensorboard(config.logging.tensorboard, where)
    data = _data_rules(config.data, _section(raw, "data"), where, base_dir)
    model = _model_rules(config.model, _section(raw, "model"), data, where)
    optimizer = normalize_optimizer(config.optimizer, where)
    _check_diagnostics_every(config.training.diagnostics_every, optimizer, where)
    if config.sweep is not None:
        check_sweep(config.sweep, config.optimizer, where)
    return dataclasses.replace(config, data=data, model=model, optimizer=optimizer)


def normalize_optimizer(spec: Mapping[str, Any], where: Where) -> dict[str, Any]:
    """The optimizer section as :func:`adamctl.core.spec.normalize_spec` completes it.

    Raises:
        ConfigError: wrapping the core's :class:`InvalidArgument`, at
            ``optimizer.<argument>`` and the line (or override) that set it.
    """
    from adamctl.core import spec as core_spec  # stays keras-free; imported when first needed

    try:
        normalized = dict(core_spec.normalize_spec(spec))
    except InvalidArgument as error:
        file, line = where.locate(("optimizer", *error.argument.split(".")))
        raise ConfigError.from_invalid(error, file=file, prefix="optimizer", line=line) from None
    _check_integers(normalized, ("optimizer",), where)
    name = normalized.get("name")
    if isinstance(name, str) and "/" in name:
        # Keras refuses it when the optimizer is built, after the run directory exists.
        raise where.error("must not contain '/': Keras refuses it in an optimizer's name",
                          ("optimizer", "name"), name)
    return normalized


def _check_integers(value: Any, path: tuple[Any, ...], where: Where) -> None:
    """Every integer in the optimizer section (steps, frequencies, schedule steps) fits int32.

    Keras keeps them in int32 variables or passes them to C: a larger one
    passes the optimizer's own checks and fails at the first step.
    """
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_integers(item, path + (key,), where)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_integers(item, path + (index,), where)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise where.error(f"must be at most {MAX_INT}: TensorFlow keeps it in an int32",
                          path, value)


def _section(raw: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = raw.get(name)
    return section if isinstance(section, Mapping) else {}


def _check_name(name: str, where: Where) -> None:
    if len(name) > MAX_NAME_LENGTH or not _DIRECTORY_NAME.fullmatch(name):
        shown = name if len(name) <= MAX_NAME_LENGTH else name[:MAX_NAME_LENGTH] + "..."
        raise where.error(f"must be usable as a directory name: 1 to {MAX_NAME_LENGTH} letters, "
                          "digits, '-', '_' and '.', not starting with '.'", ("name",), shown)


def _check_device(device: str, where: Where) -> None:
    if not _DEVICE.fullmatch(device):
        raise where.error("must be auto, cpu, gpu, or gpu:N with N a GPU index (gpu:0, gpu:1...)",
                          ("device",), device)


def _check_diagnostics_every(every: int | None, optimizer: Mapping[str, Any],
                             where: Where) -> None:
    """Diagnostics are taken on real updates only: under gradient accumulation the
    micro-steps in between leave Adam's state unchanged, so ``every`` must be a
    multiple of the accumulation count."""
    accumulation = optimizer.get("gradient_accumulation_steps")
    if every is not None and accumulation and every % accumulation:
        raise where.error(f"must be a multiple of optimizer.gradient_accumulation_steps "
                          f"({accumulation}): diagnostics are taken on real updates",
                          ("training", "diagnostics_every"), every)


def _check_tensorboard(tensorboard: bool, where: Where) -> None:
    """TensorFlow's ``tf.summary`` writers live in the tensorboard package, not in TensorFlow."""
    if tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise where.error("needs TensorBoard: pip install 'adamctl[tensorboard]', or set it to false",
                          ("logging", "tensorboard"), tensorboard)


def _check_mlflow(mlflow: MlflowConfig | None, where: Where) -> None:
    """An empty experiment name or URI would reach MLflow and fail there, mid-run."""
    if mlflow is None:
        return
    if importlib.util.find_spec("mlflow") is None:  # finds it without importing it (slow)
        raise where.error("needs MLflow: pip install 'adamctl[mlflow]', or set it to null",
                          ("logging", "mlflow"), {})
    if not mlflow.experiment.strip():
        raise where.error("must be a non-empty name", ("logging", "mlflow", "experiment"),
                          mlflow.experiment)
    if mlflow.tracking_uri is not None and not mlflow.tracking_uri.strip():
        raise where.error("must be a non-empty URI, or null for runs/mlflow.db",
                          ("logging", "mlflow", "tracking_uri"), mlflow.tracking_uri)


def _data_rules(data: DataConfig, raw: Mapping[str, Any], where: Where,
                base_dir: Path) -> DataConfig:
    changes: dict[str, Any] = {}
    fixed = FIXED_TASKS.get(data.source)
    if fixed is not None:
        if "task" in raw and data.task != fixed:
            raise where.error(f"must be {fixed} for data.source {data.source} (or left out)",
                              ("data", "task"), data.task)
        changes["task"] = fixed
    if data.source in FILE_SOURCES:
        changes["path"] = _data_file(data, where, base_dir)
        if data.source in _TABLE_SOURCES and not data.target:
            raise where.error(f"is required for data.source {data.source}: the target column",
                              ("data", "target"))
    elif data.path is not None:
        changes["path"] = str(_absolute(data.path, where, base_dir))
    return dataclasses.replace(data, **changes)


def _data_file(data: DataConfig, where: Where, base_dir: Path) -> str:
    """The absolute path of the data file, which must exist."""
    if not data.path:
        raise where.error(f"is required for data.source {data.source}: the file to read, "
                          "relative to the config file", ("data", "path"))
    path = _absolute(data.path, where, base_dir)
    if not path.exists():
        raise where.error(f"no such file: {path}", ("data", "path"), data.path)
    if not path.is_file():
        raise where.error(f"is not a file: {path}", ("data", "path"), data.path)
    return str(path)


def _absolute(text: str, where: Where, base_dir: Path) -> Path:
    """``text`` made absolute against ``base_dir``, ``~`` expanded, checked to be a usable path.

    A NUL byte, a part longer than the filesystem allows or an unknown
    ``~user`` raise ValueError, OSError or RuntimeError from ``pathlib``.
    """
    try:
        path = (base_dir / Path(text).expanduser()).resolve()
        path.exists()  # ENAMETOOLONG is raised here, not by resolve
    except (ValueError, OSError, RuntimeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        shown = text if len(text) <= MAX_NAME_LENGTH else text[:MAX_NAME_LENGTH] + "..."
        raise where.error(f"is not a usable path ({reason.rstrip('.')})", ("data", "path"),
                          shown) from None
    return path


def _model_rules(model: ModelConfig, raw: Mapping[str, Any], data: DataConfig,
                 where: Where) -> ModelConfig:
    task = data.task
    changes: dict[str, Any] = {}
    if model.layers is not None:
        check_layers(model.layers, data, where)
        if "preset" in raw and model.preset is not None:
            raise where.error("must be null when model.layers is given: the layers replace "
                              "the preset", ("model", "preset"), model.preset)
        changes["preset"] = None
    elif model.preset is None:
        raise where.error("must be one of logreg, mlp or cnn when model.layers is not given",
                          ("model", "preset"), None)
    if model.loss == "auto":
        changes["loss"] = DEFAULT_LOSS[task]
    if model.metrics is None:
        changes["metrics"] = DEFAULT_METRICS[task]
    return dataclasses.replace(model, **changes)
