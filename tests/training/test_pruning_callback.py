"""`Pruning`: each epoch's metric goes to the judge; a yes stops the run, except at its end."""

from __future__ import annotations

from adamctl.training.callbacks.pruning import Pruning
from adamctl.training.loop import LoopState, StopReason


def _run(values, prune_at: int, epochs: int):
    state = LoopState(epochs=epochs, steps_per_epoch=1)
    heard: list[tuple[float, int]] = []

    def judge(value: float, epoch: int) -> bool:
        heard.append((value, epoch))
        return epoch >= prune_at

    callback = Pruning(state, "val_loss", judge)
    for epoch, value in enumerate(values):
        state.epoch = epoch + 1
        callback.on_epoch_end(epoch, {"val_loss": value, "loss": 9.0})
        if state.stop_reason is not None:
            break
    return state, heard


def test_the_judge_hears_each_epoch_and_stops_the_run_when_it_says_so():
    state, heard = _run([0.9, 0.8, 0.7, 0.6], prune_at=2, epochs=4)
    assert heard == [(0.9, 1), (0.8, 2)]
    assert state.stop_reason == StopReason.PRUNED and state.epoch == 2


def test_the_last_epoch_is_reported_but_never_pruned():
    state, heard = _run([0.9, 0.8], prune_at=2, epochs=2)
    assert heard == [(0.9, 1), (0.8, 2)] and state.stop_reason is None


def test_an_epoch_without_a_finite_value_is_not_reported():
    state, heard = _run([float("nan"), 0.8, 0.7], prune_at=99, epochs=3)
    assert heard == [(0.8, 2), (0.7, 3)] and state.stop_reason is None
