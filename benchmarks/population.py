"""A beta_2 x epsilon grid of the quickstart through ``--executor local`` and ``--executor population``.

The same sweep runs once on the local executor (warm worker processes, one
per core) and once per population size P, each as a real ``adamctl sweep``
process, in one run of this script on one machine. It prints wall time,
trials per minute and member-steps per second (trials x steps per trial /
wall time), and the exactness verdict: every trial's model.weights.h5
arrays and metrics.csv (without its wall-time column) compared byte for
byte between the local sweep and each population sweep.

    python benchmarks/population.py [--side 8] [--epochs 5] [--sizes auto,4,16,64]

A size of ``auto`` leaves ``--population-size`` out (the executor's choice).

Target (a 64-trial grid, epochs 5): the population at most 1/5 of the
local executor's wall time (goal 1/10), every trial identical.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _sweep(where: Path, args: argparse.Namespace, *extra: str) -> float:
    values = lambda lo, hi: ",".join(f"{v:.6g}" for v in np.geomspace(lo, hi, args.side))
    command = [sys.executable, "-m", "adamctl", "sweep", str(ROOT / "configs" / "quickstart.yaml"),
               "--set", f"training.epochs={args.epochs}",
               "--grid", f"optimizer.beta_2={values(0.9, 0.9999)}",
               "--grid", f"optimizer.epsilon={values(1e-8, 1e-3)}",
               "--sweep-dir", str(where), "-q", *extra]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, capture_output=True)
    return time.perf_counter() - started


def _weights(run: Path) -> list[bytes]:
    import h5py

    arrays: list[tuple[str, bytes]] = []
    with h5py.File(run / "model.weights.h5") as handle:
        handle.visititems(lambda name, item: arrays.append((name, np.array(item).tobytes()))
                          if isinstance(item, h5py.Dataset) else None)
    return sorted(arrays)


def _metrics(run: Path) -> list[list[str]]:
    rows = list(csv.reader((run / "metrics.csv").open()))
    drop = rows[0].index("time_s")
    return [row[:drop] + row[drop + 1:] for row in rows]


def _identical(local: Path, population: Path) -> tuple[int, int]:
    trials = sorted((local / "trials").iterdir())
    same = sum(_weights(t) == _weights(population / "trials" / t.name)
               and _metrics(t) == _metrics(population / "trials" / t.name) for t in trials)
    return same, len(trials)


def _steps_per_trial(sweep: Path) -> int:
    import json

    first = sorted((sweep / "trials").iterdir())[0]
    return json.loads((first / "summary.json").read_text())["steps"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=8, help="grid points per axis (side^2 trials)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--sizes", default="auto,4,16,64",
                        help="population sizes to measure (auto: the executor's choice)")
    args = parser.parse_args()
    trials = args.side ** 2
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"{trials} trials of quickstart, epochs={args.epochs}")
    with tempfile.TemporaryDirectory() as scratch:
        local = Path(scratch) / "local"
        base = _sweep(local, args, "--executor", "local")
        steps = _steps_per_trial(local) * trials
        print(f"{'executor':<16}{'wall s':>9}{'trials/min':>12}{'member-steps/s':>16}"
              f"{'x local':>9}  identical")
        print(f"{'local':<16}{base:9.1f}{trials / base * 60:12.1f}{steps / base:16.0f}"
              f"{1.0:9.2f}  -")
        for size in args.sizes.split(","):
            where = Path(scratch) / f"population-{size}"
            chosen = () if size == "auto" else ("--population-size", size)
            wall = _sweep(where, args, "--executor", "population", *chosen)
            same, total = _identical(local, where)
            print(f"{'population P=' + str(size):<16}{wall:9.1f}{trials / wall * 60:12.1f}"
                  f"{steps / wall:16.0f}{base / wall:9.2f}  {same}/{total}")


if __name__ == "__main__":
    main()
