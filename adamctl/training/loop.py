"""The training loop: our own epoch/step loop around ``model.train_on_batch``.

Why not ``model.fit``: a run must be resumable at any step, bit for bit. That
needs the data order to be a pure function of (seed, epoch, step), which
:func:`adamctl.data.iterate_batches` gives, and control at every step
boundary (checkpoints, interrupts, divergence). The loop drives standard Keras
callbacks, so anything written for ``fit`` hooks in the same way.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from adamctl.data import iterate_batches

__all__ = ["LoopState", "StopReason", "train_loop", "epoch_batches", "steps_per_epoch"]


class StopReason:
    """Why the loop ended."""

    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    DIVERGED = "diverged"


@dataclass
class LoopState:
    """Where training stands; shared with the callbacks.

    Attributes:
        epoch: the 0-based epoch being trained (``epochs`` once finished).
        step_in_epoch: batches already trained in ``epoch``.
        step: batches trained in total (the optimizer's raw iteration count).
        elapsed_s: training wall time so far, including earlier sessions of a
            resumed run.
        epochs: the configured number of epochs.
        steps_per_epoch: batches per epoch.
        logs: the latest step's logs (running means over the epoch).
        stop_reason: set when the loop ends.
        diverged_at: the step whose loss was not finite.
    """

    epochs: int
    steps_per_epoch: int
    epoch: int = 0
    step_in_epoch: int = 0
    step: int = 0
    elapsed_s: float = 0.0
    logs: dict[str, float] = field(default_factory=dict)
    stop_reason: str | None = None
    diverged_at: int | None = None

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch

    @property
    def finished(self) -> bool:
        return self.epoch >= self.epochs


def steps_per_epoch(num_examples: int, batch_size: int, configured: int | None) -> int:
    """``configured`` if set, else one pass: ceil(num_examples / batch_size)."""
    if configured is not None:
        return configured
    return max(1, math.ceil(num_examples / batch_size))


def epoch_batches(
    num_examples: int, batch_size: int, *, epoch: int, seed: int, shuffle: bool, steps: int
) -> list[np.ndarray]:
    """The index arrays of ``steps`` batches for ``epoch``: a pure function of its arguments.

    One pass over the data gives ceil(n / batch_size) batches; when ``steps``
    asks for more, further passes follow, each shuffled with its own seed
    derived from (seed, epoch, pass); when it asks for fewer, the pass is cut.
    """
    batches: list[np.ndarray] = []
    data_pass = 0
    while len(batches) < steps:
        pass_seed = seed if data_pass == 0 else int(
            np.random.SeedSequence([seed, epoch, data_pass]).generate_state(1)[0]
        )
        batches.extend(
            iterate_batches(num_examples, batch_size, epoch=epoch, seed=pass_seed, shuffle=shuffle)
        )
        data_pass += 1
    return batches[:steps]


def train_loop(
    model: Any,
    dataset: Any,
    state: LoopState,
    *,
    batch_size: int,
    seed: int,
    shuffle: bool,
    callbacks: Sequence[Any] = (),
    should_stop: Callable[[], bool] = lambda: False,
) -> LoopState:
    """Train from ``state`` to the end, or until ``should_stop()`` or a non-finite loss.

    Resuming mid-epoch works because the batches of an epoch depend only on
    (seed, epoch), so skipping the first ``state.step_in_epoch`` of them
    gives exactly the examples an uninterrupted run would see next.
    """
    import keras

    hooks = keras.callbacks.CallbackList(list(callbacks), model=model)
    hooks.on_train_begin()
    started = time.perf_counter() - state.elapsed_s
    while not state.finished:
        _train_epoch(model, dataset, state, hooks, batch_size, seed, shuffle, started, should_stop)
        if state.stop_reason is not None:
            break
    if state.stop_reason is None:
        state.stop_reason = StopReason.COMPLETED
    state.elapsed_s = time.perf_counter() - started
    hooks.on_train_end(dict(state.logs))
    return state


def _train_epoch(model, dataset, state, hooks, batch_size, seed, shuffle, started, should_stop):
    batches = epoch_batches(
        len(dataset.x_train), batch_size,
        epoch=state.epoch, seed=seed, shuffle=shuffle, steps=state.steps_per_epoch,
    )
    if state.step_in_epoch == 0:
        model.reset_metrics()
    hooks.on_epoch_begin(state.epoch)
    for index in batches[state.step_in_epoch:]:
        hooks.on_train_batch_begin(state.step_in_epoch)
        logs = model.train_on_batch(
            dataset.x_train[index], dataset.y_train[index], reset_metrics=False, return_dict=True
        )
        state.logs = {name: float(value) for name, value in logs.items()}
        state.step += 1
        state.step_in_epoch += 1
        state.elapsed_s = time.perf_counter() - started
        if not math.isfinite(state.logs.get("loss", 0.0)):
            state.stop_reason, state.diverged_at = StopReason.DIVERGED, state.step
            return
        hooks.on_train_batch_end(state.step_in_epoch - 1, dict(state.logs))
        if should_stop() and state.step_in_epoch < len(batches):
            state.stop_reason = StopReason.INTERRUPTED
            return
    epoch_logs = dict(state.logs)
    epoch_logs.update(_validate(model, dataset, batch_size))
    epoch_logs["learning_rate"] = current_learning_rate(model.optimizer)
    state.logs = epoch_logs
    state.epoch += 1
    state.step_in_epoch = 0
    state.elapsed_s = time.perf_counter() - started
    # on_epoch_end sees the finished epoch's index, as with fit.
    hooks.on_epoch_end(state.epoch - 1, dict(epoch_logs))
    if should_stop() and not state.finished:
        state.stop_reason = StopReason.INTERRUPTED


def _validate(model: Any, dataset: Any, batch_size: int) -> dict[str, float]:
    """Validation metrics, prefixed ``val_``; empty without validation data."""
    if len(dataset.x_val) == 0:
        return {}
    logs = model.evaluate(
        dataset.x_val, dataset.y_val, batch_size=batch_size, verbose=0, return_dict=True
    )
    return {f"val_{name}": float(value) for name, value in logs.items()}


def current_learning_rate(optimizer: Any) -> float:
    """The learning rate the next step will use (a schedule is evaluated at it)."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    return float(np.asarray(inner.learning_rate))
