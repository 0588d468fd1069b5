"""Atomic writes: whole files, the permissions a plain open() would give, no leftovers."""

from __future__ import annotations

import os
import stat

import pytest

from adamctl._atomic import atomic_output_path, atomic_write_json, atomic_write_text


@pytest.fixture
def umask():
    """Set the process umask for one test and restore it afterwards."""
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, expected", [
    pytest.param(0o022, 0o644, id="umask-022"),
    pytest.param(0o077, 0o600, id="umask-077"),
    pytest.param(0o002, 0o664, id="umask-002"),
])
def test_written_file_mode_honours_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    text, data = tmp_path / "a.txt", tmp_path / "b.json"
    atomic_write_text(text, "hello\n")
    atomic_write_json(data, {"a": 1})
    assert (_mode(text), _mode(data)) == (expected, expected)


def test_replacing_a_file_takes_the_umask_mode_like_open(tmp_path, umask):
    umask(0o022)
    path = tmp_path / "a.txt"
    path.write_text("old")
    path.chmod(0o600)
    atomic_write_text(path, "new")
    assert path.read_text() == "new"
    assert _mode(path) == 0o644


def test_output_path_renames_on_success_and_leaves_nothing_on_failure(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "model.weights.h5"
    with atomic_output_path(target) as temporary:
        assert temporary.name.endswith("model.weights.h5") and temporary.parent == tmp_path
        temporary.write_bytes(b"weights")
    assert target.read_bytes() == b"weights" and _mode(target) == 0o644
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_output_path(target) as temporary:
            temporary.write_bytes(b"half")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.weights.h5"]
