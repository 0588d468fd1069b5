"""`RunDir` owns the layout of a run directory."""

from __future__ import annotations

import datetime as dt

import pytest

from adamctl.errors import UsageError
from adamctl.store.rundir import RunDir, new_run_dir


def test_checkpoint_names_are_zero_padded_and_sorted(tmp_path):
    run = RunDir(tmp_path)
    for step in (1200, 5, 30):
        run.checkpoint_dir(step).mkdir(parents=True)
    (run.checkpoints_root / ".tmp-ckpt-000000040").mkdir()
    assert [p.name for p in run.checkpoint_dirs()] == [
        "ckpt-000000005", "ckpt-000000030", "ckpt-000001200",
    ]


def test_new_run_dir_is_stamped_and_avoids_clashes(tmp_path):
    now = dt.datetime(2026, 1, 2, 3, 4, 5)
    first = new_run_dir(tmp_path, "exp", now=now)
    assert first.root == tmp_path / "exp-20260102-030405"
    first.create()
    second = new_run_dir(tmp_path, "exp", now=now)
    assert second.root == tmp_path / "exp-20260102-030405-2"


def test_create_refuses_a_directory_with_a_run(tmp_path):
    run = RunDir(tmp_path / "r")
    run.create()
    run.config_path.write_text("name: x\n")
    with pytest.raises(UsageError, match=r'already has a run; use "adamctl resume .*r"'):
        run.create()


def test_create_refuses_a_non_empty_directory_that_is_not_a_run(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "metrics.csv").write_text("my data\n")
    with pytest.raises(UsageError, match="is not empty and holds no adamctl run; choose a new"):
        RunDir(tmp_path / "mine").create()
    assert (tmp_path / "mine" / "metrics.csv").read_text() == "my data\n"


def test_create_accepts_a_directory_holding_only_a_lock(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / ".lock").write_text("")
    RunDir(tmp_path / "r").create()


@pytest.mark.parametrize("path", ["", ".", "..", "/", "a/.."])
def test_create_refuses_paths_that_name_no_directory_of_their_own(path):
    with pytest.raises(UsageError, match="does not name a directory of its own"):
        RunDir(path).check_new()
