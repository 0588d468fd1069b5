"""Reading and checking a config loads no framework: the CLI stays fast to start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("tensorflow", "keras", "pandas", "jax", "torch")


@pytest.mark.parametrize("statement", [
    pytest.param("import adamctl.config", id="import"),
    pytest.param("from adamctl.config import load_config, resolve, dump_config_yaml; "
                 "dump_config_yaml(resolve({'model': {'hidden': [3]}}))", id="resolve-and-dump"),
])
def test_config_loads_no_framework(statement):
    script = f"import sys; {statement}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             env=env)
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == "[]"
