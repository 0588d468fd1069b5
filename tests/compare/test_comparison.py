"""compare(): the arms of a results table against the baseline and the best, as documented JSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from adamctl.compare import compare
from adamctl.compare.stats import holm
from adamctl.errors import AdamctlError, UsageError

from tests.compare.helpers import KEY, PAIRED, curve

DOCUMENTED = {"point", "n", "mean", "ci_low", "ci_high", "delta", "delta_ci_low", "delta_ci_high",
              "p_better", "p_value", "tied_with_best", "diverged"}


def _arms(payload):
    return {arm["point"][KEY]: arm for arm in payload["arms"]}


def test_json_has_the_documented_shape_and_is_strict_json(messy_results):
    payload = compare(messy_results, metric="val_loss").to_json()
    assert {"metric", "mode", "baseline", "arms"} <= set(payload)
    assert (payload["metric"], payload["mode"]) == ("val_loss", "min")
    for arm in payload["arms"]:
        assert DOCUMENTED <= set(arm)
        assert "steps_to_target" not in arm
    json.dumps(payload, allow_nan=False)


def test_default_baseline_is_the_best_mean(paired_results):
    payload = compare(paired_results, metric="val_loss").to_json()
    means = {eps: np.mean(v) for eps, v in PAIRED.items()}
    assert payload["baseline"] == {KEY: min(means, key=means.get)}
    flipped = compare(paired_results, metric="val_accuracy").to_json()
    assert flipped["mode"] == "max" and flipped["baseline"] == payload["baseline"]


def test_delta_is_the_mean_of_per_seed_differences_and_its_ci_contains_it(paired_results):
    arms = _arms(compare(paired_results, metric="val_loss").to_json())
    base = np.array(PAIRED[1e-8])
    for eps in (1e-4, 1e-1):
        arm = arms[eps]
        assert arm["delta"] == pytest.approx(np.mean(np.array(PAIRED[eps]) - base))
        assert arm["delta_ci_low"] <= arm["delta"] <= arm["delta_ci_high"]
        assert arm["tied_with_best"] == (arm["delta_ci_low"] <= 0 <= arm["delta_ci_high"])
    assert arms[1e-8]["delta"] == 0.0 and arms[1e-8]["tied_with_best"] is True


def test_p_values_are_holm_adjusted_across_arms(paired_results):
    arms = _arms(compare(paired_results, metric="val_loss").to_json())
    raw = [arms[e]["p_value_raw"] for e in (1e-4, 1e-1)]
    assert [arms[e]["p_value"] for e in (1e-4, 1e-1)] == pytest.approx(holm(raw))
    assert arms[1e-8]["p_value"] is None


def test_explicit_baseline_gives_deltas_against_it_but_ties_against_the_best(paired_results):
    result = compare(paired_results, metric="val_loss", baseline={KEY: "1e-4"})
    arms = _arms(result.to_json())
    assert result.to_json()["baseline"] == {KEY: 1e-4}
    assert arms[1e-8]["delta"] == pytest.approx(np.mean(np.subtract(PAIRED[1e-8], PAIRED[1e-4])))
    assert arms[1e-8]["tied_with_best"] is True
    far = next(r for r in result.arms if r.point[KEY] == 1e-1)
    assert far.tied_with_best == (far.vs_best.ci.low <= 0 <= far.vs_best.ci.high)


def test_a_baseline_that_matches_nothing_names_the_arms(paired_results):
    with pytest.raises(UsageError, match=r"matches no arm; arms: optimizer.epsilon=1e-08"):
        compare(paired_results, metric="val_loss", baseline={KEY: 3})
    with pytest.raises(UsageError, match=r"'optimizer.beta_1' is not swept"):
        compare(paired_results, metric="val_loss", baseline={"optimizer.beta_1": 0.9})


def test_messy_arms_are_shown_with_what_they_lost(messy_results):
    payload = compare(messy_results, metric="val_loss").to_json()
    arms = _arms(payload)
    lossy = arms[1e-6]
    assert (lossy["n"], lossy["diverged"], lossy["failed"]) == (3, 1, 1)
    assert lossy["mean"] == pytest.approx(np.mean([0.51, 0.60, 0.57]))
    assert any("1 diverged and 1 failed" in note for note in payload["notes"])
    single = arms[1e-5]
    assert single["n"] == 1 and single["ci_low"] is None and single["tied_with_best"] is None
    assert single["delta"] == pytest.approx(0.56 - np.mean(PAIRED[1e-8]))
    pair = arms[1e-4]
    assert pair["n"] == 2 and pair["paired"] and pair["p_value_raw"] == pytest.approx(0.5)
    unpaired = arms[1e-3]
    assert not unpaired["paired"]
    assert unpaired["delta"] == pytest.approx(np.mean([0.58, 0.66, 0.61]) - np.mean(PAIRED[1e-8]))


def test_a_single_seed_best_arm_is_called_out(messy_results):
    messy_results.loc[messy_results["point"] == "e1e-05", "final_val_loss"] = 0.1
    result = compare(messy_results, metric="val_loss")
    assert result.best.point[KEY] == 1e-5
    assert "the best arm, optimizer.epsilon=1e-05, rests on a single seed" in result.notes
    assert result.closest_tie() is None  # nothing has an interval against a single seed


def test_steps_to_target_per_arm_with_misses_as_null(paired_results):
    curves = {}
    for row in paired_results.itertuples():
        final = row.final_val_loss
        curves[row.trial] = curve([final + 0.2, final + 0.05, final])
    payload = compare(paired_results, curves, metric="val_loss", target=0.6).to_json()
    arms = _arms(payload)
    assert payload["target"] == 0.6
    # 1e-8: seed finals 0.50 0.61 0.55 0.58 0.52 -> steps 20 inf 30 30 20 -> median 30
    assert arms[1e-8]["steps_to_target"] == 30.0 and arms[1e-8]["target_reached"] == 4
    assert arms[1e-8]["seconds_to_target"] == 6.0
    assert arms[1e-1]["steps_to_target"] is None and arms[1e-1]["target_reached"] == 0


def test_target_without_curves_is_a_usage_error(paired_results):
    with pytest.raises(UsageError, match="per-epoch curves"):
        compare(paired_results, metric="val_loss", target=0.5)


def test_nothing_to_compare_is_an_error(paired_results):
    paired_results["status"] = "failed"
    with pytest.raises(AdamctlError, match="no trial has a usable value of val_loss"):
        compare(paired_results, metric="val_loss")


def test_two_swept_keys_make_one_arm_per_point():
    from tests.compare.helpers import trial_rows

    rows = [r for eps in (1e-8, 1e-4) for b1 in (0.8, 0.9)
            for r in trial_rows(eps, [0.5 + eps + b1 / 10 + s / 100 for s in range(3)],
                                extra=("optimizer.beta_1", b1))]
    result = compare(pd.DataFrame(rows), metric="val_loss")
    assert result.keys == [KEY, "optimizer.beta_1"]
    assert sorted((r.point[KEY], r.point["optimizer.beta_1"]) for r in result.arms) == [
        (1e-8, 0.8), (1e-8, 0.9), (1e-4, 0.8), (1e-4, 0.9)]
    assert all(r.stats.n == 3 for r in result.arms)


def test_frame_is_best_first(paired_results):
    frame = compare(paired_results, metric="val_loss").to_frame()
    assert frame[KEY].tolist() == [1e-8, 1e-4, 1e-1]
    assert math.isnan(frame["p_value"].iloc[0])
