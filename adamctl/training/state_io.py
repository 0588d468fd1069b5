"""Take a session's full training state out as arrays, and put it back exactly.

The state of a run at a step boundary is: every model variable (weights,
non-trainable weights, the dropout layers' seed-generator states), the
optimizer's state as its ``save_own_variables`` writes it (iterations,
learning rate, m, v, v_hat, EMA averages, gradient accumulators, loss scale),
the compiled metrics' running sums, and the loop position. The data order
needs nothing saved: it is a pure function of (seed, epoch).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from adamctl.errors import CheckpointError
from adamctl.store.checkpoint import CheckpointData, Entry
from adamctl.training.loop import LoopState

if TYPE_CHECKING:
    from adamctl.training.session import Session

__all__ = ["capture", "checkpoint_data", "restore", "all_finite"]


def capture(session: Session, state: LoopState, *, config: dict, config_hash: str) -> CheckpointData:
    """A snapshot of ``session`` at ``state``'s step boundary (arrays are copies)."""
    model = session.model
    store: dict[str, Any] = {}
    model.optimizer.save_own_variables(store)
    optimizer_paths = [variable.path for variable in model.optimizer.variables]
    return checkpoint_data(
        state, seed=session.config.seed, config=config, config_hash=config_hash,
        model=_entries(model.variables),
        optimizer=[
            Entry(path, np.array(store[str(index)], copy=True))
            for index, path in enumerate(optimizer_paths)
        ],
        metrics=_entries(model.metrics_variables),
    )


def checkpoint_data(state: LoopState, *, seed: int, config: dict, config_hash: str,
                    model: list[Entry], optimizer: list[Entry],
                    metrics: list[Entry]) -> CheckpointData:
    """A checkpoint of these entries at ``state``'s step boundary (what :func:`capture` returns)."""
    return CheckpointData(
        step=state.step,
        epoch=state.epoch,
        step_in_epoch=state.step_in_epoch,
        elapsed_s=state.elapsed_s,
        config_hash=config_hash,
        config=config,
        random={"data_order": "pure function of (seed, epoch)", "seed": seed},
        model=model,
        optimizer=optimizer,
        metrics=metrics,
    )


def _entries(variables: Sequence[Any]) -> list[Entry]:
    from keras import ops

    return [Entry(variable.path, np.array(ops.convert_to_numpy(variable))) for variable in variables]


def all_finite(data: CheckpointData) -> bool:
    """Whether every floating-point array of the model and the optimizer is finite."""
    for entry in (*data.model, *data.optimizer):
        array = entry.array
        if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
            return False
    return True


def restore(session: Session, data: CheckpointData, *, source: str) -> None:
    """Load ``data`` into ``session``, refusing anything that does not fit exactly.

    The learning rate is the one exception to "exactly": it is the config's,
    not the checkpoint's. A constant rate is an optimizer variable that Keras
    saves with the state; restoring it would silently undo a rate changed on
    resume (``--set optimizer.learning_rate=... --allow-drift``) while
    config.yaml records the new one. Without drift both are the same float32.
    A schedule has no variable: switching between a constant and a schedule
    drops or adds that one entry, and the schedule continues from the
    checkpoint's step count.

    Raises:
        CheckpointError: the checkpoint's variables differ in number or
            shape from the session's (naming the first that differs).
    """
    model = session.model
    _assign_all(model.variables, data.model, what="model variable", source=source)
    optimizer_entries = _with_configured_learning_rate(model.optimizer.variables, data.optimizer)
    _check_fit(model.optimizer.variables, optimizer_entries, what="optimizer variable", source=source)
    model.optimizer.load_own_variables(
        {str(index): entry.array for index, entry in enumerate(optimizer_entries)}
    )
    _assign_all(model.metrics_variables, data.metrics, what="metric variable", source=source)


def _with_configured_learning_rate(variables: Sequence[Any], entries: Sequence[Entry]) -> list[Entry]:
    """``entries`` aligned to ``variables``, each learning-rate entry taken from the variable.

    The session's optimizer was built from the config, so its learning-rate
    variables hold the configured rate. A saved rate with no variable left
    (the config now has a schedule) is dropped; a variable with no saved
    rate (the config now has a constant) keeps its value. Other entries
    pass through in order, for :func:`_check_fit` to judge.
    """
    aligned: list[Entry] = []
    saved = [entry for entry in entries if not _is_learning_rate(entry.path)]
    others = iter(saved)
    for variable in variables:
        if _is_learning_rate(variable.path):
            aligned.append(Entry(variable.path, _as_array(variable)))
        else:
            entry = next(others, None)
            if entry is not None:
                aligned.append(entry)
    aligned.extend(others)
    return aligned


def _is_learning_rate(path: str) -> bool:
    return path.rsplit("/", 1)[-1] == "learning_rate"


def _as_array(variable: Any) -> np.ndarray:
    from keras import ops

    return np.array(ops.convert_to_numpy(variable))


def _assign_all(variables: Sequence[Any], entries: Sequence[Entry], *, what: str, source: str) -> None:
    _check_fit(variables, entries, what=what, source=source)
    for variable, entry in zip(variables, entries):
        variable.assign(entry.array)


def _check_fit(variables: Sequence[Any], entries: Sequence[Entry], *, what: str, source: str) -> None:
    if len(variables) != len(entries):
        raise CheckpointError(
            f"{source} holds {len(entries)} {what}s but the model of this config has "
            f"{len(variables)}; the checkpoint belongs to a different model"
        )
    for index, (variable, entry) in enumerate(zip(variables, entries)):
        if tuple(variable.shape) != tuple(entry.array.shape):
            raise CheckpointError(
                f"{source}: {what} {index} ({entry.path}) has shape {tuple(entry.array.shape)} "
                f"but the model expects {tuple(variable.shape)} ({variable.path})"
            )
