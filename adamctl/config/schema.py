"""The shape of an adamctl config: frozen dataclasses, the only home of defaults.

Each field's ``metadata["help"]`` says what it means; ``metadata["choices"]``
and ``metadata["range"]`` say what is allowed (for a list field, what each
item may be), and :mod:`adamctl.config.resolve` enforces them. The
``optimizer`` section is a plain mapping whose keys and defaults belong to
:mod:`adamctl.core` (``adamctl.core.spec``), so that the YAML and the Python
API accept exactly the same arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

__all__ = [
    "BACKENDS",
    "Config",
    "DEFAULT_BACKEND",
    "DataConfig",
    "EarlyStoppingConfig",
    "EXECUTORS",
    "DEVICES",
    "LoggingConfig",
    "MAX_INT",
    "MAX_NAME_LENGTH",
    "MAX_SEED",
    "MlflowConfig",
    "ModelConfig",
    "PRUNERS",
    "SEARCHES",
    "SOURCES",
    "SweepConfig",
    "TrainingConfig",
    "backend_of",
]

BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT_BACKEND = BACKENDS[0]


def backend_of(config: Mapping[str, Any]) -> str:
    """The Keras backend a config, as a plain mapping (``config_to_dict``), trains on."""
    return config.get("backend") or DEFAULT_BACKEND
DEVICES = ("auto", "cpu", "gpu")
TASKS = ("classification", "regression")
PRESETS = ("logreg", "mlp", "cnn")
EXECUTORS = ("local", "ray", "population")
PRECISION_POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")
# Seeds go to keras.utils.set_random_seed, which takes [0, 2**32 - 1] (numpy's range).
MAX_SEED = 2**32 - 1
# Counts and sizes end up in int32 tensors and C longs; a larger value passes
# Python's checks and fails inside TensorFlow after the run directory exists.
MAX_INT = 2**31 - 1
# The name is the first part of run and trial directory names; 100 leaves room
# for the timestamp and trial suffixes under the usual 255-byte limit.
MAX_NAME_LENGTH = 100
SOURCES = ("synthetic", "digits", "csv", "parquet", "npz", "mnist", "fashion_mnist", "cifar10",
           "cifar100", "boston_housing")


def _f(default: Any = None, *, help: str, factory: Any = None, **checks: Any) -> Any:
    """A dataclass field carrying its help text and its checks as metadata."""
    metadata = {"help": help, **checks}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class DataConfig:
    """Where the examples come from and how they are batched."""

    source: str = _f(
        "synthetic",
        help="synthetic | digits | csv | parquet | npz | a keras.datasets name "
        "(mnist, fashion_mnist, cifar10, cifar100, boston_housing)",
        choices=SOURCES,
    )
    task: str = _f(
        "classification",
        help="classification or regression; fixed by the source for digits and "
        "keras.datasets",
        choices=TASKS,
    )
    samples: int = _f(2048, help="synthetic: number of examples", range=(1, MAX_INT))
    features: int = _f(20, help="synthetic: number of input features", range=(1, MAX_INT))
    classes: int = _f(3, help="synthetic classification: number of classes", range=(2, MAX_INT))
    noise: float = _f(0.1, help="synthetic: label noise (classification flip rate) "
                      "or target noise std (regression)", range=(0.0, None))
    path: str | None = _f(None, help="csv/parquet/npz: the file, relative to the config file")
    target: str | None = _f(None, help="csv/parquet: the target column; npz: the target array")
    inputs: str | tuple[str, ...] | None = _f(
        None,
        help="csv/parquet: the input columns (default: every other column); "
        "npz: the input array (default: x)",
    )
    batch_size: int = _f(32, help="examples per training step", range=(1, MAX_INT))
    validation_split: float = _f(
        0.2, help="fraction of examples held out for validation", range=(0.0, 1.0),
        range_open_high=True,
    )
    shuffle: bool = _f(True, help="reshuffle the training examples every epoch")


@dataclass(frozen=True)
class ModelConfig:
    """The network: a preset, or a list of Keras layers."""

    preset: str | None = _f("mlp", help="logreg | mlp | cnn; null when `layers` is given",
                            choices=PRESETS + (None,))
    hidden: tuple[int, ...] = _f(factory=lambda: (64, 64), help="mlp: units of each hidden layer",
                                 range=(1, MAX_INT))
    filters: tuple[int, ...] = _f(factory=lambda: (16, 32),
                                  help="cnn: filters of each convolution block", range=(1, MAX_INT))
    activation: str = _f("relu", help="activation of hidden layers (a Keras activation name)")
    dropout: float = _f(0.0, help="dropout rate after each hidden layer", range=(0.0, 1.0),
                        range_open_high=True)
    layers: tuple[Mapping[str, Any], ...] | None = _f(
        None,
        help="a list of Keras layers, each {class_name: ..., <its arguments>}, "
        "deserialized by Keras; replaces `preset`",
    )
    loss: str = _f("auto", help="a Keras loss name; auto: sparse_categorical_crossentropy "
                   "for classification, mean_squared_error for regression")
    metrics: tuple[str, ...] | None = _f(
        None, help="Keras metric names; null: accuracy for classification, "
        "mean_absolute_error for regression"
    )


@dataclass(frozen=True)
class EarlyStoppingConfig:
    """Stop a run when its monitored metric stops improving (Keras's EarlyStopping rule)."""

    monitor: str = _f("val_loss", help="the epoch metric watched (a metrics.csv column)")
    mode: str = _f("auto", help="min, max, or auto: min for losses, else the metric's own "
                   "direction, as Keras infers it", choices=("auto", "min", "max"))
    patience: int = _f(0, help="epochs without improvement before stopping", range=(0, MAX_INT))
    min_delta: float = _f(0.0, help="the least change that counts as an improvement",
                          range=(0.0, None))
    restore_best: bool = _f(False, help="end with the best epoch's weights (model.weights.h5), "
                            "as Keras's restore_best_weights")


@dataclass(frozen=True)
class TrainingConfig:
    """How long to train, and how."""

    epochs: int = _f(5, help="passes over the training data", range=(1, MAX_INT))
    steps_per_epoch: int | None = _f(
        None, help="steps per epoch; null: one pass over the training data", range=(1, MAX_INT)
    )
    mixed_precision: str | None = _f(
        None, help="a Keras dtype policy: float32, mixed_float16 or mixed_bfloat16",
        choices=PRECISION_POLICIES + (None,),
    )
    deterministic: bool | None = _f(
        None, help="deterministic ops; null: true on CPU, false on GPU"
    )
    checkpoint_every: int | None = _f(
        None, help="also checkpoint every N steps (checkpoints are always written "
        "at each epoch end)", range=(1, MAX_INT)
    )
    keep_checkpoints: int = _f(3, help="how many of the newest checkpoints to keep",
                               range=(1, MAX_INT))
    max_time: float | None = _f(
        None, help="seconds of training per session: then checkpoint and stop as interrupted "
        "(adamctl resume continues; exit code 124)", range=(0.0, None)
    )
    early_stopping: EarlyStoppingConfig | None = _f(
        None, help="stop when `monitor` stops improving: {monitor, mode, patience, min_delta, "
        "restore_best}; null: train every epoch"
    )

    diagnostics_every: int | None = _f(
        None, help="write Adam's diagnostics (epsilon dominance, effective learning rates...) "
        "to diagnostics.csv every N steps; null: off. A multiple of "
        "optimizer.gradient_accumulation_steps", range=(1, MAX_INT)
    )


SEARCHES = ("grid", "random", "qmc", "tpe")
PRUNERS = ("median", "asha")


@dataclass(frozen=True)
class SweepConfig:
    """A grid of config values, or a search space sampled by Optuna; each point over seeds."""

    grid: Mapping[str, Any] = _f(
        factory=dict,
        help="KEY.PATH: a list of values, {log: [lo, hi], num: N} or {linear: [lo, hi], num: N}; "
        "with a search, also {log: [lo, hi]}, {linear: [lo, hi]} or {int: [lo, hi]} (ranges "
        "sampled from) and a list (a choice)",
    )
    search: str = _f("grid", help="grid (every point), or random, qmc (quasi-random Sobol) or "
                     "tpe (Bayesian): sample `trials` points of the grid's ranges with Optuna",
                     choices=SEARCHES)
    trials: int | None = _f(None, help="with a search: how many points to sample (required)",
                            range=(1, MAX_INT))
    prune: str | None = _f(None, help="with a search: stop unpromising trials early on the "
                           "per-epoch `metric`: median or asha (successive halving)",
                           choices=PRUNERS + (None,))
    seeds: tuple[int, ...] = _f(factory=tuple,
                                help="seeds repeated at every grid point (none: the config's seed)",
                                range=(0, MAX_SEED))
    metric: str = _f("val_loss", help="the metric the report sorts by")
    mode: str = _f("auto", help="min or max: which way the metric is better; auto: max for "
                   "accuracy-like names, else min (Keras's mode='auto')",
                   choices=("auto", "min", "max"))
    executor: str | None = _f(None, help="how trials run when --executor is not given: local "
                              "(worker processes; the default), ray, or population (a grid's "
                              "trials that differ only in optimizer settings and seed train "
                              "together, each bit-identical to its separate run)",
                              choices=EXECUTORS + (None,))
    population_size: int | None = _f(None, help="with executor population: at most N trials per "
                                     "population (default: an even split over the workers, at "
                                     "most 64)", range=(1, MAX_INT))


@dataclass(frozen=True)
class MlflowConfig:
    """Where a run's MLflow record goes (the optional ``adamctl[mlflow]`` extra)."""

    tracking_uri: str | None = _f(
        None, help="an MLflow tracking URI; null: a local SQLite database, runs/mlflow.db"
    )
    experiment: str = _f("adamctl", help="the MLflow experiment the run is logged under")


@dataclass(frozen=True)
class LoggingConfig:
    """Which outside tools also receive the run's metrics (metrics.csv is always written)."""

    tensorboard: bool = _f(False, help="write TensorBoard event files under the run's tensorboard/")
    mlflow: MlflowConfig | None = _f(
        None, help="log params, metrics and files to MLflow; null: off, {}: the defaults"
    )


@dataclass(frozen=True)
class Config:
    """One experiment: the data, the model, Adam's arguments and the schedule."""

    name: str = _f("run", help="names the run directory")
    seed: int = _f(0, help="seeds data, initialization, dropout and shuffling",
                   range=(0, MAX_SEED))
    backend: str = _f(DEFAULT_BACKEND, help="Keras backend", choices=BACKENDS)
    # Not a ``choices`` field: ``gpu:N`` is open-ended, so the rules check it.
    device: str = _f("auto", help="auto, cpu, gpu, or gpu:N (the N-th GPU only)")
    data: DataConfig = _f(factory=DataConfig, help="the data section")
    model: ModelConfig = _f(factory=ModelConfig, help="the model section")
    optimizer: Mapping[str, Any] = _f(
        factory=dict, help="adamctl.core.build_optimizer's spec: every Adam argument by name"
    )
    training: TrainingConfig = _f(factory=TrainingConfig, help="the training section")
    sweep: SweepConfig | None = _f(None, help="the sweep section (adamctl sweep only)")
    logging: LoggingConfig = _f(factory=LoggingConfig, help="the logging section")
