"""Does a population pay on this machine? Measured on the shadow check's own steps.

The shadow check trains a member alone and the population on the same
batches; both first steps trace, so each side's second step, of the same
size, is timed. A population step of P members does the work of P separate
steps; when it takes at least as long, the population only adds its fixed
costs (compute-bound members: wide layers, big batches), and the worker
trains the trials one by one instead. One step each is a rough measure,
which is why only a population no faster at all is turned down; the
results are the same either way, only the time differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

__all__ = ["Probe", "probe_of", "PAYS_ABOVE"]

# The speed-up (P separate steps' time over one population step) a population needs.
PAYS_ABOVE = 1.0


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

    @property
    def pays(self) -> bool:
        return self.speedup > PAYS_ABOVE

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
