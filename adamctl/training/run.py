"""`train`: a resolved config becomes a trained model and a complete run directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import yaml

from adamctl._atomic import atomic_write_text, fsync_dir
from adamctl.config import config_hash, write_config
from adamctl.config.schema import Config
from adamctl.errors import TrainingDiverged
from adamctl.training.backend import versions
from adamctl.training.loop import LoopState, StopReason, steps_per_epoch, train_loop
from adamctl.training.rundir import RunDir, new_run_dir
from adamctl.training.session import Session, prepare
from adamctl.training.summary import RunSummary

__all__ = ["RunResult", "train", "save_weights_atomic"]


@dataclass
class RunResult:
    """What a finished (or stopped) run left behind."""

    run_dir: RunDir
    status: str
    summary: dict[str, Any]


def train(
    config: Config,
    *,
    file: str | Path | None = None,
    run_dir: Path | None = None,
    runs_root: Path = Path("runs"),
    overrides: Sequence[str] = (),
    console: Any = None,
) -> RunResult:
    """Train ``config`` into a new run directory and return where it went.

    Everything that can fail on bad input (backend, data, model, optimizer)
    is built before the run directory is made.

    Args:
        config: the resolved config.
        file: the config file, named in error messages.
        run_dir: where to write; default ``<runs_root>/<name>-<YYYYmmdd-HHMMSS>``.
        runs_root: parent of the default run directory.
        overrides: the ``--set`` strings, recorded in ``overrides.yaml``.
        console: a ``rich`` console on stderr for the progress bar, or None.

    Raises:
        ConfigError: the config cannot be built.
        UsageError: ``run_dir`` already holds a run.
        TrainingDiverged: the loss became NaN or infinite.
    """
    session = prepare(config, file=file)
    run = RunDir(run_dir) if run_dir is not None else new_run_dir(runs_root, config.name)
    run.create()
    write_config(config, run.config_path)
    atomic_write_text(run.overrides_path, yaml.safe_dump(list(overrides)))
    state = LoopState(
        epochs=config.training.epochs,
        steps_per_epoch=steps_per_epoch(
            len(session.dataset.x_train), config.data.batch_size, config.training.steps_per_epoch
        ),
    )
    summary = RunSummary.start(run.summary_path, **_identity(session, run, state))
    return _run(session, run, state, summary, console=console)


def _identity(session: Session, run: RunDir, state: LoopState) -> dict[str, Any]:
    """The fields of summary.json that say what this run is."""
    config = session.config
    return {
        "name": config.name,
        "run_dir": str(run.root),
        "seed": config.seed,
        "config_hash": config_hash(config),
        "total_steps": state.total_steps,
        "steps_per_epoch": state.steps_per_epoch,
        "device": "gpu" if session.on_gpu else "cpu",
        "deterministic": session.deterministic,
        "dataset": session.dataset.describe(),
        "versions": versions(),
    }


def _run(
    session: Session, run: RunDir, state: LoopState, summary: RunSummary, *, console: Any,
    callbacks: Sequence[Any] = (), should_stop: Any = None,
) -> RunResult:
    """Run the loop with the standard callbacks and settle the summary's status."""
    from adamctl.training.callbacks.metrics_csv import MetricsCSV
    from adamctl.training.callbacks.summary import SummaryUpdater

    hooks = [MetricsCSV(run.metrics_path, state, keep_epochs=state.epoch),
             SummaryUpdater(summary, state), *callbacks]
    if console is not None:
        from adamctl.training.callbacks.progress import RichProgress

        hooks.append(RichProgress(state, console))
    data = session.config.data
    try:
        train_loop(
            session.model, session.dataset, state,
            batch_size=data.batch_size, seed=session.config.seed, shuffle=data.shuffle,
            callbacks=hooks, should_stop=should_stop or (lambda: False),
        )
    except BaseException as error:
        summary.finish("failed", error=f"{type(error).__name__}: {error}")
        raise
    return _settle(session, run, state, summary)


def _settle(session: Session, run: RunDir, state: LoopState, summary: RunSummary) -> RunResult:
    if state.stop_reason == StopReason.DIVERGED:
        message = (
            f"loss became {state.logs.get('loss')} at step {state.diverged_at} "
            f"(epoch {state.epoch + 1}); lower optimizer.learning_rate or raise optimizer.epsilon"
        )
        summary.finish("diverged", diverged_at_step=state.diverged_at, error=message)
        raise TrainingDiverged(f"{run.root}: {message}")
    if state.stop_reason == StopReason.COMPLETED:
        _finalize_weights(session.model)
        save_weights_atomic(session.model, run.weights_path)
        summary.data["wall_time_s"] = round(state.elapsed_s, 3)
    summary.finish(state.stop_reason)
    return RunResult(run, state.stop_reason, summary.data)


def _finalize_weights(model: Any) -> None:
    """With ``use_ema``, overwrite the weights with their moving averages, as ``fit`` does."""
    optimizer = getattr(model.optimizer, "inner_optimizer", model.optimizer)
    if getattr(optimizer, "use_ema", False):
        optimizer.finalize_variable_values(model.trainable_variables)


def save_weights_atomic(model: Any, path: Path) -> None:
    """``model.save_weights`` to a temporary sibling, then rename over ``path``."""
    path = Path(path)
    temporary = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        model.save_weights(temporary)
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_dir(path.parent)
