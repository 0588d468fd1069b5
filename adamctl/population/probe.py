"""What a population gains on this machine, measured beside the shadow check, and whether it pays.

The shadow check trains a member alone and the population on the same
batches; both first steps trace. Each side then repeats its second step (a
full batch) :data:`REPEATS` more times, and the fastest of those steps is
its time: the minimum is the estimate least moved by a loaded machine,
where one preemption costs several milliseconds. A population step of P
members does the work of P separate steps, so the population's throughput
over separate runs is ``P * separate / population``. summary.json records
it (``population_probe``).

The probe decides: a population measured slower than its members'
separate runs (throughput below :data:`PAYS_AT`, compute-bound members:
wide layers, big batches) is not trained together; the worker trains its
trials one by one, as the local executor does, and each summary.json says
why. The results are the same either way; only the time differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

__all__ = ["Probe", "probe_of", "fastest", "REPEATS", "PAYS_AT"]

# Timed repeats of the second step on each side: a few milliseconds each.
REPEATS = 5

# The least throughput over separate runs at which a population trains
# together: below it the probe measured the population clearly slower (the
# margin keeps a measurement at about 1x, where nothing is gained either way,
# from turning a population down on noise).
PAYS_AT = 0.9


@dataclass(frozen=True)
class Probe:
    """The fastest timed step of a population of ``members`` and of a member's separate run."""

    members: int
    population_step_s: float
    separate_step_s: float

    @property
    def speedup(self) -> float:
        """Throughput of the population over separate runs: P x separate / population."""
        return self.members * self.separate_step_s / self.population_step_s

    @property
    def pays(self) -> bool:
        """Whether training together is not measurably slower than separate runs."""
        return self.speedup >= PAYS_AT

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


def fastest(times: Sequence[float]) -> float | None:
    """The fastest of the timed steps, None when none was timed."""
    return min(times) if times else None
