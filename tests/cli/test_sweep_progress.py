"""The line ``adamctl sweep`` prints as each trial finishes: metric, error, resume hint, ETA,
and the members a population sweep is training."""

from __future__ import annotations

from pathlib import Path

import pytest

from adamctl.cli._sweep_progress import ProgressLines, duration


def _record(trial: str, status: str, **fields) -> dict:
    return {"trial": trial, "status": status, "final_val_loss": None, "wall_time_s": None,
            "error": None, **fields}


def test_a_completed_trial_shows_its_metric_and_the_time_left():
    lines = ProgressLines("val_loss", workers=2, sweep_root=Path("runs/s"))
    first = lines.line(_record("p000-s0", "completed", final_val_loss=0.61234, wall_time_s=10.0),
                       1, 6)
    second = lines.line(_record("p001-s0", "completed", final_val_loss=0.7, wall_time_s=20.0),
                        2, 6)
    assert first == "[1/6] p000-s0 completed  val_loss=0.6123  ETA 30s"  # 10 s x 3 rounds of 2
    assert second == "[2/6] p001-s0 completed  val_loss=0.7  ETA 30s"  # 15 s x 2 rounds of 2


def test_the_last_trial_has_no_eta():
    lines = ProgressLines("val_loss", workers=1, sweep_root=Path("s"))
    assert "ETA" not in lines.line(_record("p0", "completed", final_val_loss=1.0, wall_time_s=3.0),
                                   1, 1)


def test_a_trial_that_did_not_complete_shows_its_error_and_an_interrupted_one_how_to_resume():
    lines = ProgressLines("val_loss", workers=1, sweep_root=Path("runs/s"))
    diverged = lines.line(_record("p0", "diverged", error="loss became nan\nat step 12"), 1, 3)
    assert diverged == "[1/3] p0 diverged  loss became nan at step 12  1 diverged"
    interrupted = lines.line(_record("p1", "interrupted", wall_time_s=4.0), 2, 3)
    assert interrupted == \
        '[2/3] p1 interrupted  (continue with "adamctl sweep --resume runs/s")  1 diverged  ETA 4s'


def test_a_population_sweep_shows_its_members_training_and_eta_in_rounds_of_populations():
    lines = ProgressLines("val_loss", workers=2, sweep_root=Path("s"))
    # Two populations of 16 train at once; 32 members wait for the next round.
    first = lines.line(_record("p0", "completed", final_val_loss=0.5, wall_time_s=30.0,
                               training=31), 1, 64)
    second = lines.line(_record("p1", "diverged", error="loss became inf", wall_time_s=30.0,
                                training=30), 2, 64)
    assert first == "[1/64] p0 completed  val_loss=0.5  31 training  ETA 30s"  # 32 in 1 round
    assert second == "[2/64] p1 diverged  loss became inf  30 training, 1 diverged  ETA 30s"
    # The last round is training: no member waits, so no estimate.
    last_round = lines.line(_record("p40", "completed", final_val_loss=0.5, wall_time_s=20.0,
                                    training=23), 41, 64)
    assert last_round == "[41/64] p40 completed  val_loss=0.5  23 training, 1 diverged"
    last = lines.line(_record("p63", "completed", final_val_loss=0.5, wall_time_s=30.0,
                              training=0), 64, 64)
    assert last == "[64/64] p63 completed  val_loss=0.5  1 diverged"


def test_a_population_sweep_with_more_rounds_waits_for_each():
    lines = ProgressLines("val_loss", workers=2, sweep_root=Path("s"))
    line = lines.line(_record("p0", "completed", wall_time_s=10.0, training=7), 1, 64)
    assert line.endswith("7 training  ETA 1m10s")  # 56 waiting in rounds of 8: 7 x 10 s


@pytest.mark.parametrize("seconds, text", [(4.4, "4s"), (185, "3m05s"), (7620, "2h07m")])
def test_durations_are_short(seconds, text):
    assert duration(seconds) == text
