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
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from adamctl.data import iterate_batches

if TYPE_CHECKING:
    import keras

    from adamctl.data import Dataset

__all__ = ["LoopState", "StopReason", "train_loop", "epoch_batches", "steps_per_epoch"]


class StopReason(StrEnum):
    """Why the loop ended (a string, so it compares and prints as its value)."""

    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    DIVERGED = "diverged"
    PRUNED = "pruned"  # a search's pruner stopped it at an epoch end
    EARLY_STOPPED = "early_stopped"  # training.early_stopping ended it (a completed run)
    TIMED_OUT = "timed_out"  # training.max_time passed (an interrupted run)


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
    stop_reason: StopReason | None = None
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
    model: keras.Model,
    dataset: Dataset,
    state: LoopState,
    *,
    batch_size: int,
    seed: int,
    shuffle: bool,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    should_stop: Callable[[], bool] = lambda: False,
) -> LoopState:
    """Train from ``state`` to the end, or until ``should_stop()`` or a non-finite loss.

    Resuming mid-epoch works because the batches of an epoch depend only on
    (seed, epoch), so skipping the first ``state.step_in_epoch`` of them
    gives exactly the examples an uninterrupted run would see next.
    """
    import keras

    loop = _Loop(
        model, dataset, state, keras.callbacks.CallbackList(list(callbacks), model=model),
        batch_size=batch_size, seed=seed, shuffle=shuffle, should_stop=should_stop,
    )
    loop.hooks.on_train_begin()
    while not state.finished and state.stop_reason is None:
        loop.train_epoch()
    if state.stop_reason is None:
        state.stop_reason = StopReason.COMPLETED
    loop.tick()
    loop.hooks.on_train_end(dict(state.logs))
    return state


@dataclass
class _Loop:
    """One session of training: the model, its data and hooks, and where it stands."""

    model: keras.Model
    dataset: Dataset
    state: LoopState
    hooks: keras.callbacks.CallbackList
    batch_size: int
    seed: int
    shuffle: bool
    should_stop: Callable[[], bool]

    def __post_init__(self) -> None:
        self.started = time.perf_counter() - self.state.elapsed_s

    def tick(self) -> None:
        self.state.elapsed_s = time.perf_counter() - self.started

    def train_epoch(self) -> None:
        state = self.state
        batches = epoch_batches(
            len(self.dataset.x_train), self.batch_size,
            epoch=state.epoch, seed=self.seed, shuffle=self.shuffle, steps=state.steps_per_epoch,
        )
        if state.step_in_epoch == 0:
            self.model.reset_metrics()
        self.hooks.on_epoch_begin(state.epoch)
        with _metrics_kept_across_steps(self.model):
            for index in batches[state.step_in_epoch:]:
                if not self._train_step(index) or state.stop_reason is not None:
                    return
        self._end_epoch()

    def _train_step(self, index: np.ndarray) -> bool:
        """One batch; False when the loop must stop (non-finite loss, or asked to)."""
        state = self.state
        self.hooks.on_train_batch_begin(state.step_in_epoch)
        logs = self.model.train_on_batch(
            self.dataset.x_train[index], self.dataset.y_train[index], return_dict=True
        )
        state.logs = {name: float(value) for name, value in logs.items()}
        state.step += 1
        state.step_in_epoch += 1
        self.tick()
        if not math.isfinite(state.logs.get("loss", 0.0)):
            state.stop_reason, state.diverged_at = StopReason.DIVERGED, state.step
            return False
        self.hooks.on_train_batch_end(state.step_in_epoch - 1, dict(state.logs))
        if self.should_stop() and state.step_in_epoch < state.steps_per_epoch:
            state.stop_reason = StopReason.INTERRUPTED
            return False
        return True

    def _end_epoch(self) -> None:
        state = self.state
        # From the metrics themselves, not the last step's logs: after a resume
        # at an epoch's last batch no step of this epoch has run in this process.
        logs = _metric_results(self.model)
        logs.update(_validate(self.model, self.dataset, self.batch_size))
        logs["learning_rate"] = current_learning_rate(self.model.optimizer)
        state.logs = logs
        state.epoch += 1
        state.step_in_epoch = 0
        self.tick()
        # on_epoch_end sees the finished epoch's index, as with fit.
        self.hooks.on_epoch_end(state.epoch - 1, dict(logs))
        if self.should_stop() and not state.finished:
            state.stop_reason = StopReason.INTERRUPTED


@contextmanager
def _metrics_kept_across_steps(model: keras.Model):
    """Let the running metrics accumulate over an epoch's ``train_on_batch`` calls.

    Keras 3.15's ``train_on_batch`` resets every metric at each call, so its
    logs would describe one batch; ``fit`` reports running means over the
    epoch, and so do we. Shadowing ``reset_metrics`` on the instance for the
    span of the epoch's steps keeps the states; the loop resets them itself at
    each epoch start, and ``evaluate`` (called after this block) resets them
    as usual.
    """
    model.reset_metrics = lambda: None
    try:
        yield
    finally:
        del model.reset_metrics


def _metric_results(model: keras.Model) -> dict[str, float]:
    """The running training metrics of the epoch (loss first)."""
    return {name: float(value) for name, value in model.get_metrics_result().items()}


def _validate(model: keras.Model, dataset: Dataset, batch_size: int) -> dict[str, float]:
    """Validation metrics, prefixed ``val_``; empty without validation data."""
    if len(dataset.x_val) == 0:
        return {}
    logs = model.evaluate(
        dataset.x_val, dataset.y_val, batch_size=batch_size, verbose=0, return_dict=True
    )
    return {f"val_{name}": float(value) for name, value in logs.items()}


def current_learning_rate(optimizer: keras.optimizers.Optimizer) -> float:
    """The learning rate the next step will use (a schedule is evaluated at it)."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    return float(np.asarray(inner.learning_rate))
