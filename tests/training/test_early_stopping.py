"""`EarlyStopping`: Keras's own rule on the same logs, best weights kept, resumed exactly."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import keras
import numpy as np
import pytest
import yaml

from adamctl.training.callbacks.early_stopping import EarlyStopping
from adamctl.training.loop import LoopState, StopReason
from tests.helpers import TINY, h5_arrays, merge, run_cli

SEQUENCES = {
    "falls-then-rises": [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9, 0.6],
    "flat": [0.5, 0.5, 0.5, 0.5, 0.5],
    "tiny-gains": [1.0, 0.9995, 0.999, 0.9985, 0.5, 0.4999],
    "noisy": [0.9, 0.95, 0.85, 0.86, 0.84, 0.83, 0.9, 0.91, 0.92, 0.5],
    "with-nan": [0.9, float("nan"), 0.8, 0.81, 0.82, 0.83],
}
RULES = [
    pytest.param({"patience": 0}, id="patience-0"),
    pytest.param({"patience": 2}, id="patience-2"),
    pytest.param({"patience": 1, "min_delta": 0.01}, id="min-delta"),
    pytest.param({"patience": 3, "mode": "max"}, id="max"),
]


def _model() -> keras.Model:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def _drive(values, rule) -> tuple[keras.callbacks.EarlyStopping, EarlyStopping, keras.Model,
                                  keras.Model, list]:
    """Feed both callbacks the same epoch logs, each epoch with its own weights."""
    theirs_model, ours_model = _model(), _model()
    theirs = keras.callbacks.EarlyStopping(monitor="val_loss", restore_best_weights=True, **rule)
    theirs.set_model(theirs_model)
    kept: list = []
    state = LoopState(epochs=len(values), steps_per_epoch=1)
    ours = EarlyStopping(state, monitor="val_loss", restore_best=True,
                         save_best=lambda m: kept.append([w.copy() for w in m.get_weights()]),
                         load_best=lambda m: m.set_weights(kept[-1]), **rule)
    ours.set_model(ours_model)
    theirs.on_train_begin()
    ours.on_train_begin()
    trace = []
    for epoch, value in enumerate(values):
        weights = [np.full(w.shape, epoch, w.dtype) for w in theirs_model.get_weights()]
        theirs_model.set_weights(weights)
        if state.stop_reason is None:
            ours_model.set_weights(weights)
            state.epoch = epoch + 1
            ours.on_epoch_end(epoch, {"val_loss": value})
        if not theirs_model.stop_training:
            theirs.on_epoch_end(epoch, {"val_loss": value})
        trace.append(((theirs.wait, theirs.best, theirs.best_epoch, theirs.stopped_epoch),
                      (ours.wait, ours.best, ours.best_epoch, ours.stopped_epoch)))
        if theirs_model.stop_training:
            break
    if state.stop_reason is None:
        state.stop_reason = StopReason.COMPLETED
    theirs.on_train_end()
    ours.on_train_end()
    return theirs, ours, theirs_model, ours_model, trace


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("values", list(SEQUENCES.values()), ids=list(SEQUENCES))
def test_the_same_logs_give_keras_decisions_and_restored_weights(values, rule):
    theirs, ours, theirs_model, ours_model, trace = _drive(values, rule)
    for epoch, (keras_side, our_side) in enumerate(trace):
        assert np.array_equal(np.array(keras_side, dtype=float), np.array(our_side, dtype=float),
                              equal_nan=True), f"epoch {epoch}: keras {keras_side}, ours {our_side}"
    stopped = theirs_model.stop_training
    assert (ours.state.stop_reason == StopReason.EARLY_STOPPED) == (stopped and theirs.stopped_epoch
                                                                    < len(values))
    for a, b in zip(theirs_model.get_weights(), ours_model.get_weights()):
        assert np.array_equal(a, b)


def test_replay_rebuilds_the_counters_of_the_epochs_before():
    values = SEQUENCES["noisy"]
    state = LoopState(epochs=len(values), steps_per_epoch=1)
    whole = EarlyStopping(state, patience=5)
    for epoch, value in enumerate(values[:6]):
        whole.on_epoch_end(epoch, {"val_loss": value})
    replayed = EarlyStopping(state, patience=5)
    replayed.replay(values[:6])
    assert (replayed.wait, replayed.best, replayed.best_epoch) == \
        (whole.wait, whole.best, whole.best_epoch)


def _rows_without_time(run_dir: Path) -> list[str]:
    """metrics.csv's lines without the wall-clock column (the last)."""
    return [line.rsplit(",", 1)[0] for line in (run_dir / "metrics.csv").read_text().splitlines()]


@pytest.mark.slow
def test_early_stopping_survives_a_kill_and_resume_bit_exactly(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(merge(TINY, {
        "optimizer": {"learning_rate": 0.2},
        "training": {"epochs": 12, "early_stopping": {"patience": 1, "restore_best": True}},
    })))
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert run_cli("train", str(config), "--run-dir", str(whole), "-q", cwd=tmp_path).returncode == 0
    summary = json.loads((whole / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["early_stopped_at_epoch"] < 12 and summary["best_epoch"] < \
        summary["early_stopped_at_epoch"]
    rows = _rows_without_time(whole)
    assert len(rows) == 1 + summary["early_stopped_at_epoch"]
    best = h5_arrays(whole / "model.best.weights.h5")
    assert all(np.array_equal(a, b) for a, b in zip(best, h5_arrays(whole / "model.weights.h5")))

    killed = run_cli("train", str(config), "--run-dir", str(cut), "-q", cwd=tmp_path,
                     env={"ADAMCTL_KILL_AT": f"epoch:{summary['best_epoch'] + 1}"})
    assert killed.returncode == -signal.SIGKILL
    assert run_cli("resume", str(cut), "-q", cwd=tmp_path).returncode == 0
    resumed = json.loads((cut / "summary.json").read_text())
    for key in ("status", "best_epoch", "early_stopped_at_epoch", "epochs_completed"):
        assert resumed[key] == summary[key], key
    assert _rows_without_time(cut) == rows
    for name in ("model.weights.h5", "model.best.weights.h5"):
        assert all(np.array_equal(a, b) for a, b in zip(h5_arrays(whole / name), h5_arrays(cut / name)))

    # A run that stopped early is complete: resuming it trains nothing and touches nothing.
    before = {p.name: p.read_bytes() for p in whole.rglob("*") if p.is_file()}
    again = run_cli("resume", str(whole), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"stopped early at epoch {summary['early_stopped_at_epoch']}" in again.stderr
    assert {p.name: p.read_bytes() for p in whole.rglob("*") if p.is_file()} == before
