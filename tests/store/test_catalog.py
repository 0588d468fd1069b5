"""The catalog lists runs, sweeps and broken runs from summary.json files alone."""

from __future__ import annotations

import pytest

from adamctl.store.catalog import filter_rows, list_runs, sort_rows
from tests.store.catalog_helpers import make_runs_folder


@pytest.fixture
def rows(tmp_path):
    return {row.name: row for row in list_runs(make_runs_folder(tmp_path / "runs"))}


def test_lists_every_run_sweep_and_broken_run_but_not_other_folders(rows):
    assert sorted(rows) == ["alpha", "beta", "broken-1", "corrupt-1", "sw"]


def test_run_row_has_final_and_best_of_its_validation_loss(rows):
    alpha = rows["alpha"]
    assert (alpha.kind, alpha.status, alpha.steps, alpha.metric) == ("run", "completed", 6, "val_loss")
    assert (alpha.final, alpha.best, alpha.duration_s) == (0.7, 0.5, 3.0)
    assert alpha.started is not None and alpha.path.endswith("alpha-1")


def test_run_without_validation_uses_its_training_loss(rows):
    assert (rows["beta"].status, rows["beta"].metric, rows["beta"].final) == ("running", "loss", 1.9)


def test_sweep_row_counts_trials_and_takes_the_best_trial(rows):
    sweep = rows["sw"]
    assert (sweep.kind, sweep.trials, sweep.status, sweep.steps) == ("sweep", 2, "completed", 12)
    assert (sweep.best, sweep.final) == (0.2, 0.2)


def test_missing_and_corrupt_summaries_are_broken_with_the_reason(rows):
    assert rows["broken-1"].status == "broken"
    assert rows["broken-1"].reason == "summary.json is missing"
    assert rows["corrupt-1"].status == "broken"
    assert rows["corrupt-1"].reason.startswith("summary.json is unreadable: JSONDecodeError")


def test_sweep_with_an_unstarted_trial_is_incomplete(tmp_path):
    root = make_runs_folder(tmp_path / "runs")
    (root / "sw-sweep-1" / "trials" / "t1" / "summary.json").unlink()
    row = next(r for r in list_runs(root) if r.kind == "sweep")
    assert (row.status, row.best) == ("incomplete", 0.2)


def test_a_run_folder_given_directly_is_its_own_row(tmp_path):
    root = make_runs_folder(tmp_path / "runs")
    assert [row.name for row in list_runs(root / "alpha-1")] == ["alpha"]


def test_missing_folder_lists_nothing(tmp_path):
    assert list_runs(tmp_path / "absent") == []


def test_filter_by_status_and_name_glob(rows):
    listed = list(rows.values())
    assert [r.name for r in filter_rows(listed, status="broken")] == ["broken-1", "corrupt-1"]
    assert [r.name for r in filter_rows(listed, name="a*")] == ["alpha"]


def test_sort_by_best_puts_the_best_first_and_missing_last(rows):
    names = [r.name for r in sort_rows(list(rows.values()), "best")]
    assert names[:3] == ["sw", "alpha", "beta"]
    assert sorted(names[3:]) == ["broken-1", "corrupt-1"]


def test_unknown_sort_key_is_refused(rows):
    with pytest.raises(ValueError, match="key must be one of"):
        sort_rows(list(rows.values()), "colour")
