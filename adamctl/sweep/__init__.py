"""Sweeps: a grid of settings over seeds, each trial a full run, tabulated at the end.

Example::

    import adamctl.sweep

    plan, where = adamctl.sweep.prepare("configs/quickstart.yaml", seeds=3)
    outcome = adamctl.sweep.start(plan, where, workers=2)
    outcome.results  # one row per trial (a pandas DataFrame)

Importing this package loads neither Keras nor pandas.
"""

from adamctl.store import SweepDir
from adamctl.sweep._front import load_any_plan, prepare, resume, start
from adamctl.sweep.plan import SweepPlan
from adamctl.sweep.run import SweepOutcome, load_plan
from adamctl.sweep.search_plan import SearchPlan

__all__ = ["SearchPlan", "SweepDir", "SweepOutcome", "SweepPlan", "load_any_plan", "load_plan",
           "prepare", "resume", "start"]
