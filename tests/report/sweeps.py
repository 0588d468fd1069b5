"""Sweep and run directories written through the store's own writers, without training.

The report reads files; these build them as a sweep would (RunSummary,
metrics.csv rows, results.csv/summary.csv from the sweep's own table
functions), with chosen numbers, so a report's order and statuses can be
checked in a fraction of a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from adamctl.store import RunDir, SweepDir
from adamctl.store.metrics import epoch_row, write_metrics_rows
from adamctl.store.summary import RunSummary, summary_of
from adamctl.store.tables import write_sweep_tables
from adamctl.sweep.results import aggregate, results_frame, trial_record


def write_run(run: RunDir, epochs: Sequence[dict[str, float]], *, status: str = "completed",
              **fields: Any) -> RunDir:
    """A run directory whose metrics.csv has one row per entry of ``epochs``."""
    run.root.mkdir(parents=True, exist_ok=True)
    summary = RunSummary.start(run.summary_path, seed=0)
    rows = []
    for epoch, logs in enumerate(epochs, start=1):
        rows.append(epoch_row(epoch, epoch * 8, float(epoch), logs))
        summary.record_epoch(epoch, epoch * 8, float(epoch), logs)
    if rows:
        write_metrics_rows(run.metrics_path, rows)
    summary.finish(status, **fields)
    return run


def write_sweep(root: Path, values: Sequence[float], *, seeds: Sequence[int] = (0,),
                key: str | None = "optimizer.beta_1", epochs: int = 2,
                status: Callable[[int, int], str] = lambda point, seed: "completed",
                metric: str = "val_loss", mode: str = "min") -> SweepDir:
    """A sweep over ``key`` (None: seeds only) whose point i ends with val_loss 1 - i/10.

    val_accuracy rises with the point index while val_loss falls, so the
    best point is the last one for both metrics. ``status(point, seed)``
    decides how each trial ended; only completed trials get metrics.
    """
    sweep = SweepDir(root)
    points = list(values) if key else [None]
    trials = [{"id": f"p{i:03d}-s{seed}", "point": f"p{i:03d}", "seed": seed,
               "values": {key: v} if key else {}}
              for i, v in enumerate(points) for seed in seeds]
    sweep.create({"name": "fake", "metric": metric, "mode": mode,
                  "grid": {key: points} if key else {}, "seeds": list(seeds), "trials": trials,
                  "base": {}})
    records = [_trial(sweep, trial, int(trial["point"][1:]), epochs, status) for trial in trials]
    swept = [key] if key else []
    results = results_frame(records, swept)
    write_sweep_tables(sweep, results, aggregate(results, swept))
    return sweep


def _trial(sweep: SweepDir, trial: dict, index: int, epochs: int, status) -> dict:
    run = sweep.trial(trial["id"])
    ended = status(index, trial["seed"])
    logs = [{"loss": 1.0 - index / 10 + 0.01 * trial["seed"] + 0.1 / e,
             "val_loss": 1.0 - index / 10 + 0.01 * trial["seed"] + 0.1 / e,
             "accuracy": 0.5 + index / 20, "val_accuracy": 0.5 + index / 20 + 0.001 * e,
             "learning_rate": 0.01} for e in range(1, epochs + 1)]
    write_run(run, logs if ended in ("completed", "interrupted") else [], status=ended)
    return trial_record(trial["id"], trial["point"], trial["values"], trial["seed"],
                        summary_of(run), run_dir=run.root)
