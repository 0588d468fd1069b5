"""Fixed synthetic sweep results: arms with known per-seed values, and their curves."""

from __future__ import annotations

import math

import pandas as pd
import pytest

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


@pytest.fixture
def paired_results():
    rows = [r for eps, values in PAIRED.items() for r in trial_rows(eps, values)]
    return pd.DataFrame(rows)


@pytest.fixture
def messy_results():
    """A diverged seed, a failed seed, an arm of one seed, an arm of two, and an unpaired arm."""
    rows = (trial_rows(1e-8, PAIRED[1e-8])
            + trial_rows(1e-6, [0.51, 0.60, math.nan, 0.57, 0.53],
                         statuses=["completed", "completed", "diverged", "completed", "failed"])
            + trial_rows(1e-5, [0.56])
            + trial_rows(1e-4, [0.54, 0.63])
            + trial_rows(1e-3, [0.58, 0.66, 0.61], seeds=[10, 11, 12]))
    return pd.DataFrame(rows)


def curve(values, *, steps_per_epoch=10, seconds_per_epoch=2.0, metric="val_loss"):
    """A metrics.csv table: one row per epoch."""
    epochs = range(1, len(values) + 1)
    return pd.DataFrame({"epoch": list(epochs), "step": [e * steps_per_epoch for e in epochs],
                         metric: values, "time_s": [e * seconds_per_epoch for e in epochs]})
