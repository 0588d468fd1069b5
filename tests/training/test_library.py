"""train and resume called as library functions, in this process (no CLI, no subprocess).

The subprocess tests in tests/cli prove what needs real signals and kills;
these prove that a notebook gets the same runs from the Python API.
"""

from __future__ import annotations

import pytest

from adamctl.config import config_from_dict
from adamctl.errors import ConfigError, UsageError
from adamctl.store import RunDir
from adamctl.store.metrics import metrics_frame
from adamctl.training import train
from adamctl.training.resume import resume
from tests.helpers import TINY, merge


def _config(**training):
    return config_from_dict(merge(TINY, {"training": training}))


def _fresh_keras():
    """Fresh layer-name counters, as every new process (and every sweep trial) has."""
    import keras

    keras.backend.clear_session()


@pytest.fixture(autouse=True)
def _leave_keras_fresh():
    """Later tests in this process see the layer names a new process would."""
    yield
    _fresh_keras()


def test_train_returns_the_completed_run(tmp_path):
    _fresh_keras()
    result = train(_config(epochs=2), run_dir=tmp_path / "run")
    assert result.status == "completed"
    assert result.run_dir.root == tmp_path / "run"
    assert result.summary["steps"] == 12 and result.summary["epochs_completed"] == 2
    frame = metrics_frame(result.run_dir)
    assert list(frame["epoch"]) == [1, 2]
    assert result.summary["final"]["loss"] == frame["loss"].iloc[-1]
    assert result.run_dir.weights_path.stat().st_size > 0


def test_resume_with_more_epochs_continues_exactly_as_one_longer_run(tmp_path):
    _fresh_keras()
    straight = train(_config(epochs=2), run_dir=tmp_path / "straight")
    _fresh_keras()
    short = train(_config(epochs=1), run_dir=tmp_path / "short")
    _fresh_keras()
    with pytest.raises(ConfigError, match="allow-drift"):
        resume(short.run_dir.root, overrides=["training.epochs=2"])
    _fresh_keras()
    resumed = resume(short.run_dir.root, overrides=["training.epochs=2"], allow_drift=True,
                     warn=pytest.fail)
    assert resumed.status == "completed" and resumed.summary["steps"] == 12
    assert resumed.summary["drift"][0]["changes"][0]["key"] == "training.epochs"
    columns = ["epoch", "step", "loss", "val_loss", "accuracy", "val_accuracy"]
    assert metrics_frame(resumed.run_dir)[columns].equals(metrics_frame(straight.run_dir)[columns])


def test_resume_of_a_directory_without_a_run_names_it(tmp_path):
    with pytest.raises(UsageError, match="is not a run directory"):
        resume(RunDir(tmp_path / "empty").root)
