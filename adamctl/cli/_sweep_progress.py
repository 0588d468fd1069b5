"""The line ``adamctl sweep`` prints to stderr as each trial finishes.

``[3/8] p002-s3 completed  val_loss=0.6123  ETA 1m20s``: the trial's final
value of the sweep's metric, and an estimate of the time left, from the mean
training time of the trials finished so far, in rounds of ``workers``
parallel trials. A trial that did not complete shows its error instead, and
an interrupted one how to continue it. Once a trial has diverged, every
line counts the diverged ones (``2 diverged``).

A population sweep's records carry ``training``, the members of the
populations now training; the line shows it (``48 training``). Members end
in bursts, each with its population's whole wall time, so there the time
left counts rounds of populations instead: the members still waiting, in
rounds of as many members as have trained at once, each round the mean
trial time. While no member waits, the rest are ending and no ETA is shown.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

__all__ = ["ProgressLines", "duration"]


class ProgressLines:
    """Formats progress lines, remembering the trial times seen so far."""

    def __init__(self, metric: str, workers: int, sweep_root: Path) -> None:
        self.metric, self.workers, self.sweep_root = metric, max(1, workers), sweep_root
        self.times: list[float] = []
        self.diverged = 0
        self.together = 0  # a population sweep's most members training at once

    def line(self, record: dict[str, Any], done: int, total: int) -> str:
        seconds = record.get("wall_time_s")
        if isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds > 0:
            self.times.append(float(seconds))
        self.diverged += record["status"] == "diverged"
        parts = [f"[{done}/{total}] {record['trial']} {record['status']}", self._outcome(record)]
        training = record.get("training")
        tally = [f"{training} training" if training else "",
                 f"{self.diverged} diverged" if self.diverged else ""]
        parts.append(", ".join(part for part in tally if part))
        eta = (self.eta(total - done) if training is None
               else self.population_eta(total - done - training, training))
        if eta is not None:
            parts.append(f"ETA {duration(eta)}")
        return "  ".join(part for part in parts if part)

    def eta(self, remaining: int) -> float | None:
        """Seconds left: mean trial time times the rounds of parallel trials still to run."""
        if remaining <= 0 or not self.times:
            return None
        return sum(self.times) / len(self.times) * math.ceil(remaining / self.workers)

    def population_eta(self, waiting: int, training: int) -> float | None:
        """Seconds left: rounds of the members not started yet, each the mean trial time."""
        self.together = max(self.together, training + 1)  # the member that just ended too
        if waiting <= 0 or not self.times:
            return None
        return sum(self.times) / len(self.times) * math.ceil(waiting / self.together)

    def _outcome(self, record: dict[str, Any]) -> str:
        status = record["status"]
        if status == "completed":
            value = record.get(f"final_{self.metric}")
            return f"{self.metric}={value:.4g}" if isinstance(value, (int, float)) else ""
        if status == "interrupted":
            return f'(continue with "adamctl sweep --resume {self.sweep_root}")'
        error = record.get("error")
        return " ".join(str(error).split())[:120] if error else ""


def duration(seconds: float) -> str:
    """``45s``, ``3m05s``, ``2h07m``: short, and exact enough for an estimate."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
