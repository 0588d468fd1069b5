"""`resume`: continue a run from its newest valid checkpoint to the configured end.

On CPU with deterministic ops, a resumed run ends with exactly the weights
and optimizer state of an uninterrupted one: the checkpoint holds every
variable that changes during training, and the data order is a pure
function of (seed, epoch).
"""

from __future__ import annotations

import socket
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple, Sequence

from adamctl._clock import now_iso
from adamctl.config import config_from_dict, diff_configs, load_config, write_config
from adamctl.errors import CheckpointError, ConfigError, UsageError
from adamctl.store.lock import RunLock
from adamctl.store.metrics import read_metrics_rows
from adamctl.store.rundir import RunDir
from adamctl.store.summary import RunSummary
from adamctl.store.sweepdir import SweepDir
from adamctl.training.provenance import command_line
from adamctl.training.run import RunResult, new_loop_state, run_session
from adamctl.training.session import prepare

if TYPE_CHECKING:
    from rich.console import Console

    from adamctl.config.schema import Config
    from adamctl.store.checkpoint import CheckpointData
    from adamctl.training.loop import LoopState
    from adamctl.training.session import Session

__all__ = ["resume"]


class _Found(NamedTuple):
    """The checkpoint a resume starts from: its folder and what it holds."""

    path: Path
    data: CheckpointData


def resume(
    run_dir: Path,
    *,
    overrides: Sequence[str] = (),
    allow_drift: bool = False,
    console: Console | None = None,
    warn: Callable[[str], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> RunResult:
    """Continue the run in ``run_dir`` from its newest valid checkpoint.

    Args:
        run_dir: a run directory made by ``adamctl train``.
        overrides: ``--set`` changes to the run's config; they are drift.
        allow_drift: accept a config that differs from the checkpoint's,
            recording the change in ``summary.json``.
        console: a ``rich`` console on stderr for progress, or None.
        warn: receives warnings (a damaged checkpoint skipped); default
            ``warnings.warn``.
        notify: receives one line naming the checkpoint and step the run
            continues from; default none.

    A run that has already completed and has nothing left to train is left
    untouched; the result's ``note`` says so.

    Raises:
        UsageError: ``run_dir`` is not a run directory, or is a completed
            run given ``overrides`` that could not take effect.
        CheckpointError: checkpoints exist but none is valid, or the newest
            valid one does not fit the model.
        ConfigError: the config drifted and ``allow_drift`` is off.
        RunLocked: another live process writes to the run.
    """
    run = RunDir(run_dir)
    warn = warn or (lambda message: warnings.warn(message, stacklevel=2))
    _check_is_run(run)
    config = load_config(run.config_path, overrides)
    finished = _already_completed(run, config, overrides, warn)
    if finished is not None:
        return finished
    with RunLock(run):
        rows = read_metrics_rows(run.metrics_path)  # a malformed file is refused before any write
        checkpoint = _newest_valid(run, warn)
        summary = RunSummary.load(run.summary_path) if run.summary_path.exists() else None
        if checkpoint is not None:
            # Checked from the checkpoint's recorded config, before the slow
            # import of the backend that prepare() does.
            _check_drift(run, checkpoint, config, overrides, allow_drift, summary)
        session = prepare(config, file=run.config_path)
        state = new_loop_state(session)
        if checkpoint is not None:
            _restore_position(session, checkpoint, state)
            _say(notify, f"resuming {run.root} from {checkpoint.path.name} at step {state.step} "
                 f"(epoch {state.epoch + 1}, step {state.step_in_epoch} of {state.steps_per_epoch})")
        else:
            warn(f"{run.root} has no checkpoint yet; training it again from step 0")
        if overrides:
            write_config(config, run.config_path)
        summary = _reopen_summary(run, summary, state, checkpoint, rows)
        return run_session(session, run, state, summary, console=console)


def _say(notify: Callable[[str], None] | None, message: str) -> None:
    if notify is not None:
        notify(message)


def _check_is_run(run: RunDir) -> None:
    """Refuse a directory that holds no run, naming the command that fits it."""
    if run.config_path.is_file():
        return
    if SweepDir(run.root).is_sweep():
        raise UsageError(
            f"{run.root} is a sweep directory, not a run; continue it with "
            f'"adamctl sweep --resume {run.root}", or one trial with '
            f'"adamctl resume {run.root}/trials/<id>"'
        )
    raise UsageError(
        f"{run.root} is not a run directory (it has no config.yaml); "
        'start a run with "adamctl train CONFIG"'
    )


def _already_completed(run: RunDir, config: Config, overrides: Sequence[str],
                       warn: Callable[[str], None]) -> RunResult | None:
    """A completed run with nothing left to train: its result, with every file left as it is.

    Nothing is written, not even the lock file: a resume that has nothing to
    do must not move ``finished_at``, record drift or rewrite config.yaml.
    ``--set`` changes that leave nothing to train are refused, since they
    could not take effect; a longer ``training.epochs`` is what trains on.

    Raises:
        UsageError: the run is complete and ``overrides`` were given.
    """
    summary = RunSummary.load(run.summary_path) if run.summary_path.exists() else None
    if summary is None or summary.data.get("status") != "completed":
        return None
    held: list[str] = []  # warnings, given only if no resume follows (it repeats them)
    checkpoint = _newest_valid(run, held.append)
    stopped_early = summary.data.get("early_stopped_at_epoch")
    if checkpoint is None or (checkpoint.data.epoch < config.training.epochs
                              and stopped_early is None):
        return None
    for message in held:
        warn(message)
    data = checkpoint.data
    where = f"{run.root} already completed at step {data.step} (epoch {data.epoch})"
    if stopped_early is not None:
        # training.early_stopping ended it: the same rule would end a longer run there too.
        where = (f"{run.root} stopped early at epoch {stopped_early} (training.early_stopping) "
                 f"and is complete")
        longer = "a new run (adamctl train) without training.early_stopping"
    else:
        longer = f"--set training.epochs=N (N > {data.epoch}) --allow-drift"
    if overrides:
        raise UsageError(
            f"{where}; nothing is left to train, so {' '.join('--set ' + o for o in overrides)} "
            f"cannot take effect and nothing was changed; to train longer: {longer}"
        )
    return RunResult(run, "completed", summary.data,
                     note=f"{where}; nothing to do. To train longer: "
                          + (longer if stopped_early is not None
                             else f"adamctl resume {run.root} {longer}"))


def _newest_valid(run: RunDir, warn: Callable[[str], None]) -> _Found | None:
    """The newest valid checkpoint's data, None if there was never one; raises if all are bad."""
    from adamctl.store.checkpoint import latest_readable_checkpoint

    existing = run.checkpoint_dirs()
    found = latest_readable_checkpoint(run, warn=warn)
    if found is None and existing:
        raise CheckpointError(
            f"{run.root}: none of its {len(existing)} checkpoints is valid "
            f"(newest: {existing[-1].name}); the run cannot be resumed"
        )
    return None if found is None else _Found(*found)


def _check_drift(run: RunDir, checkpoint: _Found, config: Config, overrides: Sequence[str],
                 allow_drift: bool, summary: RunSummary | None) -> None:
    """Refuse a config that differs from the checkpoint's, unless drift is allowed."""
    path, data = checkpoint
    changes = diff_configs(config_from_dict(data.config), config)
    if not changes:
        return
    shown = "; ".join(f"{key}: {old!r} -> {new!r}" for key, old, new in changes)
    if not allow_drift:
        raise ConfigError(
            f"differs from the checkpoint {path.name}: {shown}; pass --allow-drift "
            "to resume with these changes",
            file=run.config_path,
        )
    if summary is not None:
        summary.data.setdefault("drift", []).append({
            "at_step": data.step,
            "overrides": list(overrides),
            "changes": [{"key": key, "old": old, "new": new} for key, old, new in changes],
            "at": now_iso(),
        })


def _restore_position(session: Session, checkpoint: _Found, state: LoopState) -> None:
    from adamctl.training.state_io import restore

    path, data = checkpoint
    restore(session, data, source=str(path))
    state.epoch, state.step_in_epoch, state.step = data.epoch, data.step_in_epoch, data.step
    state.elapsed_s = data.elapsed_s


def _reopen_summary(run: RunDir, summary: RunSummary | None, state: LoopState,
                    checkpoint: _Found | None, rows: list[dict[str, str]]) -> RunSummary:
    """Set the summary back to the checkpoint's position and mark it running."""
    if summary is None:
        summary = RunSummary(run.summary_path, {})
    kept = [row for row in rows if int(row["epoch"]) <= state.epoch]
    summary.rebuild_from_rows(kept)
    summary.data.update(steps=state.step, epochs_completed=state.epoch,
                        total_steps=state.total_steps, steps_per_epoch=state.steps_per_epoch)
    if checkpoint is not None:
        summary.data.setdefault("resumed", []).append({
            "from_checkpoint": checkpoint[0].name, "step": state.step,
            "at": now_iso(), "command": command_line(), "hostname": socket.gethostname(),
        })
    summary.finish("running", error=None)
    return summary
