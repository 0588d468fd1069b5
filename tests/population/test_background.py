"""Checkpoint writes queued on the background thread land in order, and a failure is raised."""

from __future__ import annotations

import numpy as np
import pytest

from adamctl.errors import WriteFailed
from adamctl.population.background import BackgroundWrites
from adamctl.store import RunDir
from adamctl.store.checkpoint import CheckpointData, Entry


def _data(step: int) -> CheckpointData:
    return CheckpointData(step=step, epoch=step, step_in_epoch=0, elapsed_s=0.0,
                          config_hash="h", model=[Entry("w", np.full(3, step, np.float32))])


def test_queued_writes_land_in_order_and_prune_as_direct_writes_do(tmp_path):
    run = RunDir(tmp_path / "run")
    run.create()
    writes = BackgroundWrites()
    for step in (1, 2, 3):
        writes.write_checkpoint(run, _data(step), keep=2)
    writes.close()
    assert [p.name for p in run.checkpoint_dirs()] == ["ckpt-000000002", "ckpt-000000003"]


def test_a_failed_write_is_raised_at_the_flush(tmp_path):
    blocker = tmp_path / "run"
    blocker.mkdir()
    (blocker / "checkpoints").write_text("a file where the folder should be")
    writes = BackgroundWrites()
    writes.write_checkpoint(RunDir(blocker), _data(1), keep=2)
    with pytest.raises(WriteFailed):
        writes.flush()
    writes.close()  # the failure was reported once


def test_a_flush_cut_short_by_a_signal_leaves_the_rest_for_the_next_flush(tmp_path, monkeypatch):
    """A second stop signal may raise inside a flush; the writes it was waiting for must not
    be forgotten, or the next flush returns early and an old summary.json lands last."""
    import signal
    import time

    from adamctl import _atomic

    written = _atomic.atomic_write_bytes

    def slow(path, data):
        time.sleep(0.6)
        written(path, data)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    monkeypatch.setattr(_atomic, "atomic_write_bytes", slow)
    target = tmp_path / "summary.json"
    writes = BackgroundWrites()
    writes.write_file(target, b"queued")
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        with pytest.raises(KeyboardInterrupt):
            writes.flush()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not target.exists()  # still under way when the flush was cut short
    writes.flush()
    assert target.read_bytes() == b"queued"
    writes.close()
