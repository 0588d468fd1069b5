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
