"""report.md of a sweep: the protocol first, then the comparison over seeds and its figures."""

from __future__ import annotations

import math
import os

from adamctl.report import write_sweep_report
from tests.compare.helpers import PAIRED
from tests.compare.sweepdirs import KEY, write_sweep


def test_report_opens_with_the_protocol_block(tmp_path):
    sweep = write_sweep(tmp_path / "s", PAIRED)
    text = write_sweep_report(sweep).read_text()
    head = text.split("\n\n")
    assert head[0] == "# Sweep quickstart"
    assert head[1] == "**Protocol**"
    protocol = head[2].splitlines()
    assert protocol[0] == f"- Search space: `{KEY}` in {{1e-08, 0.0001, 0.1}}"
    assert protocol[1] == "- Budget: trials 15, epochs per trial 3, steps per trial 30"
    assert protocol[2] == "- Seeds: 5 per point (0, 1, 2, 3, 4)"
    assert protocol[3].startswith("- Selection rule: best arm = lowest mean final val_loss")
    assert protocol[4].startswith("- Epsilon convention: `epsilon_mode=hat`")
    assert protocol[5] == "- Versions: adamctl 0.1.0, keras 3.0.0, python 3.11.7, tensorflow 2.16.0"


def test_report_has_the_comparison_table_and_every_figure_beside_it(tmp_path):
    sweep = write_sweep(tmp_path / "s", PAIRED)
    text = write_sweep_report(sweep).read_text()
    assert "| arm | n | val_loss mean | 95% CI | delta | delta CI | P(better) | Holm p |" in text
    assert f"| {KEY}=1e-08 (baseline) | 5 |" in text
    for name in ("sensitivity.png", "heatmap.png", "curves.png", "tuning.png"):
        assert f"]({name})" in text
        assert (sweep.root / name).stat().st_size > 0


def test_report_counts_lost_seeds_and_lists_the_trials(tmp_path):
    arms = {1e-8: PAIRED[1e-8], 1e-1: [0.9, math.nan, 0.97, 0.91, 0.99]}
    sweep = write_sweep(tmp_path / "s", arms)
    text = write_sweep_report(sweep).read_text()
    assert f"| {KEY}=0.1 | 4 (1 diverged) |" in text
    assert "- p001-s1: diverged" in text.splitlines()


def test_report_of_a_sweep_where_nothing_completed_says_why(tmp_path):
    arms = {1e-8: [math.nan, math.nan]}
    sweep = write_sweep(tmp_path / "s", arms)
    text = write_sweep_report(sweep).read_text()
    assert text.startswith("# Sweep quickstart\n\n**Protocol**")
    assert "No comparison: no trial has a usable value of val_loss: nothing to compare." in text


def test_figures_drawn_partly_in_a_helper_process_are_the_same_files(tmp_path):
    from adamctl.sweep._warm import FigureHelper

    alone = write_sweep(tmp_path / "alone", PAIRED)
    shared = write_sweep(tmp_path / "shared", PAIRED)
    helper = FigureHelper()
    helper.start()
    try:
        write_sweep_report(shared, helper=helper)
        assert helper.submit(os.getpid).result() != os.getpid()  # a process of its own
    finally:
        helper.close()
    write_sweep_report(alone)
    names = ["sensitivity.png", "heatmap.png", "curves.png", "tuning.png"]
    for name in names:
        assert (shared.root / name).read_bytes() == (alone.root / name).read_bytes(), name
    assert (shared.root / "report.md").read_text() == (alone.root / "report.md").read_text()


def test_a_helper_that_died_leaves_its_figures_to_this_process(tmp_path):
    import signal

    from adamctl.sweep._warm import FigureHelper

    sweep = write_sweep(tmp_path / "s", PAIRED)
    helper = FigureHelper()
    helper.start()
    pid = helper.submit(os.getpid).result()
    os.kill(pid, signal.SIGKILL)
    try:
        write_sweep_report(sweep, helper=helper)
    finally:
        helper.close()
    assert all((sweep.root / n).stat().st_size for n in ("curves.png", "tuning.png"))
