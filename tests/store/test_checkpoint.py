"""The checkpoint store: exact round trips, atomic writes, damage detection, pruning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from adamctl.errors import CheckpointError, RunLocked, UsageError, WriteFailed
from adamctl.store import checkpoint as store
from adamctl.store.checkpoint import (
    CheckpointData,
    Entry,
    latest_valid_checkpoint,
    read_checkpoint,
    verify_checkpoint,
    write_checkpoint,
)
from adamctl.store.lock import RunLock
from adamctl.store.rundir import RunDir


def _data(step: int, seed: int = 0) -> CheckpointData:
    rng = np.random.default_rng(seed)
    return CheckpointData(
        step=step, epoch=step // 10, step_in_epoch=step % 10, elapsed_s=1.5, config_hash="abc",
        config={"optimizer": {"beta_1": 0.9}}, random={"seed": 3},
        model=[Entry("seq/dense/kernel", rng.normal(size=(4, 3)).astype("float32")),
               Entry("seq/dense/bias", np.zeros(3, "float16")),
               Entry("seed_generator/state", np.array([7, 0], "uint32"))],
        optimizer=[Entry("adam/iteration", np.array(step, "int64")),
                   Entry("adam/seq_dense_kernel_momentum", rng.normal(size=(4, 3)).astype("float32"))],
        metrics=[Entry("loss/total", np.array(2.5, "float32"))],
    )


def test_round_trip_is_byte_identical(tmp_path):
    run = RunDir(tmp_path)
    written = write_checkpoint(run, _data(12), keep=3)
    assert written == run.checkpoint_dir(12)
    loaded = read_checkpoint(written)
    original = _data(12)
    for group in ("model", "optimizer", "metrics"):
        for a, b in zip(getattr(original, group), getattr(loaded, group), strict=True):
            assert a.path == b.path and a.array.dtype == b.array.dtype
            assert a.array.shape == b.array.shape and a.array.tobytes() == b.array.tobytes()
    assert (loaded.step, loaded.epoch, loaded.step_in_epoch) == (12, 1, 2)
    assert loaded.config == original.config and loaded.random == {"seed": 3}


def test_array_files_are_plain_npy_records(tmp_path):
    written = write_checkpoint(RunDir(tmp_path), _data(5), keep=3)
    with open(written / "model.npy", "rb") as handle:
        kernel, bias = np.load(handle), np.load(handle)
    assert kernel.shape == (4, 3) and bias.dtype == np.float16
    state = json.loads((written / "state.json").read_text())
    assert state["arrays"]["model"][0] == {"path": "seq/dense/kernel", "shape": [4, 3],
                                            "dtype": "float32"}


@pytest.mark.parametrize("elements", [5, 600_000], ids=["small-in-one-write", "big-streamed"])
def test_array_files_small_and_big_are_npy_records_with_the_digest_read_back(tmp_path, elements):
    """Small files are assembled in memory, big ones streamed with the CRC on a second thread:
    both give the same records and a digest equal to the file's as read back from disk."""
    from adamctl.store._checkpoint_files import _IN_ONE_WRITE_BYTES, file_digest, write_arrays

    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=elements).astype("float32"), np.array(3, "int64"),
              np.zeros((0, 2), "float32"), np.asfortranarray(rng.normal(size=(3, 4)))]
    assert (elements * 4 > _IN_ONE_WRITE_BYTES) == (elements > 5)
    digest = write_arrays(tmp_path / "a.npy", arrays)
    assert digest == file_digest(tmp_path / "a.npy")
    with open(tmp_path / "a.npy", "rb") as handle:
        loaded = [np.load(handle) for _ in arrays]
        assert handle.read() == b""
    for original, back in zip(arrays, loaded, strict=True):
        assert original.dtype == back.dtype and original.shape == back.shape
        assert np.array_equal(original, back)


def test_a_crash_mid_write_leaves_no_checkpoint_and_keeps_the_previous(tmp_path, monkeypatch):
    run = RunDir(tmp_path)
    write_checkpoint(run, _data(10), keep=3)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store, "_write_json", crash)
    with pytest.raises(WriteFailed, match="cannot write the checkpoint .*ckpt-000000020: disk full"):
        write_checkpoint(run, _data(20), keep=3)
    assert [p.name for p in run.checkpoint_dirs()] == ["ckpt-000000010"]
    assert not list(run.checkpoints_root.glob(".tmp-*"))
    assert verify_checkpoint(run.checkpoint_dir(10)) is None


def test_stale_temporary_folders_are_ignored_and_cleaned(tmp_path):
    run = RunDir(tmp_path)
    stale = run.checkpoints_root / ".tmp-ckpt-000000030-99999"
    stale.mkdir(parents=True)
    (stale / "model.npy").write_bytes(b"half")
    assert run.checkpoint_dirs() == []
    write_checkpoint(run, _data(10), keep=3)
    assert not stale.exists()


@pytest.mark.parametrize("damage, reason", [
    pytest.param(lambda p: (p / "optimizer.npy").write_bytes((p / "optimizer.npy").read_bytes()[:-7]),
                 r"optimizer.npy has \d+ bytes, expected \d+ \(truncated\?\)", id="truncated"),
    pytest.param(lambda p: _flip(p / "model.npy"), r"model.npy fails its checksum", id="bit-flip"),
    pytest.param(lambda p: (p / "manifest.json").unlink(), r"no manifest.json", id="no-manifest"),
    pytest.param(lambda p: (p / "metrics.npy").unlink(), r"metrics.npy is missing", id="missing-file"),
    pytest.param(lambda p: (p / "manifest.json").write_text("{"), r"unreadable manifest.json",
                 id="bad-manifest"),
])
def test_damage_is_detected_and_named(tmp_path, damage, reason):
    written = write_checkpoint(RunDir(tmp_path), _data(10), keep=3)
    damage(written)
    assert verify_checkpoint(written) is not None
    with pytest.raises(CheckpointError, match=rf"checkpoint {written} is damaged: {reason}"):
        read_checkpoint(written)


def _flip(path):
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x01
    path.write_bytes(bytes(raw))


def test_latest_valid_falls_back_with_a_warning(tmp_path):
    run = RunDir(tmp_path)
    for step in (10, 20, 30):
        write_checkpoint(run, _data(step), keep=5)
    _flip(run.checkpoint_dir(30) / "model.npy")
    warnings = []
    assert latest_valid_checkpoint(run, warn=warnings.append) == run.checkpoint_dir(20)
    assert len(warnings) == 1
    assert "ckpt-000000030 is damaged" in warnings[0] and "falling back to ckpt-000000020" in warnings[0]


def test_pruning_keeps_the_newest(tmp_path):
    run = RunDir(tmp_path)
    for step in (10, 20, 30, 40):
        write_checkpoint(run, _data(step), keep=2)
    assert [p.name for p in run.checkpoint_dirs()] == ["ckpt-000000030", "ckpt-000000040"]


def test_same_step_is_replaced_whole(tmp_path):
    run = RunDir(tmp_path)
    write_checkpoint(run, _data(10, seed=0), keep=3)
    write_checkpoint(run, _data(10, seed=1), keep=3)
    loaded = read_checkpoint(run.checkpoint_dir(10))
    np.testing.assert_array_equal(loaded.model[0].array, _data(10, seed=1).model[0].array)
    assert len(run.checkpoint_dirs()) == 1


HOLDER = textwrap.dedent("""
    import sys, time
    from adamctl.store.lock import RunLock
    from adamctl.store.rundir import RunDir
    lock = RunLock(RunDir(sys.argv[1]))
    lock.acquire()
    print("locked", flush=True)
    time.sleep(120)
""")


def test_lock_refuses_a_live_holder_and_takes_over_from_a_killed_one(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunLocked, match=rf"is being written by process {holder.pid} "
                                            r"\(started .*\); wait for it to finish or stop it"):
            RunLock(RunDir(tmp_path)).acquire()
    finally:
        holder.kill()
        holder.wait()
    with RunLock(RunDir(tmp_path)):
        assert json.loads((tmp_path / ".lock").read_text())["pid"] == os.getpid()


def test_a_checkpoint_moved_aside_by_a_dead_writer_is_put_back(tmp_path):
    run = RunDir(tmp_path)
    write_checkpoint(run, _data(10), keep=3)
    # A writer replacing step 10 moved it aside, then died before the rename.
    os.rename(run.checkpoint_dir(10), run.checkpoints_root / ".old-ckpt-000000010-4242")
    write_checkpoint(run, _data(20), keep=3)
    assert [p.name for p in run.checkpoint_dirs()] == ["ckpt-000000010", "ckpt-000000020"]
    assert verify_checkpoint(run.checkpoint_dir(10)) is None


def _reseal(folder, name):
    """Record ``name``'s current size and CRC in the manifest: damage a CRC cannot catch."""
    from adamctl.store._checkpoint_files import file_digest

    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name] = dict(file_digest(folder / name))
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _object_array(folder):
    with open(folder / "metrics.npy", "wb") as handle:
        np.save(handle, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    _reseal(folder, "metrics.npy")


def _absurd_header(folder):
    with open(folder / "metrics.npy", "wb") as handle:
        np.lib.format.write_array_header_2_0(
            handle, {"descr": "<f4", "fortran_order": False, "shape": (1 << 40, 1 << 20)})
    _reseal(folder, "metrics.npy")


def _bad_manifest_entry(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["model.npy"] = "not a digest"
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _bad_state(folder):
    state = json.loads((folder / "state.json").read_text())
    state["step"] = "twelve"
    (folder / "state.json").write_text(json.dumps(state))
    _reseal(folder, "state.json")


def _bad_array_list(folder):
    state = json.loads((folder / "state.json").read_text())
    state["arrays"]["model"] = {"not": "a list"}
    (folder / "state.json").write_text(json.dumps(state))
    _reseal(folder, "state.json")


@pytest.mark.parametrize("damage", [
    pytest.param(_object_array, id="object-array"),
    pytest.param(_absurd_header, id="absurd-header"),
    pytest.param(_bad_manifest_entry, id="bad-manifest-entry"),
    pytest.param(_bad_state, id="bad-state"),
    pytest.param(_bad_array_list, id="bad-array-list"),
])
def test_a_checksummed_but_unreadable_checkpoint_is_skipped_for_the_previous(tmp_path, damage):
    run = RunDir(tmp_path)
    for step in (10, 20):
        write_checkpoint(run, _data(step), keep=5)
    damage(run.checkpoint_dir(20))
    with pytest.raises(CheckpointError, match="ckpt-000000020"):
        read_checkpoint(run.checkpoint_dir(20))
    warnings = []
    assert latest_valid_checkpoint(run, warn=warnings.append) == run.checkpoint_dir(10)
    assert len(warnings) == 1 and "falling back to ckpt-000000010" in warnings[0]


def test_pruning_deletes_only_checkpoints_this_run_wrote(tmp_path):
    run = RunDir(tmp_path)
    foreign = run.checkpoint_dir(1)
    foreign.mkdir(parents=True)
    (foreign / "precious.txt").write_text("not adamctl's")
    for step in (10, 20, 30):
        write_checkpoint(run, _data(step), keep=1)
    assert (foreign / "precious.txt").read_text() == "not adamctl's"
    assert [p.name for p in run.checkpoint_dirs()] == ["ckpt-000000001", "ckpt-000000030"]


def test_a_run_without_an_index_prunes_only_checkpoints_that_verify(tmp_path):
    run = RunDir(tmp_path)
    for step in (10, 20):
        write_checkpoint(run, _data(step), keep=5)
    run.checkpoint_index_path.unlink()  # as a run written before the index existed
    (run.checkpoint_dir(5)).mkdir()
    write_checkpoint(run, _data(30), keep=1)
    assert [p.name for p in run.checkpoint_dirs()] == ["ckpt-000000005", "ckpt-000000030"]


def test_a_symlinked_checkpoints_folder_is_refused_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    for step in (1, 2, 3):
        (elsewhere / f"ckpt-{step:09d}").mkdir(parents=True)
    run = RunDir(tmp_path / "run")
    run.root.mkdir()
    run.checkpoints_root.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UsageError, match="is a symbolic link"):
        write_checkpoint(run, _data(10), keep=1)
    assert sorted(p.name for p in elsewhere.iterdir()) == [f"ckpt-{s:09d}" for s in (1, 2, 3)]


def test_a_symlinked_lock_is_refused_and_its_target_untouched(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    run = RunDir(tmp_path / "run")
    run.root.mkdir()
    run.lock_path.symlink_to(target)
    with pytest.raises(UsageError, match=r"\.lock is a symbolic link"):
        RunLock(run).acquire()
    assert target.read_text() == "keep me"
