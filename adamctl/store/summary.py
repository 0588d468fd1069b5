"""``summary.json``: the state of a run for people and scripts, kept current.

``status`` moves through ``running`` to one of ``completed``, ``failed``,
``interrupted``, ``diverged`` or ``pruned`` (a search's pruner stopped it
early); every change is written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from adamctl._atomic import atomic_write_json, json_bytes
from adamctl._clock import now_iso
from adamctl.store._numbers import tidy_float32
from adamctl.store.rundir import RunDir

__all__ = ["RunSummary", "better", "metric_mode", "read_summary", "summary_of", "STATUSES"]

STATUSES = ("running", "completed", "failed", "interrupted", "diverged", "pruned")

# Metrics where larger is better; every other metric (losses, errors) is
# better when smaller.
_HIGHER_IS_BETTER = ("accuracy", "auc", "precision", "recall", "f1_score", "r2_score")


def metric_mode(name: str) -> str:
    """``"max"`` for accuracy-like metrics, ``"min"`` for losses and errors."""
    base = name.removeprefix("val_")
    return "max" if any(base.endswith(word) for word in _HIGHER_IS_BETTER) else "min"


def better(name: str, new: float, old: float | None) -> bool:
    """Whether ``new`` improves on ``old`` for metric ``name``."""
    if old is None:
        return True
    return new > old if metric_mode(name) == "max" else new < old


class RunSummary:
    """The content of ``summary.json``, and the one place that writes it."""

    def __init__(self, path: Path, fields: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.data: dict[str, Any] = dict(fields or {})

    @classmethod
    def start(cls, path: Path, **fields: Any) -> "RunSummary":
        """A new summary with ``status: running``, written at once."""
        summary = cls(path, {
            "status": "running", **fields,
            "epochs_completed": 0, "steps": 0, "wall_time_s": 0.0,
            "final": {}, "best": {},
            "started_at": now_iso(), "updated_at": now_iso(), "finished_at": None, "error": None,
        })
        summary.write()
        return summary

    @classmethod
    def load(cls, path: Path) -> "RunSummary":
        return cls(path, read_summary(path))

    def write(self, write_file: Callable[[Path, bytes], None] | None = None) -> None:
        """Write summary.json atomically; ``write_file(path, data)`` instead writes the
        bytes (a population queues them on its writer thread)."""
        self.data["updated_at"] = now_iso()
        if write_file is None:
            atomic_write_json(self.path, self.data)
        else:
            write_file(self.path, json_bytes(self.data))

    def record_epoch(self, epoch: int, step: int, elapsed_s: float, logs: dict[str, Any], *,
                     write_file: Callable[[Path, bytes], None] | None = None) -> None:
        """Take the end of 1-based ``epoch`` into final and best metrics, and write."""
        self.data.update(epochs_completed=epoch, steps=step, wall_time_s=round(elapsed_s, 3))
        self._take(epoch, step, logs)
        self.write(write_file)

    def rebuild_from_rows(self, rows: list[dict[str, str]]) -> None:
        """Recompute final and best metrics from ``metrics.csv`` rows (after a resume)."""
        self.data["final"], self.data["best"] = {}, {}
        for row in rows:
            logs = {k: float(v) for k, v in row.items()
                    if k not in ("epoch", "step", "time_s") and v not in ("", None)}
            self._take(int(row["epoch"]), int(row["step"]), logs)
            self.data["wall_time_s"] = float(row["time_s"])

    def _take(self, epoch: int, step: int, logs: dict[str, Any]) -> None:
        logs = {name: tidy_float32(value) for name, value in logs.items()}
        metrics = {k: v for k, v in logs.items() if k != "learning_rate"}
        self.data["final"] = {**metrics, "learning_rate": logs.get("learning_rate")}
        best = self.data.setdefault("best", {})
        for name, value in metrics.items():
            previous = best.get(name, {}).get("value")
            if _finite(value) and better(name, value, previous):
                best[name] = {"value": value, "epoch": epoch, "step": step}

    def finish(self, status: str, **fields: Any) -> None:
        """Set the final status (and e.g. ``error``), and write."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}. Received: status={status!r}")
        self.data.update(status=status, **fields)
        self.data["finished_at"] = None if status == "running" else now_iso()
        self.write()


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and value == value and abs(value) != float("inf")


def read_summary(path: Path) -> dict[str, Any]:
    """The parsed ``summary.json``."""
    with Path(path).open() as handle:
        return json.load(handle)


def summary_of(run: RunDir) -> dict[str, Any] | None:
    """``run``'s parsed ``summary.json``, or None when the run never started."""
    return read_summary(run.summary_path) if run.summary_path.exists() else None
