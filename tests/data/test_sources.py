"""Data sources: reproducible from the seed, real where promised, clear when wrong."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pandas as pd
import pytest

from adamctl.config.schema import DataConfig
from adamctl.data import load_dataset, split_validation
from adamctl.errors import ConfigError


def _cfg(**changes) -> DataConfig:
    return dataclasses.replace(DataConfig(), **changes)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_synthetic_is_identical_for_a_seed_and_differs_across_seeds(task):
    one, again, other = (load_dataset(_cfg(task=task, samples=300), seed=s) for s in (1, 1, 2))
    for name in ("x_train", "y_train", "x_val", "y_val"):
        assert getattr(one, name).tobytes() == getattr(again, name).tobytes()
    assert not np.array_equal(one.x_train, other.x_train)
    assert one.x_train.dtype == np.float32
    assert one.y_train.dtype == (np.int32 if task == "classification" else np.float32)


def test_synthetic_classification_is_learnable_and_balanced_enough():
    data = load_dataset(_cfg(samples=3000, classes=3, noise=0.0), seed=0)
    counts = np.bincount(data.y_train, minlength=3)
    assert counts.min() > 0.1 * len(data.y_train)  # no class is nearly empty
    assert data.num_classes == 3 and data.input_shape == (20,)


def test_split_sizes_and_empty_validation():
    data = load_dataset(_cfg(samples=100, validation_split=0.25), seed=0)
    assert (len(data.x_train), len(data.x_val)) == (75, 25)
    x, y = np.zeros((10, 3, 2)), np.arange(10)
    x_train, _, x_val, y_val = split_validation(x, y, 0.0, seed=0)
    assert x_train.shape == (10, 3, 2) and x_val.shape == (0, 3, 2) and len(y_val) == 0


def test_digits_are_the_real_bundled_images():
    data = load_dataset(_cfg(source="digits", validation_split=0.2), seed=0)
    assert len(data.x_train) + len(data.x_val) == 1797
    assert data.input_shape == (8, 8, 1) and data.num_classes == 10
    assert 0.0 <= data.x_train.min() and data.x_train.max() <= 1.0


def test_csv_with_string_labels_and_chosen_inputs(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [0.5, 0, 1, 2], "note": ["x"] * 4,
                  "label": ["cat", "dog", "cat", "emu"]}).to_csv(path, index=False)
    data = load_dataset(_cfg(source="csv", path=str(path), target="label", inputs=("a", "b"),
                             validation_split=0.0), seed=0)
    assert data.input_shape == (2,) and data.num_classes == 3
    assert sorted(data.y_train.tolist()) == [0, 0, 1, 2]  # cat, cat, dog, emu


@pytest.mark.parametrize("changes, message", [
    pytest.param({"target": "lable"}, r"has no column 'lable'.*\(did you mean \"label\"\?\)",
                 id="missing-target"),
    pytest.param({"target": "label"}, r"input column 'note' .* is not numeric", id="text-input"),
])
def test_csv_errors(tmp_path, changes, message):
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": [1.0, 2], "note": ["x", "y"], "label": [0, 1]}).to_csv(path, index=False)
    with pytest.raises(ConfigError, match=message):
        load_dataset(_cfg(source="csv", path=str(path), **changes), seed=0)


def test_parquet_round_trip(tmp_path):
    pytest.importorskip("pyarrow", reason="pyarrow is not installed: parquet cannot be read")
    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": np.arange(10.0), "y": np.arange(10) % 2}).to_parquet(path)
    data = load_dataset(_cfg(source="parquet", path=str(path), target="y", validation_split=0.0),
                        seed=0)
    assert sorted(data.x_train[:, 0].tolist()) == list(np.arange(10.0))


def test_npz_arrays_and_errors(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, features=np.ones((6, 4)), y=np.arange(6) % 2)
    data = load_dataset(_cfg(source="npz", path=str(path), inputs="features", target="y",
                             validation_split=0.0), seed=0)
    assert data.input_shape == (4,)
    with pytest.raises(ConfigError, match=r"has no array 'x'; its arrays: features, y"):
        load_dataset(_cfg(source="npz", path=str(path)), seed=0)


def _keras_home(monkeypatch, path):
    """Point Keras's dataset cache at ``path`` (Keras reads KERAS_HOME once, at import)."""
    import keras.src.utils.file_utils as file_utils

    monkeypatch.setattr(file_utils.config, "keras_home", lambda: str(path))
    return file_utils


def test_keras_dataset_offline_names_the_dataset_and_both_fixes(tmp_path, monkeypatch, capsys):
    import urllib.error

    file_utils = _keras_home(monkeypatch, tmp_path)

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(file_utils.urllib.request, "urlretrieve", offline)
    with pytest.raises(ConfigError) as caught:
        load_dataset(_cfg(source="mnist"), seed=0)
    message = str(caught.value)
    assert message.startswith("data.source = 'mnist': the keras dataset 'mnist' is not cached "
                              "and could not be downloaded from https://")
    assert "no network is reachable" in message and "data.source: npz" in message
    assert "Exception" not in message and "\n" not in message
    # Keras announces the download on stdout; stdout is for results only.
    captured = capsys.readouterr()
    assert "Downloading data from" not in captured.out
    assert "Downloading data from" in captured.err


def test_keras_dataset_uses_a_cached_copy(tmp_path, monkeypatch):
    # Keras reads <cache>/datasets/mnist.npz when present; a tiny stand-in
    # in the same format proves the path works without any download.
    cache = tmp_path / "datasets"
    cache.mkdir()
    rng = np.random.default_rng(0)
    np.savez(cache / "mnist.npz", x_train=rng.integers(0, 255, (20, 28, 28), dtype=np.uint8),
             y_train=np.arange(20) % 10, x_test=np.zeros((4, 28, 28), np.uint8),
             y_test=np.arange(4))
    file_utils = _keras_home(monkeypatch, tmp_path)
    monkeypatch.setattr(file_utils.urllib.request, "urlretrieve",
                        lambda *a, **k: pytest.fail("tried to download"))
    monkeypatch.setattr(file_utils, "validate_file", lambda *a, **k: True)
    data = load_dataset(_cfg(source="mnist", validation_split=0.25), seed=0)
    assert data.input_shape == (28, 28, 1) and len(data.x_train) == 15
    assert data.x_train.max() <= 1.0


def test_importing_data_needs_no_keras():
    import subprocess

    script = "import sys, adamctl.data; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert process.stdout.strip() == "False False", process.stderr


@pytest.mark.parametrize("frame, task, message", [
    pytest.param({"a": [1.0, np.nan, 3.0, 4.0], "y": [0, 1, 0, 1]}, "classification",
                 r"data.inputs: holds a NaN or infinite value \(first in row 1\)", id="nan-input"),
    pytest.param({"a": [1.0, 2.0, 3.0, 4.0], "y": [0.5, 1.2, 0.3, 2.2]}, "classification",
                 r"non-integral numbers, which are not class labels; .* data.task: regression",
                 id="float-labels"),
    pytest.param({"a": [1.0, 2.0, 3.0, 4.0], "y": [1, 1, 1, 1]}, "classification",
                 r"holds a single class", id="one-class"),
    pytest.param({"a": [1.0, 2.0, 3.0, 4.0], "y": [0.5, np.inf, 0.3, 2.2]}, "regression",
                 r"data.target: holds a NaN or infinite value \(first in row 1\)", id="inf-target"),
])
def test_bad_values_in_files_are_refused(tmp_path, frame, task, message):
    path = tmp_path / "t.csv"
    pd.DataFrame(frame).to_csv(path, index=False)
    with pytest.raises(ConfigError, match=message):
        load_dataset(_cfg(source="csv", path=str(path), target="y", task=task), seed=0)


def test_npz_regression_with_several_targets_trains_one_output_per_column(tmp_path):
    from adamctl.config.schema import ModelConfig
    from adamctl.models import build_model

    path = tmp_path / "d.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.normal(size=(40, 3)), y=rng.normal(size=(40, 2)))
    data = load_dataset(_cfg(source="npz", path=str(path), task="regression"), seed=0)
    assert data.y_train.shape[1] == 2
    model = build_model(dataclasses.replace(ModelConfig(), preset="logreg"), input_shape=(3,),
                        task="regression", num_classes=None, num_outputs=2)
    assert model.output_shape == (None, 2)


def test_batching_no_examples_is_an_error_not_an_endless_loop():
    from adamctl.data import iterate_batches

    with pytest.raises(ValueError, match=r"no examples to batch \(n=0\)"):
        iterate_batches(0, 32, epoch=0, seed=0, shuffle=True)
