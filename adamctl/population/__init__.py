"""Population sweeps: trials differing only in Adam's settings and seed, trained in one step.

A population is an optimization, never a change of results: every member
keeps its own Keras model, its own adamctl Adam, its own data order and
dropout stream, and writes its own ordinary run directory; one compiled
step advances all members, so the per-step dispatch is paid once for the
population. Importing this package does not import Keras.
"""

from adamctl.population.grouping import Grouping, group_trials

__all__ = ["Grouping", "group_trials", "run_population"]


def __getattr__(name: str):
    if name == "run_population":
        from adamctl.population.executor import run_population

        return run_population
    raise AttributeError(f"module 'adamctl.population' has no attribute {name!r}")
