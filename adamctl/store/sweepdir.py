"""`SweepDir`: the one owner of every path inside a sweep directory.

Layout::

    <sweep>/sweep.yaml          the resolved plan, written before any trial runs
    <sweep>/trials/<trial-id>/  one complete run directory per trial
    <sweep>/results.csv         one row per trial, rewritten as trials finish
    <sweep>/summary.csv         one row per grid point, mean/std/count over seeds
    <sweep>/report.md           the sorted table and the plots beside it
    <sweep>/curves.png, heatmap.png, sensitivity.png, tuning.png   the report's figures
    <sweep>/optuna.db           a search's Optuna study (SQLite), unless --storage names another
    <sweep>/.sweep.recorded.yaml  the plan as adamctl last wrote it, to tell an edit of sweep.yaml
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from pathlib import Path
from typing import Any

import yaml

from adamctl._atomic import atomic_write_text
from adamctl.errors import UsageError
from adamctl.store.rundir import RunDir, stamped_path

__all__ = ["SweepDir", "new_sweep_dir"]


class SweepDir:
    """Paths of one sweep directory. Creating the object touches nothing on disk."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"SweepDir({str(self.root)!r})"

    def __fspath__(self) -> str:
        return str(self.root)

    @property
    def plan_path(self) -> Path:
        return self.root / "sweep.yaml"

    @property
    def results_path(self) -> Path:
        return self.root / "results.csv"

    @property
    def summary_path(self) -> Path:
        return self.root / "summary.csv"

    @property
    def report_path(self) -> Path:
        return self.root / "report.md"

    @property
    def curves_path(self) -> Path:
        return self.root / "curves.png"

    @property
    def heatmap_path(self) -> Path:
        return self.root / "heatmap.png"

    @property
    def sensitivity_path(self) -> Path:
        return self.root / "sensitivity.png"

    @property
    def tuning_path(self) -> Path:
        return self.root / "tuning.png"

    @property
    def optuna_db_path(self) -> Path:
        return self.root / "optuna.db"

    @property
    def optuna_storage_url(self) -> str:
        """The SQLAlchemy URL of :attr:`optuna_db_path` (absolute, so workers anywhere agree)."""
        return f"sqlite:///{self.optuna_db_path.resolve()}"

    def trial(self, trial_id: str) -> RunDir:
        return RunDir(self.root / "trials" / trial_id)

    def is_sweep(self) -> bool:
        return self.plan_path.is_file()

    def read_plan(self) -> dict[str, Any]:
        """The plan in ``sweep.yaml`` as plain data (the sweep package gives it a type)."""
        if not self.is_sweep():
            raise UsageError(
                f"{self.root} is not a sweep directory (it has no sweep.yaml); "
                'start one with "adamctl sweep CONFIG"'
            )
        return yaml.safe_load(self.plan_path.read_text())

    def create(self, plan: dict[str, Any]) -> None:
        """Make the directory and write ``sweep.yaml``; refuse one that already holds a sweep."""
        if self.is_sweep():
            raise UsageError(
                f'{self.root} already holds a sweep; use "adamctl sweep --resume '
                f'{self.root}" or choose another --sweep-dir'
            )
        self.root.mkdir(parents=True, exist_ok=True)
        self.update_plan(plan)

    @property
    def recorded_plan_path(self) -> Path:
        return self.root / ".sweep.recorded.yaml"

    def update_plan(self, plan: dict[str, Any]) -> None:
        """Rewrite ``sweep.yaml`` whole (a search adds each trial as it samples it).

        The plan is first recorded in :attr:`recorded_plan_path`, with the
        hash of the ``sweep.yaml`` it replaces: a kill between the two writes
        leaves a ``sweep.yaml`` that :meth:`read_recorded_plan` still knows
        as adamctl's own, while any other difference is an edit.
        """
        previous = self._plan_sha256() if self.plan_path.exists() else None
        record = {"previous_sha256": previous, "plan": plan}
        atomic_write_text(self.recorded_plan_path, yaml.safe_dump(record, sort_keys=False))
        atomic_write_text(self.plan_path, yaml.safe_dump(plan, sort_keys=False))

    def read_recorded_plan(self) -> tuple[dict[str, Any], bool] | None:
        """The plan adamctl last wrote, and whether ``sweep.yaml`` is the one it replaced.

        None for a sweep made before plans were recorded (or whose record was
        removed): then there is nothing to compare ``sweep.yaml`` with.
        """
        if not self.recorded_plan_path.is_file():
            return None
        record = yaml.safe_load(self.recorded_plan_path.read_text())
        if not isinstance(record, dict) or not isinstance(record.get("plan"), dict):
            return None
        replaced = record.get("previous_sha256") == self._plan_sha256()
        return record["plan"], replaced

    def _plan_sha256(self) -> str:
        return hashlib.sha256(self.plan_path.read_bytes()).hexdigest()


def new_sweep_dir(runs_root: Path, name: str, *, now: _dt.datetime | None = None) -> SweepDir:
    """A fresh ``<runs_root>/<name>-sweep-<YYYYmmdd-HHMMSS>`` (``-2``... on a clash)."""
    return SweepDir(stamped_path(runs_root, f"{name}-sweep", now=now))
