"""Sweep and run directories with known values, written by the store's own writers.

Each trial gets a summary.json (RunSummary), a metrics.csv of three epochs
ending at its value (write_metrics_rows), and the sweep its sweep.yaml,
results.csv and summary.csv (SweepDir.create, write_sweep_tables), so the
readers under test meet exactly what a real sweep leaves on disk.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

from adamctl.store import RunDir, SweepDir
from adamctl.store.metrics import epoch_row, write_metrics_rows
from adamctl.store.summary import RunSummary
from adamctl.store.tables import write_sweep_tables
from adamctl.sweep.results import aggregate, results_frame, trial_record

KEY = "optimizer.epsilon"
STEPS_PER_EPOCH = 10
VERSIONS = {"adamctl": "0.1.0", "keras": "3.0.0", "backend": "tensorflow",
            "backend_version": "2.16.0", "python": "3.11.7"}


def curve_values(final: float) -> list[float]:
    """The val_loss of the three epochs of a trial that ends at ``final``."""
    return [final + 0.2, final + 0.1, final]


def write_run(run: RunDir, seed: int, final: float, *, status: str = "completed") -> dict:
    """A finished run whose val_loss falls to ``final`` (NaN: it diverged); its summary."""
    run.root.mkdir(parents=True, exist_ok=True)
    rows, summary = [], RunSummary(run.summary_path, {"seed": seed, "versions": VERSIONS,
                                                      "run_dir": str(run.root)})
    for epoch, value in enumerate(curve_values(final), start=1):
        logs = {"loss": value, "val_loss": value, "val_accuracy": 1.0 - value,
                "learning_rate": 0.001}
        rows.append(epoch_row(epoch, epoch * STEPS_PER_EPOCH, float(epoch), logs))
        summary.record_epoch(epoch, epoch * STEPS_PER_EPOCH, float(epoch), logs)
    if math.isnan(final):
        status = "diverged"
    write_metrics_rows(run.metrics_path, rows)
    summary.finish(status)
    return summary.data


def write_sweep(root: Path, arms: Mapping[float, Sequence[float]], *, name: str = "quickstart",
                seeds: Sequence[int] | None = None, data: dict | None = None) -> SweepDir:
    """A sweep over ``KEY`` with ``arms[value]`` the per-seed final val_loss of that point."""
    sweep = SweepDir(root)
    width = max(len(v) for v in arms.values())
    seeds = list(seeds if seeds is not None else range(width))
    trials, records = [], []
    for index, (value, finals) in enumerate(arms.items()):
        point = f"p{index:03d}"
        for seed, final in zip(seeds, finals):
            trial = f"{point}-s{seed}"
            trials.append({"id": trial, "point": point, "seed": seed, "values": {KEY: value}})
            summary = write_run(sweep.trial(trial), seed, final)
            records.append(trial_record(trial, point, {KEY: value}, seed, summary,
                                        run_dir=sweep.trial(trial).root))
    sweep.create(_plan(name, arms, seeds, trials, data))
    results = results_frame(records, [KEY])
    write_sweep_tables(sweep, results, aggregate(results, [KEY]))
    return sweep


def _plan(name: str, arms: Mapping, seeds: list[int], trials: list, data: dict | None) -> dict:
    base: dict[str, Any] = {"name": name, "seed": seeds[0],
                            "data": data or {"source": "synthetic", "samples": 256},
                            "model": {"preset": "mlp"},
                            "optimizer": {"learning_rate": 0.001, "epsilon_mode": "hat"},
                            "training": {"epochs": 3}}
    return {"name": name, "metric": "val_loss", "mode": "min", "grid": {KEY: list(arms)},
            "seeds": seeds, "trials": trials, "base": base}
