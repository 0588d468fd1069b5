"""What a population gains on this machine, measured on the shadow check's own steps.

The shadow check trains a member alone and the population on the same
batches; both first steps trace, so each side's second step, of the same
size, is timed. A population step of P members does the work of P separate
steps; summary.json records the ratio (``population_probe``), so a user
sees when a population does not pay (compute-bound members: wide layers,
big batches). It is a measure, not a decision: one step each is too noisy
on a loaded machine (a single preemption is several milliseconds) to turn
a population down on, and the results are the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

__all__ = ["Probe", "probe_of"]


@dataclass(frozen=True)
class Probe:
    """One timed step of a population of ``members`` and of a member's separate run."""

    members: int
    population_step_s: float
    separate_step_s: float

    @property
    def speedup(self) -> float:
        """Throughput of the population over separate runs: P x separate / population."""
        return self.members * self.separate_step_s / self.population_step_s

    def describe(self) -> str:
        return (f"a step of {self.members} members took {self.population_step_s * 1e3:.2f} ms, "
                f"a separate run's {self.separate_step_s * 1e3:.2f} ms: "
                f"{self.speedup:.1f}x the throughput of separate runs")


def probe_of(members: int, separate_step_s: float | None,
             timings: Mapping[str, Any]) -> Probe | None:
    """The probe from the shadow check's timings; None when a side was not timed (one batch)."""
    population_step_s = timings.get("population_step_s")
    if not separate_step_s or not population_step_s:
        return None
    return Probe(members, float(population_step_s), float(separate_step_s))
