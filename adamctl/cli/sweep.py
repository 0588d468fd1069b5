"""``adamctl sweep CONFIG``: a grid of Adam settings, repeated over seeds, run in parallel."""

from __future__ import annotations

from pathlib import Path

import click

from adamctl.cli._duration import Duration
from adamctl.cli.options import (GpuList, StatusList, grid_option, overrides_option,
                                 quiet_option)

__all__ = ["command"]


@click.command("sweep")
@click.argument("config_path", metavar="[CONFIG]", required=False,
                type=click.Path(dir_okay=False, path_type=Path))
@grid_option
@click.option("--seeds", type=click.IntRange(min=1), metavar="N",
              help="Repeat every grid point over N seeds (seed, seed+1, ...).")
@click.option("--search", type=click.Choice(["grid", "random", "qmc", "tpe"]),
              help="Sample --trials points of the --grid ranges instead of running the grid: "
              "random, qmc (quasi-random Sobol) or tpe (Bayesian), seeded by the config's seed "
              "(sets sweep.search).")
@click.option("--trials", type=click.IntRange(min=1), metavar="N",
              help="With --search: how many points to sample (sets sweep.trials).")
@click.option("--prune", type=click.Choice(["median", "asha"]),
              help="With --search: stop unpromising trials early on the per-epoch sweep.metric "
              "(status pruned; sets sweep.prune).")
@click.option("--storage", metavar="URL",
              help="With --search: the Optuna storage (a database URL) instead of optuna.db in "
              "the sweep directory; a password goes in an environment variable "
              "(user:${PGPASSWORD}@host), never in the URL.")
@click.option("--budget", type=Duration(),
              help="Start no new trial after this long (90s, 30m, 2h, 1h30m); running ones stop "
              "at a checkpoint (exit code 124; --resume continues).")
@overrides_option
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parallel worker processes (default: the number of CPU cores).")
@click.option("--gpus", type=GpuList(), default=(), metavar="0,1,...",
              help="Pin local workers one per GPU (CUDA_VISIBLE_DEVICES); default --workers: "
              "one per GPU given.")
@click.option("--executor", type=click.Choice(["local", "ray", "population"]), default=None,
              metavar="NAME",
              help="local: local worker processes; ray: Ray tasks; population: trials "
                   "differing only in optimizer settings and seed train together in one "
                   "compiled step, each bit-identical to its separate run (default: the "
                   "config's sweep.executor, else local).")
@click.option("--population-size", type=click.IntRange(min=1), metavar="N", default=None,
              help="With --executor population: at most N trials per population (default: "
                   "sweep.population_size, else an even split over the workers, at most 64).")
@click.option("--address", metavar="ADDR", help="With --executor ray: the cluster to join.")
@click.option("--sweep-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write the sweep here instead of runs/<name>-sweep-<YYYYmmdd-HHMMSS>/.")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False, path_type=Path),
              metavar="SWEEP_DIR", help="Continue a sweep; with a CONFIG and options, they must "
              "plan the same sweep.")
@click.option("--rerun", type=StatusList(), default=(), metavar="STATUS,...",
              help="With --resume: run the trials with these statuses (failed, diverged, pruned) "
              "again from scratch, under new ids; their old directories stay.")
@click.option("--extend", metavar="training.epochs=N",
              help="With --resume: train every trial on from its last checkpoint to N epochs.")
@click.option("--dry-run", is_flag=True, help="Print the table of trials and exit.")
@quiet_option
def command(config_path, grid_options, seeds, search, trials, prune, storage, budget, overrides,
            workers, gpus, executor, population_size, address, sweep_dir, resume_dir, rerun,
            extend, dry_run,
            quiet) -> None:
    """Train every point of a grid of settings (or a search), over seeds, in parallel; tabulate.

    With --search random|qmc|tpe --trials N, N points are sampled from the
    --grid ranges instead (log:LO:HI log-uniform, linear:LO:HI uniform,
    int:LO:HI integers, a list a choice) by Optuna, whose study is kept in
    the sweep directory's optuna.db; --prune stops unpromising trials early.

    Every grid trial's config is validated before any trial starts (a
    search's ranges are checked at both ends). The sweep directory gets
    sweep.yaml, trials/<id>/ (each a full run directory),
    results.csv, summary.csv, report.md and PNG plots. The last line printed
    is the sweep directory's path.

    \b
    Example:
      adamctl sweep configs/quickstart.yaml --grid optimizer.beta_1=0.8,0.9,0.95 \\
          --grid optimizer.epsilon=log:1e-8:1e-4:3 --seeds 3
      adamctl sweep configs/quickstart.yaml --search qmc --trials 12 --prune asha \\
          --grid optimizer.learning_rate=log:1e-4:1e-1
      adamctl sweep --resume runs/quickstart-sweep-20260101-120000
      adamctl sweep --resume runs/quickstart-sweep-20260101-120000 --rerun failed,diverged
      adamctl sweep --resume runs/quickstart-sweep-20260101-120000 --extend training.epochs=20
      adamctl sweep configs/digits.yaml --grid optimizer.learning_rate=1e-3,1e-2 --gpus 0,1
    """
    from adamctl.cli._sweep import LifecycleOptions, SearchOptions, sweep_from_cli

    sweep_from_cli(config_path, grid_options, seeds, overrides, resume_dir, sweep_dir,
                   workers=workers, executor=executor, address=address, dry_run=dry_run,
                   quiet=quiet, gpus=gpus, population_size=population_size,
                   search=SearchOptions(search, trials, prune, storage, budget),
                   lifecycle=LifecycleOptions(rerun, extend))
