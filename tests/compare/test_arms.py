"""Grouping trials into arms: direction of the metric, and seeds that are lost but counted."""

from __future__ import annotations

import pytest

from adamctl.compare.arms import build_arms, infer_mode, swept_keys
from adamctl.errors import UsageError

from tests.compare.helpers import KEY


@pytest.mark.parametrize("metric, mode", [
    pytest.param("val_accuracy", "max", id="accuracy"),
    pytest.param("sparse_categorical_accuracy", "max", id="sparse-acc"),
    pytest.param("val_auc", "max", id="auc"),
    pytest.param("val_loss", "min", id="loss"),
    pytest.param("mean_squared_error", "min", id="mse"),
    pytest.param("val_mae", "min", id="mae"),
])
def test_mode_is_inferred_like_keras_auto(metric, mode):
    assert infer_mode(metric) == mode


def test_explicit_mode_wins_and_a_wrong_one_is_named():
    assert infer_mode("val_accuracy", "min") == "min"
    with pytest.raises(UsageError, match=r"mode must be min or max\. Received: mode='up'"):
        infer_mode("val_loss", "up")


def test_swept_keys_are_the_columns_that_are_not_bookkeeping(paired_results):
    assert swept_keys(paired_results) == [KEY]


def test_diverged_and_failed_seeds_are_counted_not_used(messy_results):
    arms = {arm.point[KEY]: arm for arm in build_arms(messy_results, "val_loss")}
    lossy = arms[1e-6]
    assert lossy.seeds == [0, 1, 3]
    assert lossy.diverged == (2,) and lossy.failed == (4,)
    assert lossy.trials[2] == "e1e-06-s2"


def test_completed_trial_without_a_value_counts_as_diverged(paired_results):
    paired_results.loc[0, "final_val_loss"] = float("nan")
    arm = build_arms(paired_results, "val_loss")[0]
    assert arm.n == 4 and arm.diverged == (0,)


def test_best_value_reads_the_best_column(paired_results):
    final = build_arms(paired_results, "val_loss")[0]
    best = build_arms(paired_results, "val_loss", value="best")[0]
    assert best.values[0] == pytest.approx(final.values[0] - 0.01)


def test_unknown_metric_names_the_ones_there_are(paired_results):
    with pytest.raises(UsageError, match=r"metric 'val_acc' .* val_accuracy, val_loss"):
        build_arms(paired_results, "val_acc")


def test_without_a_point_column_arms_are_the_swept_values(paired_results):
    arms = build_arms(paired_results.drop(columns="point"), "val_loss")
    assert [arm.point[KEY] for arm in arms] == [1e-8, 1e-4, 1e-1]
    assert all(arm.n == 5 for arm in arms)
