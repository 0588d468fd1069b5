"""The work behind ``adamctl sweep``: planning from the options, running, printing."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import click

from adamctl.errors import UsageError

__all__ = ["plan_from_cli", "execute"]


def plan_from_cli(config_path: Path | None, grid_options: Sequence[str], seeds: int | None,
                  overrides: Sequence[str], resume_dir: Path | None, sweep_dir: Path | None):
    """(plan, sweep directory, resuming?) from the command line's options."""
    from adamctl.sweep.run import SweepDir, load_plan, new_sweep_dir

    if resume_dir is not None:
        if config_path or grid_options or seeds or overrides or sweep_dir:
            raise UsageError("--resume SWEEP_DIR takes no CONFIG, --grid, --seeds, --set or "
                             "--sweep-dir: the sweep's plan is in its sweep.yaml")
        target = SweepDir(resume_dir)
        return load_plan(target), target, True
    if config_path is None:
        raise UsageError('give a CONFIG to sweep, or --resume SWEEP_DIR (see "adamctl sweep --help")')
    from adamctl.config import load_config
    from adamctl.sweep.plan import plan_sweep

    config = load_config(config_path, overrides, grid=grid_options)
    plan = plan_sweep(config, seeds=seeds, source=config_path)
    target = SweepDir(sweep_dir) if sweep_dir else new_sweep_dir(Path("runs"), config.name)
    return plan, target, False


def execute(plan: Any, target: Any, *, resuming: bool, workers: int, executor: str,
            address: str | None, dry_run: bool, quiet: bool) -> None:
    from adamctl.cli.render import stdout_console

    if dry_run:
        stdout_console().print(_trials_table(plan))
        return
    from adamctl.sweep.run import run_sweep

    def progress(record: dict, done: int, total: int) -> None:
        if not quiet:
            click.echo(f"[{done}/{total}] {record['trial']}: {record['status']}", err=True)

    outcome = run_sweep(plan, target, workers=workers, executor=executor, address=address,
                        resume=resuming, progress=progress)
    if not quiet:
        from adamctl.report.render import rich_table
        from adamctl.report.tables import sweep_table

        stdout_console().print(rich_table(sweep_table(target.root)))
    click.echo(str(outcome.sweep_dir.root))


def _trials_table(plan: Any) -> Any:
    from rich.table import Table

    table = Table(title=f"sweep {plan.name}: {len(plan.trials)} trials")
    for column in ("trial", *plan.swept_keys, "seed"):
        table.add_column(column, justify="right")
    for trial in plan.trials:
        values = trial.point.as_dict()
        table.add_row(trial.id, *(repr(values[k]) if isinstance(values[k], str) else str(values[k])
                                  for k in plan.swept_keys), str(trial.seed))
    return table
