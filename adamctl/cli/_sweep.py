"""The work behind ``adamctl sweep``: checking the option mix, one library call, printing."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import click

from adamctl.errors import UsageError

__all__ = ["LifecycleOptions", "SearchOptions", "sweep_from_cli"]


class LifecycleOptions(NamedTuple):
    """--rerun (statuses) and --extend (``training.epochs=N``), given with --resume."""

    rerun: tuple[str, ...] = ()
    extend: str | None = None


class SearchOptions(NamedTuple):
    """The options of a search: --search, --trials, --prune, --storage, --budget (seconds)."""

    search: str | None = None
    trials: int | None = None
    prune: str | None = None
    storage: str | None = None
    budget: float | None = None

    def plan_options(self) -> dict[str, Any]:
        return {"search": self.search, "trials": self.trials, "prune": self.prune,
                "storage": self.storage}


def sweep_from_cli(config_path: Path | None, grid_options: Sequence[str], seeds: int | None,
                   overrides: Sequence[str], resume_dir: Path | None, sweep_dir: Path | None, *,
                   workers: int | None, executor: str | None, address: str | None, dry_run: bool,
                   quiet: bool, gpus: Sequence[int] = (), population_size: int | None = None,
                   search: SearchOptions = SearchOptions(),
                   lifecycle: LifecycleOptions = LifecycleOptions()) -> None:
    """Start or resume the sweep the options describe (or only show its trials), and print."""
    import adamctl.sweep

    population = {"population_size": population_size,
                  "warn": lambda message: click.echo(message, err=True)}

    if resume_dir is not None:
        if sweep_dir:
            raise UsageError("--resume SWEEP_DIR continues the sweep where it is; drop --sweep-dir")
        plan = adamctl.sweep.load_any_plan(adamctl.sweep.SweepDir(resume_dir))
        expected = None
        if config_path is not None:  # the command that started it, again: it must plan the same
            expected, _ = adamctl.sweep.prepare(config_path, grid_options=grid_options, seeds=seeds,
                                                overrides=overrides, **search.plan_options())
        elif grid_options or seeds or overrides or any(search.plan_options().values()):
            raise UsageError("--grid, --seeds, --set, --search, --trials, --prune and --storage "
                             "describe a sweep's plan: give them with its CONFIG, or resume with "
                             "--resume SWEEP_DIR alone (the plan is in its sweep.yaml)")
        if dry_run:
            return _show_trials(plan)
        with _resume_hint_on_interrupt(resume_dir):
            outcome = adamctl.sweep.resume(resume_dir, workers=workers, executor=executor,
                                           address=address,
                                           progress=_progress(quiet, plan, workers, resume_dir),
                                           gpus=gpus, budget_s=search.budget,
                                           rerun=lifecycle.rerun, extend=lifecycle.extend,
                                           expected=expected, notify=_notify(quiet),
                                           **population)
    else:
        if lifecycle.rerun or lifecycle.extend:
            raise UsageError("--rerun and --extend change a sweep that exists: give them with "
                             "--resume SWEEP_DIR")
        if config_path is None:
            raise UsageError('give a CONFIG to sweep, or --resume SWEEP_DIR '
                             '(see "adamctl sweep --help")')
        plan, target = adamctl.sweep.prepare(config_path, grid_options=grid_options, seeds=seeds,
                                             overrides=overrides, sweep_dir=sweep_dir,
                                             **search.plan_options())
        if dry_run:
            return _show_trials(plan)
        with _resume_hint_on_interrupt(target.root):
            outcome = adamctl.sweep.start(plan, target, workers=workers, executor=executor,
                                          address=address,
                                          progress=_progress(quiet, plan, workers, target.root),
                                          gpus=gpus, budget_s=search.budget, **population)
    if not quiet:
        from adamctl.cli.render import stdout_console
        from adamctl.report import rich_table, sweep_table

        stdout_console().print(rich_table(sweep_table(outcome.sweep_dir.root)))
    click.echo(str(outcome.sweep_dir.root))


@contextlib.contextmanager
def _resume_hint_on_interrupt(where: Path):
    """On Ctrl-C, say how to continue before the interrupt ends the command (exit 130)."""
    try:
        yield
    except KeyboardInterrupt:
        click.echo(f'sweep interrupted; continue it with "adamctl sweep --resume {where}"',
                   err=True)
        raise


def _notify(quiet: bool):
    """Where the library's lines about changes to the sweep go: stderr, unless quiet."""
    return None if quiet else (lambda message: click.echo(message, err=True))


def _progress(quiet: bool, plan: Any, workers: int | None, where: Path):
    """A progress callback printing one line per finished trial to stderr (nothing if quiet)."""
    from adamctl.cli._sweep_progress import ProgressLines

    # The library's default worker count (adamctl.sweep.start): one per core.
    lines = ProgressLines(plan.metric, workers or os.cpu_count() or 1, where)

    def progress(record: dict, done: int, total: int) -> None:
        if not quiet:
            click.echo(lines.line(record, done, total), err=True)

    return progress


def _show_trials(plan: Any) -> None:
    from rich.table import Table

    from adamctl.cli.render import stdout_console
    from adamctl.sweep import SearchPlan

    if isinstance(plan, SearchPlan):
        return _show_space(plan)
    table = Table(title=f"sweep {plan.name}: {len(plan.trials)} trials")
    for column in ("trial", *plan.swept_keys, "seed"):
        table.add_column(column, justify="right")
    for trial in plan.trials:
        values = trial.point.as_dict()
        table.add_row(trial.id, *(repr(values[k]) if isinstance(values[k], str) else str(values[k])
                                  for k in plan.swept_keys), str(trial.seed))
    stdout_console().print(table)


def _show_space(plan: Any) -> None:
    """A search's dry run: the space and the sampler (its points are drawn as it runs)."""
    from rich.table import Table

    from adamctl.cli.render import stdout_console
    from adamctl.sweep.space import describe

    pruned = f", pruned by {plan.prune}" if plan.prune else ""
    table = Table(title=f"search {plan.name}: {plan.trials} trials, {plan.search} sampler, "
                        f"seed {plan.seed}{pruned}")
    table.add_column("key")
    table.add_column("sampled from")
    for key, spec in plan.space.items():
        table.add_row(key, describe(spec))
    stdout_console().print(table)
