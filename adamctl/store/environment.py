"""``environment.txt``: the packages installed when a run started, one ``name==version`` a line.

Written once, atomically, when the run directory is made; ``pip install -r``
reads it back.
"""

from __future__ import annotations

from typing import Sequence

from adamctl._atomic import atomic_write_text
from adamctl.store.rundir import RunDir

__all__ = ["read_environment", "write_environment"]


def write_environment(run: RunDir, packages: Sequence[str]) -> None:
    """Write ``packages`` (``name==version`` strings) to ``run``'s environment.txt."""
    atomic_write_text(run.environment_path, "".join(f"{line}\n" for line in packages))


def read_environment(run: RunDir) -> list[str]:
    """The lines of ``run``'s environment.txt (empty when it has none)."""
    if not run.environment_path.is_file():
        return []
    return run.environment_path.read_text().splitlines()
