"""Fixtures shared by every test package: tiny, fast configs (helpers: tests/helpers.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.helpers import TINY, merge


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a tiny config (with sections merged over it) and return its path."""

    def write(extra: dict | None = None, *, name: str = "config.yaml", text: str | None = None) -> Path:
        path = tmp_path / name
        path.write_text(text if text is not None else yaml.safe_dump(merge(TINY, extra or {})))
        return path

    return write


# The most pytest-xdist workers ``-n auto`` starts: each holds TensorFlow and
# starts training processes of its own, so many more would trade memory (about
# 2 GiB each at peak) for little speed.
MOST_WORKERS = 4


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one worker per core this process may use, at most MOST_WORKERS."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(usable or 1, MOST_WORKERS))
