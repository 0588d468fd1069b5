"""The worker's side of pruning: report a trial's epoch metric to its study, and ask.

The trial runs in a worker process (or a Ray task); it opens the study from
its storage, reports ``metric`` at each epoch end as the step, and stops as
``pruned`` when the study's pruner says so. The parent only tells the final
state. Everything here is plain data until a worker runs it, so a
:class:`ReportTo` travels with its job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["ReportTo", "pruning_callbacks"]


@dataclass(frozen=True)
class ReportTo:
    """Where a trial reports its epoch metric: the study and the trial in it."""

    storage: str
    study: str
    trial_id: int
    metric: str
    mode: str
    prune: str


def pruning_callbacks(report: ReportTo | None) -> list[Callable[[Any], Any]]:
    """The callback makers :func:`adamctl.training.run.train` takes: none without ``report``."""
    if report is None:
        return []
    from adamctl.training.callbacks.pruning import Pruning

    return [lambda state: Pruning(state, report.metric, _judge(report))]


def _judge(report: ReportTo) -> Callable[[float, int], bool]:
    import optuna

    from adamctl.sweep.study import make_pruner, open_study

    study = open_study(report.storage, report.study, mode=report.mode,
                       pruner=make_pruner(report.prune))
    trial = optuna.trial.Trial(study, report.trial_id)

    def should_prune(value: float, epoch: int) -> bool:
        trial.report(value, epoch)
        return trial.should_prune()

    return should_prune
