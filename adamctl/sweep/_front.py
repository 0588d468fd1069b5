"""The library calls behind ``adamctl sweep``: prepare, start, resume.

The policies a command line would otherwise decide live here, so a notebook
gets the same: a new sweep goes to ``runs/<name>-sweep-<stamp>/`` unless a
directory is given, a resumed one takes its plan from its ``sweep.yaml``,
and the worker count defaults to the number of GPUs given, else of CPU cores.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Sequence

from adamctl.errors import UsageError
from adamctl.store import RUNS_ROOT, SweepDir, new_sweep_dir
from adamctl.sweep.plan import SweepPlan
from adamctl.sweep.run import SweepOutcome, load_plan, run_sweep

__all__ = ["prepare", "start", "resume", "Progress"]

Progress = Callable[[dict[str, Any], int, int], None]


def prepare(
    config_path: Path,
    *,
    grid_options: Sequence[str] = (),
    seeds: int | None = None,
    overrides: Sequence[str] = (),
    sweep_dir: Path | None = None,
    runs_root: Path = RUNS_ROOT,
) -> tuple[SweepPlan, SweepDir]:
    """The validated plan of a new sweep of ``config_path``, and where it will go.

    Nothing is written. Raises ConfigError for a bad config or grid.
    """
    from adamctl.config import load_config
    from adamctl.sweep.plan import plan_sweep

    config = load_config(config_path, overrides, grid=grid_options)
    planned = plan_sweep(config, seeds=seeds, source=config_path)
    target = SweepDir(sweep_dir) if sweep_dir else new_sweep_dir(Path(runs_root), config.name)
    return planned, target


def start(
    planned: SweepPlan,
    sweep_dir: SweepDir,
    *,
    workers: int | None = None,
    executor: str = "local",
    address: str | None = None,
    progress: Progress | None = None,
    gpus: Sequence[int] = (),
) -> SweepOutcome:
    """Run a new sweep into ``sweep_dir`` (which must not hold one yet).

    ``gpus``: pin local workers one per GPU; the worker count defaults to their number.
    """
    _check_gpus(gpus, executor)
    return run_sweep(planned, sweep_dir, workers=_workers(workers, gpus), executor=executor,
                     address=address, resume=False, progress=progress, gpus=gpus)


def resume(
    sweep_dir: Path | SweepDir,
    *,
    workers: int | None = None,
    executor: str = "local",
    address: str | None = None,
    progress: Progress | None = None,
    gpus: Sequence[int] = (),
) -> SweepOutcome:
    """Continue the sweep in ``sweep_dir`` with the plan in its ``sweep.yaml``."""
    _check_gpus(gpus, executor)
    target = SweepDir(sweep_dir)
    return run_sweep(load_plan(target), target, workers=_workers(workers, gpus),
                     executor=executor, address=address, resume=True, progress=progress,
                     gpus=gpus)


def _workers(workers: int | None, gpus: Sequence[int] = ()) -> int:
    return workers or len(gpus) or os.cpu_count() or 1


def _check_gpus(gpus: Sequence[int], executor: str) -> None:
    if gpus and executor != "local":
        raise UsageError("--gpus pins local workers; with --executor ray, Ray places trials "
                         "on GPUs itself")
