"""Fixtures shared by every test package: tiny, fast configs (helpers: tests/helpers.py)."""

from __future__ import annotations

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
