"""Class labels: numbered through their sorted distinct values, never wrapped by a cast."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from adamctl.cli import cli
from adamctl.config.schema import DataConfig
from adamctl.data import load_dataset
from adamctl.data.labels import MAX_CLASSES, encode_labels
from adamctl.errors import ConfigError

BIG = 2**32


def _npz(tmp_path, y, **changes):
    path = tmp_path / "d.npz"
    y = np.asarray(y)
    np.savez(path, x=np.arange(len(y) * 2, dtype=np.float32).reshape(-1, 2), y=y)
    cfg = dataclasses.replace(DataConfig(), source="npz", path=str(path), validation_split=0.0,
                              **changes)
    return load_dataset(cfg, seed=0)


@pytest.mark.parametrize("y, labels", [
    pytest.param([0, 1, 2, 1], [0, 1, 2], id="0..K-1-unchanged"),
    pytest.param([3, 7, 7, 3], [3, 7], id="gaps-closed"),
    pytest.param(np.array([0, 1, BIG + 1], np.int64), [0, 1, BIG + 1], id="2**32+1-not-wrapped-to-1"),
    pytest.param(np.array([0, BIG], np.int64), [0, BIG], id="2**32-not-wrapped-to-0"),
    pytest.param(np.array([0, 2**64 - 1], np.uint64), [0, 2**64 - 1], id="uint64-max"),
    pytest.param([0, 1, 0, 5_000_000], [0, 1, 5_000_000], id="stray-label-is-one-class"),
    pytest.param([-1, 1, -1, 1], [-1, 1], id="negative"),
    pytest.param([2.0, 1.0, 2.0], [1, 2], id="integral-floats"),
    pytest.param([True, False, True], [False, True], id="bool"),
    pytest.param(["dog", "cat", "emu"], ["cat", "dog", "emu"], id="strings"),
])
def test_labels_are_numbered_through_their_sorted_distinct_values(tmp_path, y, labels):
    data = _npz(tmp_path, y)
    assert data.num_classes == len(labels)
    assert data.class_labels == tuple(labels)
    # The split shuffles; each example's id must still map back to its own label.
    assert sorted(labels[i] for i in data.y_train) == sorted(np.asarray(y).tolist())
    assert data.y_train.dtype == np.int32
    assert json.loads(json.dumps(data.describe()))["class_labels"] == labels


def test_labels_read_from_a_csv_keep_their_full_width(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": [0, 1, BIG + 1]}).to_csv(path, index=False)
    cfg = dataclasses.replace(DataConfig(), source="csv", path=str(path), target="y",
                              validation_split=0.0)
    data = load_dataset(cfg, seed=0)
    assert data.num_classes == 3 and data.class_labels == (0, 1, BIG + 1)


@pytest.mark.parametrize("y, message", [
    pytest.param(np.array([0, BIG, 0, BIG]) * 0 + 4, "holds a single class", id="one-class"),
    pytest.param(np.arange(MAX_CLASSES + 1), f"holds {MAX_CLASSES + 1:,} distinct labels; at most "
                 f"{MAX_CLASSES:,} classes", id="too-many-classes"),
    pytest.param([0.5, 1.0], "non-integral numbers, which are not class labels", id="fractions"),
    pytest.param([0.0, np.nan], "NaN or infinite value (first in row 1)", id="nan"),
    pytest.param(np.array(["a", None], dtype=object), "missing in row 1", id="missing"),
    pytest.param(np.ones((3, 2), np.int64), "shape (3, 2); classification needs one class label",
                 id="two-columns"),
])
def test_unusable_labels_are_refused_naming_the_data(y, message):
    with pytest.raises(ConfigError, match=r"^data\.target: d\.npz") as caught:
        encode_labels(np.asarray(y), where="d.npz")
    assert message in str(caught.value)


def test_summary_records_which_label_each_class_id_stands_for(write_config, tmp_path):  # noqa: F811
    path = tmp_path / "d.npz"
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.normal(size=(40, 3)), y=np.where(rng.random(40) < 0.5, 3, 7))
    config = write_config({"data": {"source": "npz", "path": str(path), "validation_split": 0.25},
                           "training": {"epochs": 1}})
    run_dir = tmp_path / "run"
    result = CliRunner().invoke(cli, ["train", str(config), "--run-dir", str(run_dir), "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    dataset = json.loads((run_dir / "summary.json").read_text())["dataset"]
    assert dataset["num_classes"] == 2 and dataset["class_labels"] == [3, 7]
    assert sum(dataset["train_class_counts"]) == 30
