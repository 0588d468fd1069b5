"""Fixed synthetic sweep results: arms with known per-seed values, and their curves."""

from __future__ import annotations

import math

import pandas as pd

KEY = "optimizer.epsilon"
# Per-seed final val_loss of three arms sharing seeds 0-4 (lower is better).
PAIRED = {
    1e-8: [0.50, 0.61, 0.55, 0.58, 0.52],
    1e-4: [0.53, 0.60, 0.58, 0.62, 0.55],
    1e-1: [0.90, 0.95, 0.97, 0.91, 0.99],
}


def trial_rows(epsilon, values, *, seeds=None, statuses=None, key=KEY, extra=None):
    """results.csv rows for one arm, as adamctl/sweep/results.py writes them."""
    seeds = list(range(len(values))) if seeds is None else seeds
    statuses = statuses or ["completed"] * len(values)
    point = f"e{epsilon:g}" + ("" if extra is None else f"-{extra[1]}")
    rows = []
    for seed, value, status in zip(seeds, values, statuses):
        row = {"trial": f"{point}-s{seed}", "point": point, "seed": seed, "status": status,
               key: epsilon, "final_val_loss": value, "best_val_loss": value - 0.01,
               "final_val_accuracy": None if value is None else 1 - value}
        if extra is not None:
            row[extra[0]] = extra[1]
        rows.append(row)
    return rows


def curve(values, *, steps_per_epoch=10, seconds_per_epoch=2.0, metric="val_loss"):
    """A metrics.csv table: one row per epoch."""
    epochs = range(1, len(values) + 1)
    return pd.DataFrame({"epoch": list(epochs), "step": [e * steps_per_epoch for e in epochs],
                         metric: values, "time_s": [e * seconds_per_epoch for e in epochs]})
