"""What a finished run leaves for reuse: provenance, environment.txt, model.keras, export, evaluate.

One tiny run is trained through the real ``adamctl train`` (in a git
repository, so that its provenance has a commit) and shared by the tests.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml

from adamctl.store import RunDir
from adamctl.store.checkpoint import read_checkpoint
from tests.helpers import TINY, run_cli

pytestmark = pytest.mark.slow


def _git(folder: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(folder), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> RunDir:
    """A completed tiny run of a config committed to a fresh git repository."""
    repo = tmp_path_factory.mktemp("project")
    (repo / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    _git(repo, "init", "-q")
    _git(repo, "add", "tiny.yaml")
    _git(repo, "commit", "-q", "-m", "config")
    result = run_cli("train", "tiny.yaml", "--run-dir", "runs/tiny", "--quiet", cwd=repo)
    assert result.returncode == 0, result.stderr
    return RunDir(repo / "runs" / "tiny")


def _summary(run: RunDir) -> dict:
    return json.loads(run.summary_path.read_text())


def test_summary_records_command_host_git_and_versions(trained):
    provenance = _summary(trained)["provenance"]
    repo = trained.root.parents[1]
    assert provenance["command"] == "adamctl train tiny.yaml --run-dir runs/tiny --quiet"
    assert provenance["hostname"] == socket.gethostname()
    assert provenance["git"] == {"commit": _git(repo, "rev-parse", "HEAD"), "dirty": False,
                                 "root": str(repo.resolve())}
    import keras

    assert provenance["versions"]["keras"] == keras.__version__
    assert provenance["versions"]["numpy"] == np.__version__
    assert provenance["versions"]["backend"] == "tensorflow"
    assert provenance["cpu"]
    assert _summary(trained)["device"] in ("cpu", "gpu:0")


def test_environment_txt_lists_installed_packages_sorted(trained):
    import importlib.metadata

    lines = trained.environment_path.read_text().splitlines()
    assert f"numpy=={importlib.metadata.version('numpy')}" in lines
    assert f"keras=={importlib.metadata.version('keras')}" in lines
    assert lines == sorted(lines, key=lambda line: line.split("==")[0].lower())


_LOAD_IN_A_FRESH_PROCESS = textwrap.dedent("""
    import sys
    import numpy as np
    import adamctl.core
    import keras

    model = keras.models.load_model(sys.argv[1])
    x = np.load(sys.argv[2])
    store = {}
    model.optimizer.save_own_variables(store)
    np.savez(sys.argv[3], predictions=model.predict(x, verbose=0),
             optimizer_class=type(model.optimizer).__module__ + "." + type(model.optimizer).__name__,
             **{f"opt_{key}": value for key, value in store.items()})
""")

_PREDICT_WITH_RUN_WEIGHTS = textwrap.dedent("""
    import sys
    import numpy as np
    from adamctl.config import load_config
    from adamctl.training.session import prepare

    session = prepare(load_config(sys.argv[1]))
    session.model.load_weights(sys.argv[2])
    np.save(sys.argv[4], session.model.predict(np.load(sys.argv[3]), verbose=0))
""")


def test_model_keras_loads_in_a_fresh_process_with_the_runs_weights_and_adam_state(trained,
                                                                                     tmp_path):
    x = np.random.default_rng(0).standard_normal((16, 8)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    subprocess.run([sys.executable, "-c", _LOAD_IN_A_FRESH_PROCESS, str(trained.model_path),
                    str(tmp_path / "x.npy"), str(tmp_path / "loaded.npz")], check=True)
    subprocess.run([sys.executable, "-c", _PREDICT_WITH_RUN_WEIGHTS, str(trained.config_path),
                    str(trained.weights_path), str(tmp_path / "x.npy"),
                    str(tmp_path / "expected.npy")], check=True)
    loaded = np.load(tmp_path / "loaded.npz")
    assert str(loaded["optimizer_class"]) == "adamctl.core.adam.Adam"
    np.testing.assert_array_equal(loaded["predictions"], np.load(tmp_path / "expected.npy"))
    final = read_checkpoint(trained.checkpoint_dirs()[-1])
    assert final.step == _summary(trained)["steps"]
    assert len(final.optimizer) == len([k for k in loaded.files if k.startswith("opt_")])
    for index, entry in enumerate(final.optimizer):
        np.testing.assert_array_equal(loaded[f"opt_{index}"], entry.array, err_msg=entry.path)


def test_evaluate_repeats_the_runs_last_validation(trained):
    result = run_cli("evaluate", str(trained.root), "--format", "json", cwd=trained.root.parent)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    final = _summary(trained)["final"]
    # The same weights on the same split; evaluation runs the same graph, so
    # only float summation order could differ (none is expected on CPU).
    assert metrics["loss"] == pytest.approx(final["val_loss"], rel=1e-6)
    assert metrics["accuracy"] == pytest.approx(final["val_accuracy"], rel=1e-6)


def test_evaluate_takes_data_overrides_and_refuses_others(trained):
    other = run_cli("evaluate", str(trained.root), "--set", "data.samples=512", "--format",
                    "json", cwd=trained.root.parent)
    assert other.returncode == 0, other.stderr
    assert json.loads(other.stdout)["loss"] != _summary(trained)["final"]["val_loss"]
    refused = run_cli("evaluate", str(trained.root), "--set", "optimizer.beta_1=0.5",
                      cwd=trained.root.parent)
    assert refused.returncode == 2
    assert "--set optimizer.beta_1=0.5: evaluate takes only data.* keys" in refused.stderr


def test_export_keras_copies_model_keras_and_never_replaces(trained, tmp_path):
    target = tmp_path / "out.keras"
    result = run_cli("export", str(trained.root), "--output", str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(target)
    assert target.read_bytes() == trained.model_path.read_bytes()
    again = run_cli("export", str(trained.root), "--output", str(target), cwd=tmp_path)
    assert again.returncode == 2 and f"{target} already exists" in again.stderr


def test_export_savedmodel_serves_the_same_predictions(trained, tmp_path):
    target = tmp_path / "served"
    result = run_cli("export", str(trained.root), "--format", "savedmodel", "--output",
                     str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    script = textwrap.dedent("""
        import sys
        import numpy as np
        import tensorflow as tf
        import adamctl.core
        import keras

        x = np.random.default_rng(1).standard_normal((4, 8)).astype("float32")
        loaded = tf.saved_model.load(sys.argv[1])  # kept: its variables die with it
        served = loaded.serve(x).numpy()
        expected = keras.models.load_model(sys.argv[2]).predict(x, verbose=0)
        np.testing.assert_allclose(served, expected, rtol=1e-6)
    """)
    subprocess.run([sys.executable, "-c", script, str(target), str(trained.model_path)],
                   check=True)


def _h5_arrays(source) -> dict[str, np.ndarray]:
    import h5py

    arrays = {}
    with h5py.File(source, "r") as handle:
        handle.visititems(lambda name, item: arrays.__setitem__(name, item[()])
                          if isinstance(item, h5py.Dataset) else None)
    return arrays


def test_a_resumed_run_saves_model_keras_when_it_completes(write_config, tmp_path):
    import io
    import zipfile

    config = write_config()
    killed = run_cli("train", str(config), "--run-dir", "r", "--quiet", cwd=tmp_path,
                     env={"ADAMCTL_KILL_AT": "step:9"})
    run = RunDir(tmp_path / "r")
    assert killed.returncode != 0 and not run.model_path.exists()
    resumed = run_cli("resume", "r", "--quiet", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    with zipfile.ZipFile(run.model_path) as archive:
        inside = _h5_arrays(io.BytesIO(archive.read("model.weights.h5")))
    weights = _h5_arrays(run.weights_path)
    assert weights and all(np.array_equal(inside[name], array) for name, array in weights.items())
    final = read_checkpoint(run.checkpoint_dirs()[-1])
    # The optimizer's first variable is its step count (Keras's layout).
    assert int(inside["optimizer/vars/0"]) == final.step == 12
