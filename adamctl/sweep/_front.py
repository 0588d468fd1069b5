"""The library calls behind ``adamctl sweep``: prepare, start, resume.

The policies a command line would otherwise decide live here, so a notebook
gets the same: a new sweep goes to ``runs/<name>-sweep-<stamp>/`` unless a
directory is given, a resumed one takes its plan from its ``sweep.yaml``,
and the worker count defaults to the number of GPUs given, else of CPU cores.
A config whose ``sweep.search`` is random, qmc or tpe (``--search``) plans a
search (:mod:`adamctl.sweep.search`) instead of a grid.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from adamctl.errors import UsageError
from adamctl.store import RUNS_ROOT, SweepDir, new_sweep_dir
from adamctl.sweep.plan import SweepPlan, plan_from_dict
from adamctl.sweep.run import SweepOutcome, plan_errors, run_sweep
from adamctl.sweep.search_plan import SearchPlan, search_plan_from_dict

__all__ = ["prepare", "start", "resume", "load_any_plan", "Progress"]

# progress(record, done, total): a finished trial's results row, how many trials have
# ended, how many there are; a population sweep's record also has ``training``.
Progress = Callable[[dict[str, Any], int, int], None]


def prepare(
    config_path: Path,
    *,
    grid_options: Sequence[str] = (),
    seeds: int | None = None,
    overrides: Sequence[str] = (),
    sweep_dir: Path | None = None,
    runs_root: Path = RUNS_ROOT,
    search: str | None = None,
    trials: int | None = None,
    prune: str | None = None,
    storage: str | None = None,
) -> tuple[SweepPlan | SearchPlan, SweepDir]:
    """The validated plan of a new sweep of ``config_path``, and where it will go.

    ``search``, ``trials`` and ``prune`` set ``sweep.search``, ``sweep.trials``
    and ``sweep.prune`` (after the ``overrides``); ``storage`` is the Optuna
    storage URL of a search (default: ``optuna.db`` in the sweep directory).
    Nothing is written. Raises ConfigError for a bad config or grid.
    """
    from adamctl.config import load_config
    from adamctl.sweep.plan import plan_sweep
    from adamctl.sweep.search_plan import plan_search

    chosen = {"search": search, "trials": trials, "prune": prune}
    overrides = [*overrides, *(f"sweep.{key}={value}" for key, value in chosen.items()
                               if value is not None)]
    config = load_config(config_path, overrides, grid=grid_options)
    if config.sweep is not None and config.sweep.search != "grid":
        planned = plan_search(config, seeds=seeds, storage=storage, source=config_path)
    else:
        planned = plan_sweep(config, seeds=seeds, source=config_path)
    target = SweepDir(sweep_dir) if sweep_dir else new_sweep_dir(Path(runs_root), config.name)
    return planned, target


def start(
    planned: SweepPlan | SearchPlan,
    sweep_dir: SweepDir,
    *,
    workers: int | None = None,
    executor: str | None = None,
    address: str | None = None,
    progress: Progress | None = None,
    gpus: Sequence[int] = (),
    budget_s: float | None = None,
    population_size: int | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> SweepOutcome:
    """Run a new sweep into ``sweep_dir`` (which must not hold one yet).

    ``executor``: local, ray or population; None takes the config's
    ``sweep.executor``, else local.
    ``gpus``: pin local workers one per GPU; the worker count defaults to their number.
    ``budget_s``: no new trial starts after this many seconds.
    ``population_size``: with the population executor, at most this many
    trials per population (None: ``sweep.population_size``, else chosen
    from the grid and the cores); ``warn`` gets the population executor's
    notes (why trials run locally).
    """
    return _run(planned, sweep_dir, resume=False, workers=workers, executor=executor,
                address=address, progress=progress, gpus=gpus, budget_s=budget_s,
                population=_population(population_size, warn))


def resume(
    sweep_dir: Path | SweepDir,
    *,
    workers: int | None = None,
    executor: str | None = None,
    address: str | None = None,
    progress: Progress | None = None,
    gpus: Sequence[int] = (),
    budget_s: float | None = None,
    population_size: int | None = None,
    warn: Callable[[str], None] = lambda message: None,
    rerun: Sequence[str] = (),
    extend: str | None = None,
    expected: SweepPlan | SearchPlan | None = None,
    notify: Callable[[str], None] | None = None,
) -> SweepOutcome:
    """Continue the sweep in ``sweep_dir`` with the plan in its ``sweep.yaml``.

    Refuses (before anything runs) an edited sweep.yaml, a trial config.yaml
    that is not its planned config, and an ``expected`` plan (the one the
    command line's CONFIG and options make) that differs from the sweep's.
    ``rerun`` (statuses among failed, diverged, pruned) runs those trials
    again under new ids; ``extend`` (``training.epochs=N``) trains every
    trial on to N epochs. See :mod:`adamctl.sweep.lifecycle`. The executor
    and population size default to those the sweep was started with in its
    config (``sweep.executor``), as :func:`start` chooses them.
    """
    from adamctl.sweep import lifecycle

    target = SweepDir(sweep_dir)
    planned = load_any_plan(target)
    if expected is not None:
        lifecycle.check_same_plan(planned.to_dict(), expected.to_dict(), target)
    lifecycle.check_trial_configs(target, _planned_configs(planned))
    change = None
    if rerun or extend:
        if isinstance(planned, SearchPlan):
            raise UsageError(f"--rerun and --extend apply to grid sweeps; {target.root} is a "
                             f"{planned.search} search, whose study has recorded its trials' "
                             "results: start a new search instead")
        unknown = sorted(set(rerun) - set(lifecycle.RERUNNABLE))
        if unknown:
            raise UsageError(f"--rerun {','.join(rerun)}: {', '.join(unknown)} is not a status "
                             f"to rerun; choose among {', '.join(lifecycle.RERUNNABLE)}")
        if extend:
            lifecycle.extend(planned, extend)  # refuses a bad --extend before the lock is taken

        def change(plan: SweepPlan) -> SweepPlan:
            if rerun:
                plan = lifecycle.rerun(plan, target, rerun, notify)
            if extend:
                plan = lifecycle.extend(plan, extend, notify)
            return plan

    return _run(planned, target, resume=True, workers=workers, executor=executor,
                address=address, progress=progress, gpus=gpus, budget_s=budget_s, change=change,
                population=_population(population_size, warn))


def _run(planned: SweepPlan | SearchPlan, target: SweepDir, *, resume: bool, workers: int | None,
         executor: str | None, address: str | None, progress: Progress | None,
         gpus: Sequence[int], budget_s: float | None,
         change: Callable[[SweepPlan], SweepPlan] | None = None,
         population: dict[str, Any] | None = None) -> SweepOutcome:
    """Run a grid's or a search's plan into ``target``, new or resumed."""
    population = dict(population or {})
    executor, population["size"] = _execution(planned, executor, population.get("size"))
    _check_gpus(gpus, executor)
    common = dict(workers=_workers(workers, gpus), executor=executor, address=address,
                  resume=resume, progress=progress, gpus=gpus, deadline=_deadline(budget_s))
    if isinstance(planned, SearchPlan):
        from adamctl.sweep.search import run_search

        if executor == "population":
            raise UsageError("--executor population runs grid sweeps: a search draws its "
                             "points one by one; use --executor local with --search")
        return run_search(planned, target, **common)
    return run_sweep(planned, target, change=change, population=population, **common)


def _population(size: int | None, warn: Callable[[str], None]) -> dict[str, Any]:
    return {"size": size, "warn": warn}


def _execution(planned: SweepPlan | SearchPlan, executor: str | None,
               size: int | None) -> tuple[str, int | None]:
    """The executor and population size: the caller's, else the config's, else local.

    The config's population size applies only when the population executor
    is the one chosen (``--executor local`` runs a population config as usual).

    Raises:
        UsageError: a population size given beside another executor.
    """
    chosen = planned.execution
    executor = executor or chosen.get("executor") or "local"
    if executor != "population":
        if size is not None:
            raise UsageError(f"--population-size needs --executor population (or "
                             f"sweep.executor: population); the executor is {executor}")
        return executor, None
    return executor, size if size is not None else chosen.get("population_size")


def load_any_plan(sweep_dir: SweepDir) -> SweepPlan | SearchPlan:
    """The plan in ``sweep.yaml``, a grid's or a search's, as adamctl last wrote it.

    Raises:
        ConfigError: sweep.yaml is not a plan, or was edited since adamctl wrote it.
    """
    from adamctl.sweep.lifecycle import check_unchanged

    with plan_errors(sweep_dir):
        data = sweep_dir.read_plan()
        if isinstance(data, dict):
            check_unchanged(sweep_dir, data)
        return search_plan_from_dict(data) if "search" in data else plan_from_dict(data)


def _planned_configs(planned: SweepPlan | SearchPlan) -> dict[str, dict[str, Any]]:
    """Each trial's planned config, by trial id (a search's: of the trials sampled so far)."""
    if isinstance(planned, SearchPlan):
        from adamctl.sweep.search import trial_config

        return {trial.id: trial_config(planned, trial) for trial in planned.sampled}
    return planned.configs


def _deadline(budget_s: float | None) -> float | None:
    return None if budget_s is None else time.monotonic() + budget_s


def _workers(workers: int | None, gpus: Sequence[int] = ()) -> int:
    return workers or len(gpus) or os.cpu_count() or 1


def _check_gpus(gpus: Sequence[int], executor: str) -> None:
    if gpus and executor == "ray":
        raise UsageError("--gpus pins local workers; with --executor ray, Ray places trials "
                         "on GPUs itself")
    if gpus and executor != "local":
        raise UsageError(f"--gpus pins local workers; --executor {executor} does not take it")
