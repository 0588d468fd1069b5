"""`train`: a resolved config becomes a trained model and a complete run directory."""

from __future__ import annotations

import signal
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import yaml

from adamctl._atomic import atomic_write_bytes, atomic_write_text
from adamctl.config import config_hash, config_to_dict, write_config
from adamctl.config.schema import Config
from adamctl.errors import Interrupted, TrainingDiverged
from adamctl.store.lock import RunLock
from adamctl.store.environment import write_environment
from adamctl.store.rundir import RUNS_ROOT, RunDir, new_run_dir
from adamctl.store.summary import RunSummary
from adamctl.training.backend import compute_threads, versions
from adamctl.training.interrupts import StopOnSignal, exit_code_for
from adamctl.training.provenance import installed_packages, provenance
from adamctl.training.loop import LoopState, StopReason, steps_per_epoch, train_loop
from adamctl.training.session import Session, prepare

if TYPE_CHECKING:
    import keras
    from rich.console import Console

__all__ = ["RunResult", "train", "save_model_atomic", "save_weights_atomic", "run_session",
           "new_loop_state", "begin_run", "session_hooks"]


@dataclass
class RunResult:
    """What a finished run left behind."""

    run_dir: RunDir
    status: str
    summary: dict[str, Any]
    note: str | None = None  # a line for the user when nothing was trained


def train(
    config: Config,
    *,
    file: str | Path | None = None,
    run_dir: Path | None = None,
    runs_root: Path = RUNS_ROOT,
    overrides: Sequence[str] = (),
    console: Console | None = None,
    extra_callbacks: Sequence[Callable[[LoopState], keras.callbacks.Callback]] = (),
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
        console: a ``rich`` console on stderr: a progress bar on a terminal,
            one plain line per epoch otherwise; None for no progress.
        extra_callbacks: makers of more callbacks, given the loop state and
            run after each epoch's checkpoint (a search's pruning).

    Raises:
        ConfigError: the config cannot be built.
        UsageError: ``run_dir`` already holds a run.
        RunLocked: another process writes to ``run_dir``.
        TrainingDiverged: the loss became NaN or infinite.
        Interrupted: SIGINT or SIGTERM stopped the run (after a checkpoint).
    """
    run = RunDir(run_dir) if run_dir is not None else new_run_dir(runs_root, config.name)
    run.check_new()  # before the framework loads: a refusal should be quick
    session = prepare(config, file=file)
    run.create()
    with RunLock(run):
        state, summary = begin_run(session, run, overrides=overrides, file=file)
        hooks = [make(state) for make in extra_callbacks]
        return run_session(session, run, state, summary, console=console, extra=hooks)


def begin_run(session: Session, run: RunDir, *, overrides: Sequence[str] = (),
              file: str | Path | None = None) -> tuple[LoopState, RunSummary]:
    """Write what a new run holds before its first step; its loop state and summary.

    The run directory exists and is locked. config.yaml, overrides.yaml and
    environment.txt are written, and summary.json says ``running``.
    """
    write_config(session.config, run.config_path)
    atomic_write_text(run.overrides_path, yaml.safe_dump(list(overrides)))
    write_environment(run, installed_packages())
    state = new_loop_state(session)
    summary = RunSummary.start(run.summary_path, **_identity(session, run, state),
                               provenance=provenance(file, on_gpu=session.on_gpu))
    return state, summary


def new_loop_state(session: Session) -> LoopState:
    """The position at the start of a run of ``session``'s config."""
    config = session.config
    return LoopState(
        epochs=config.training.epochs,
        steps_per_epoch=steps_per_epoch(
            len(session.dataset.x_train), config.data.batch_size, config.training.steps_per_epoch
        ),
    )


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
        "device": _device_used(session),
        "deterministic": session.deterministic,
        "dataset": session.dataset.describe(),
        "threads": compute_threads(),
        "versions": versions(),
    }


def _device_used(session: Session) -> str:
    """``cpu``, or the GPU trained on as the config names it (``gpu:N``; ``gpu:0`` for auto)."""
    if not session.on_gpu:
        return "cpu"
    return session.config.device if session.config.device.startswith("gpu:") else "gpu:0"


def run_session(
    session: Session, run: RunDir, state: LoopState, summary: RunSummary, *,
    console: Console | None, extra: Sequence[keras.callbacks.Callback] = (),
) -> RunResult:
    """Run the loop from ``state`` with the standard callbacks and settle the status."""
    hooks, checkpointing = session_hooks(session, run, state, summary, console=console,
                                         extra=extra)
    data = session.config.data
    with StopOnSignal() as stop, _closing_loggers(hooks, summary):
        try:
            train_loop(
                session.model, session.dataset, state,
                batch_size=data.batch_size, seed=session.config.seed, shuffle=data.shuffle,
                callbacks=hooks, should_stop=stop,
            )
            stop.hold()
        except BaseException as error:
            stop.hold()
            if not (isinstance(error, KeyboardInterrupt) or stop.aborted):
                _record_failure(summary, error)
                raise
            # A second signal inside a step (raised at most once), perhaps
            # turned into another exception by the native call it landed in.
            at_boundary = state.stop_reason == StopReason.INTERRUPTED
            _stopped(run, state, summary, stop.signum, saved=at_boundary and checkpointing.save_now())
        # Still inside the block: a signal now cannot kill the process before
        # the interrupt checkpoint and the summary are written.
        if state.stop_reason == StopReason.INTERRUPTED:
            _stopped(run, state, summary, stop.signum, saved=checkpointing.save_now())
        if state.stop_reason == StopReason.TIMED_OUT:
            _timed_out(run, state, summary, session.config.training.max_time,
                       saved=checkpointing.save_now())
        return _settle(session, run, state, summary)


def session_hooks(
    session: Session, run: RunDir, state: LoopState, summary: RunSummary, *,
    console: Console | None = None, extra: Sequence[keras.callbacks.Callback] = (),
    capture: Callable[..., Any] | None = None, write: Callable[..., Any] | None = None,
    write_file: Callable[[Path, bytes], None] | None = None,
    weights: Callable[[keras.Model], bytes] | None = None,
) -> tuple[list[keras.callbacks.Callback], keras.callbacks.Callback]:
    """A run's callbacks in their order, and among them the checkpointing one.

    ``capture(session, state, config=..., config_hash=...)`` takes the
    checkpoint's snapshot (default :func:`adamctl.training.state_io.capture`),
    ``write(run, data, keep=...)`` writes it (default
    :func:`adamctl.store.checkpoint.write_checkpoint`) and ``write_file(path,
    data)`` writes each epoch's metrics.csv, summary.json and best weights
    (default :func:`adamctl._atomic.atomic_write_bytes`), and ``weights(model)``
    builds the best epoch's weights file (default :func:`weights_h5_bytes`);
    a population passes its own, with the same results.
    """
    checkpointing = _checkpointing(session, run, state, capture, write)
    hooks = (_callbacks(run, state, summary, console, write_file)
             + _diagnostics(session, run, state)
             + _loggers(session, run, state, summary) + [checkpointing] + list(extra) + _fault_injection(state))
    best = _best_epoch(session, run, state, summary, write_file or atomic_write_bytes,
                       weights or weights_h5_bytes)
    if best is not None:
        hooks.insert(1, best)  # after metrics.csv, before summary.json and the checkpoint
    if session.config.training.max_time is not None:
        from adamctl.training.callbacks.max_time import MaxTime

        hooks.append(MaxTime(state, session.config.training.max_time))
    return hooks, checkpointing


@contextmanager
def _closing_loggers(hooks: list[Any], summary: RunSummary) -> Iterator[None]:
    """Tell the outside trackers how the run ended, whichever way it ends.

    Entered inside :class:`StopOnSignal`, so it runs while signals are held,
    after the summary's final status is written. A tracker that fails here
    gets a warning: the run's own outcome (and exit code) stands.
    """
    try:
        yield
    finally:
        for hook in hooks:
            if hasattr(hook, "close_run"):
                try:
                    hook.close_run(summary.data)
                except Exception as error:  # noqa: BLE001 - any tracker failure, reported
                    warnings.warn(f"{_run_name(summary)}: could not record the run's end in "
                                  f"{type(hook).__name__}: {error}", stacklevel=2)


def _run_name(summary: RunSummary) -> str:
    """The run directory named in a warning."""
    return str(summary.data.get("run_dir", summary.path.parent))


def _record_failure(summary: RunSummary, error: BaseException) -> None:
    """Mark the run failed; if even that write fails, the original error is the one to report."""
    from adamctl.errors import AdamctlError

    try:
        summary.finish("failed", error=f"{type(error).__name__}: {error}")
    except (AdamctlError, OSError):
        pass


def _callbacks(run: RunDir, state: LoopState, summary: RunSummary, console: Console | None,
               write_file: Callable[[Path, bytes], None] | None = None,
               ) -> list[keras.callbacks.Callback]:
    from adamctl.training.callbacks.metrics_csv import MetricsCSV
    from adamctl.training.callbacks.summary import SummaryUpdater

    hooks = [MetricsCSV(run.metrics_path, state, keep_epochs=state.epoch, write_file=write_file),
             SummaryUpdater(summary, state, write_file)]
    if console is not None and console.is_terminal:
        from adamctl.training.callbacks.progress import RichProgress

        hooks.append(RichProgress(state, console))
    elif console is not None:
        from adamctl.training.callbacks.epoch_lines import EpochLines

        hooks.append(EpochLines(state, console.file))
    return hooks


def _best_epoch(session: Session, run: RunDir, state: LoopState, summary: RunSummary,
                write_file: Callable[[Path, bytes], None],
                weights: Callable[[keras.Model], bytes]) -> keras.callbacks.Callback | None:
    """Early stopping and the best epoch's weights, its counters replayed from metrics.csv.

    Without ``training.early_stopping`` it only keeps ``model.best.weights.h5``
    on ``val_loss``, and only when there is validation data.
    """
    from adamctl.store.metrics import read_metrics_rows
    from adamctl.training.callbacks.early_stopping import EarlyStopping

    rule = session.config.training.early_stopping
    if rule is None and len(session.dataset.x_val) == 0:
        return None
    monitor = rule.monitor if rule else "val_loss"
    callback = EarlyStopping(
        state, monitor=monitor, mode=rule.mode if rule else "auto",
        patience=rule.patience if rule else None, min_delta=rule.min_delta if rule else 0.0,
        restore_best=bool(rule and rule.restore_best),
        save_best=lambda model: write_file(run.best_weights_path, weights(model)),
        load_best=lambda model: model.load_weights(run.best_weights_path),
        on_best=lambda epoch: summary.data.update(best_epoch=epoch),
    )
    callback.set_model(session.model)
    rows = [row for row in read_metrics_rows(run.metrics_path) if int(row["epoch"]) <= state.epoch]
    callback.replay([float(row[monitor]) if row.get(monitor) not in (None, "") else None
                     for row in rows])
    summary.data["best_epoch"] = callback.best_epoch + 1 if callback.best is not None else None
    return callback


def _diagnostics(session: Session, run: RunDir, state: LoopState) -> list[keras.callbacks.Callback]:
    """Adam's diagnostics every ``training.diagnostics_every`` steps; none when it is null."""
    every = session.config.training.diagnostics_every
    if every is None:
        return []
    from adamctl.training.callbacks.diagnostics import Diagnostics

    return [Diagnostics(run.diagnostics_path, run.diagnostics_scalars_path, state, every=every,
                        flush_every=session.config.training.checkpoint_every)]


def _loggers(session: Session, run: RunDir, state: LoopState,
             summary: RunSummary) -> list[keras.callbacks.Callback]:
    """The outside trackers ``logging`` turns on (TensorBoard, MLflow); usually none."""
    logging = session.config.logging
    hooks: list[keras.callbacks.Callback] = []
    if logging.tensorboard:
        from adamctl.training.callbacks.tensorboard import TensorBoardEvents

        hooks.append(TensorBoardEvents(run.tensorboard_dir, state))
    if logging.mlflow is not None:
        from adamctl.training.callbacks.mlflow_logger import MlflowLogger

        hooks.append(MlflowLogger(logging.mlflow, session.config, run, state, summary))
    return hooks


def _fault_injection(state: LoopState) -> list[keras.callbacks.Callback]:
    """The tests' kill point, last so that checkpoints are written first; usually none."""
    from adamctl.training.callbacks.kill_at import kill_at_from_environment

    return kill_at_from_environment(state)


def _checkpointing(session: Session, run: RunDir, state: LoopState,
                   capture: Callable[..., Any] | None = None,
                   write: Callable[..., Any] | None = None) -> keras.callbacks.Callback:
    """The callback that snapshots ``session`` into ``run``'s checkpoints."""
    from adamctl.training.callbacks.checkpointing import Checkpointing
    from adamctl.store.checkpoint import write_checkpoint
    from adamctl.training.state_io import all_finite
    from adamctl.training.state_io import capture as capture_session

    capture, write_checkpoint = capture or capture_session, write or write_checkpoint
    config = session.config
    resolved, digest = config_to_dict(config), config_hash(config)

    def save() -> bool:
        data = capture(session, state, config=resolved, config_hash=digest)
        if not all_finite(data):
            return False
        write_checkpoint(run, data, keep=config.training.keep_checkpoints)
        return True

    return Checkpointing(save, state, every=config.training.checkpoint_every)


def _stopped(run: RunDir, state: LoopState, summary: RunSummary, signum: Any, *, saved: bool) -> None:
    """Record an interrupt and raise :class:`Interrupted` with the shell's exit code."""
    name = signal.Signals(signum).name if signum is not None else "SIGINT"
    where = (
        f"checkpoint saved at step {state.step}" if saved
        else "stopped inside a step; the last complete checkpoint is kept"
    )
    summary.data.update(epochs_completed=state.epoch, steps=state.step)
    summary.finish("interrupted", error=f"interrupted by {name} at step {state.step}")
    raise Interrupted(
        f"{run.root}: {name} at step {state.step}, {where}; "
        f'continue with "adamctl resume {run.root}"',
        exit_code=exit_code_for(signum if signum is not None else signal.SIGINT),
    )


def _timed_out(run: RunDir, state: LoopState, summary: RunSummary, seconds: float, *,
               saved: bool) -> None:
    """Record a stop at ``training.max_time`` and raise :class:`Interrupted` (exit code 124)."""
    where = f"checkpoint saved at step {state.step}" if saved else "the last checkpoint is kept"
    message = f"training.max_time ({seconds:g}s) reached at step {state.step}"
    summary.data.update(epochs_completed=state.epoch, steps=state.step)
    summary.finish("interrupted", error=message)
    # 124, as coreutils' timeout: a stop on a time limit, not a failure.
    raise Interrupted(f"{run.root}: {message}, {where}; continue with "
                      f'"adamctl resume {run.root}"', exit_code=124)


def _settle(session: Session, run: RunDir, state: LoopState, summary: RunSummary) -> RunResult:
    if state.stop_reason == StopReason.DIVERGED:
        kept = (
            "the newest checkpoint is the last finite state" if run.checkpoint_dirs()
            else "no checkpoint was written before it, so there is no finite state to resume from"
        )
        message = (
            f"loss became {state.logs.get('loss')} at step {state.diverged_at} "
            f"(epoch {state.epoch + 1}); {kept}. "
            "Lower optimizer.learning_rate or raise optimizer.epsilon"
        )
        summary.finish("diverged", diverged_at_step=state.diverged_at, error=message)
        raise TrainingDiverged(f"{run.root}: {message}")
    if state.stop_reason == StopReason.PRUNED:
        return _pruned(session, run, state, summary)
    _finalize_weights(session.model)
    save_weights_atomic(session.model, run.weights_path)
    save_model_atomic(session.model, run.model_path)
    summary.data["wall_time_s"] = round(state.elapsed_s, 3)
    if state.stop_reason == StopReason.EARLY_STOPPED:
        summary.data["early_stopped_at_epoch"] = state.epoch
    summary.finish("completed", error=None)
    return RunResult(run, "completed", summary.data)


def _pruned(session: Session, run: RunDir, state: LoopState, summary: RunSummary) -> RunResult:
    """A run a search's pruner stopped: its weights as they stand, and where it stopped."""
    save_weights_atomic(session.model, run.weights_path)
    summary.data["wall_time_s"] = round(state.elapsed_s, 3)
    summary.finish("pruned", pruned_at_epoch=state.epoch, error=None)
    return RunResult(run, "pruned", summary.data)


def _finalize_weights(model: keras.Model) -> None:
    """With ``use_ema``, overwrite the weights with their moving averages, as ``fit`` does."""
    optimizer = getattr(model.optimizer, "inner_optimizer", model.optimizer)
    if getattr(optimizer, "use_ema", False):
        optimizer.finalize_variable_values(model.trainable_variables)


def save_model_atomic(model: keras.Model, path: Path) -> None:
    """``model.save`` to ``path`` (a ``.keras`` file: architecture, weights, optimizer state),
    built in memory (:mod:`adamctl.training.keras_file`) and written whole or not at all."""
    from adamctl.training.keras_file import keras_file_bytes

    atomic_write_bytes(path, keras_file_bytes(model))


def save_weights_atomic(model: keras.Model, path: Path) -> None:
    """``model.save_weights`` to ``path``, whole or not at all.

    The ``.weights.h5`` file is assembled in memory and then written as bytes:
    h5py crashes the interpreter (SIGSEGV while freeing its handles) when the
    disk refuses a write part-way through a file, where a plain write raises
    an ``OSError`` that becomes :class:`~adamctl.errors.WriteFailed`.
    """
    atomic_write_bytes(path, weights_h5_bytes(model))


def weights_h5_bytes(model: keras.Model) -> bytes:
    """The bytes ``model.save_weights("x.weights.h5")`` would write, built in memory
    (see :mod:`adamctl.training.weights_file`)."""
    from adamctl.training.weights_file import weights_h5_bytes as build

    return build(model)
