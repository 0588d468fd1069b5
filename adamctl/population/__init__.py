"""Population sweeps: trials differing only in Adam's settings and seed, trained together.

A population is an optimization, never a change of results: every member
keeps its own initial weights, Adam settings and state, data order and
metrics, and writes its own ordinary run directory; one compiled step
advances all members, so the per-step dispatch is paid once for the
population. Two engines do it: *stacked* (members as slices of stacked
variables, for MLPs) and *replicated* (each member's own Keras step side by
side, for any model); each is used only after its shadow check shows it
bit-identical to separate runs on this machine. Importing this package
does not import Keras.
"""

from adamctl.population.grouping import AUTO_MAX_SIZE, Grouping, group_trials
from adamctl.population.jobs import Dispatch, PopulationJob, PopulationPlan, plan_populations

__all__ = ["AUTO_MAX_SIZE", "Dispatch", "Grouping", "group_trials", "PopulationJob",
           "PopulationPlan", "plan_populations"]
