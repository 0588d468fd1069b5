"""Small helpers shared by the config tests."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path


def exactly(message: str) -> str:
    """A ``pytest.raises(match=...)`` pattern matching ``message`` and nothing more."""
    return "^" + re.escape(message) + "$"


def write(directory: Path, text: str, name: str = "experiment.yaml") -> Path:
    """Write a config file (``text`` dedented) and return its path."""
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path
