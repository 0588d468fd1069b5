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


def _cut_run(tmp_path, name: str, **training):
    """A 2-epoch run stopped after its first epoch: a 1-epoch run whose config then says 2."""
    _fresh_keras()
    run = train(_config(epochs=1, **training), run_dir=tmp_path / name).run_dir
    return run


def test_an_allowed_learning_rate_drift_is_the_rate_trained_with(tmp_path):
    from adamctl.store.inspect import describe_checkpoint
    from adamctl.store.checkpoint import read_checkpoint

    plain = _cut_run(tmp_path, "plain")
    _fresh_keras()
    resume(plain.root, overrides=["training.epochs=2"], allow_drift=True, warn=pytest.fail)
    drifted = _cut_run(tmp_path, "drifted")
    _fresh_keras()
    resume(drifted.root, overrides=["training.epochs=2", "optimizer.learning_rate=0.0001"],
           allow_drift=True, warn=pytest.fail)

    rates = list(metrics_frame(drifted)["learning_rate"])
    assert rates[0] == pytest.approx(0.01) and rates[1] == pytest.approx(0.0001)
    assert metrics_frame(drifted)["loss"].iloc[1] != metrics_frame(plain)["loss"].iloc[1]
    newest = describe_checkpoint(read_checkpoint(drifted.checkpoint_dirs()[-1]))
    assert newest["optimizer_scalars"]["learning_rate"] == pytest.approx(0.0001)


def test_a_constant_rate_can_become_a_schedule_on_resume(tmp_path):
    run = _cut_run(tmp_path, "run")
    schedule = ("optimizer.learning_rate={schedule: ExponentialDecay, initial_learning_rate: 0.01,"
                " decay_steps: 6, decay_rate: 0.5}")
    _fresh_keras()
    resumed = resume(run.root, overrides=["training.epochs=2", schedule], allow_drift=True,
                     warn=pytest.fail)
    assert resumed.status == "completed"
    # The schedule continues from the checkpoint's 6 steps: 0.01 * 0.5 ** (12 / 6).
    assert metrics_frame(run)["learning_rate"].iloc[1] == pytest.approx(0.0025)


def _files(root):
    return {path: (path.read_bytes(), path.stat().st_mtime_ns)
            for path in sorted(root.rglob("*")) if path.is_file()}


def test_resume_of_a_completed_run_changes_no_file(tmp_path):
    run = _cut_run(tmp_path, "run")
    before = _files(run.root)
    _fresh_keras()
    result = resume(run.root, warn=pytest.fail)
    assert result.status == "completed"
    assert "already completed at step 6 (epoch 1)" in result.note
    assert "training.epochs" in result.note
    with pytest.raises(UsageError, match="already completed.*nothing was changed"):
        resume(run.root, overrides=["optimizer.learning_rate=0.001"], allow_drift=True)
    assert _files(run.root) == before


def test_resume_of_a_sweep_directory_names_the_sweep_command(tmp_path):
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "sweep.yaml").write_text("{}\n")
    with pytest.raises(UsageError, match=r"adamctl sweep --resume .*trials/<id>"):
        resume(tmp_path / "sweep")


def test_a_schedule_can_become_a_constant_rate_on_resume(tmp_path):
    _fresh_keras()
    schedule = {"schedule": "ExponentialDecay", "initial_learning_rate": 0.01,
                "decay_steps": 6, "decay_rate": 0.5}
    config = config_from_dict(merge(TINY, {"training": {"epochs": 1},
                                           "optimizer": {"learning_rate": schedule}}))
    run = train(config, run_dir=tmp_path / "run").run_dir
    _fresh_keras()
    resumed = resume(run.root, overrides=["training.epochs=2", "optimizer.learning_rate=0.003"],
                     allow_drift=True, warn=pytest.fail)
    assert resumed.status == "completed"
    assert list(metrics_frame(run)["learning_rate"]) == [0.005, 0.003]


def test_a_second_signal_that_a_native_call_turns_into_another_error_still_interrupts(tmp_path):
    """pybind11 replaces a KeyboardInterrupt raised in a Python callback it runs (TensorFlow's
    tracing does so) by a RuntimeError; after a second signal that error is the interrupt:
    exit 143, status interrupted, never a failure."""
    import json

    import keras

    from adamctl.errors import Interrupted
    from tests.helpers import sigterm_twice_under_a_native_call

    class SignalTwiceInsideANativeCall(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                sigterm_twice_under_a_native_call()

    _fresh_keras()
    with pytest.raises(Interrupted) as stopped:
        train(_config(epochs=2), run_dir=tmp_path / "run",
              extra_callbacks=[lambda state: SignalTwiceInsideANativeCall()])
    assert stopped.value.exit_code == 143
    assert "SIGTERM at step 3" in str(stopped.value)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "interrupted"
