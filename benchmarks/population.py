"""A beta_2 x epsilon quickstart grid through ``--executor local`` and ``--executor population``.

The same sweep runs on the local executor (warm worker processes, one per
core) and with populations of each size P, each as a real ``adamctl sweep``
process, in one run of this script on one machine; with ``--repeats N`` the
executors take turns N times and the median wall time of each is reported.
It prints wall time, trials per minute, member-steps per second (trials x
steps per trial / wall time) and the ratio to the local executor, and the
exactness verdict: every trial's model.weights.h5 arrays and metrics.csv
(without its wall-time column) compared byte for byte between the local
sweep and each population sweep.

    python benchmarks/population.py [--side 8] [--epochs 5] [--sizes auto,4,16,64] [--repeats 1]

A size of ``auto`` leaves ``--population-size`` out (the executor's choice).
Target (a 64-trial grid, epochs 5): the population at most 1/5 of the
local executor's wall time (goal 1/10), every trial identical.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
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


def _weights(run: Path) -> list[tuple[str, bytes]]:
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


def _engines(sweep: Path) -> str:
    found = {json.loads((t / "summary.json").read_text()).get("population_engine", "local")
             for t in (sweep / "trials").iterdir()}
    return ",".join(sorted(found))


def _steps_per_trial(sweep: Path) -> int:
    first = sorted((sweep / "trials").iterdir())[0]
    return json.loads((first / "summary.json").read_text())["steps"]


def _header(args: argparse.Namespace) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from adamctl.training.backend import versions

    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}, "
          + ", ".join(f"{k} {v}" for k, v in versions().items()))
    print(f"command: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}")
    print(f"{args.side ** 2} trials of quickstart (beta_2 x epsilon, {args.side} x {args.side}), "
          f"epochs={args.epochs}, median of {args.repeats} run(s) each, taking turns")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=8, help="grid points per axis (side^2 trials)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--sizes", default="auto,4,16,64",
                        help="population sizes to measure (auto: the executor's choice)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each executor (median)")
    args = parser.parse_args()
    _header(args)
    trials, sizes = args.side ** 2, args.sizes.split(",")
    walls: dict[str, list[float]] = {name: [] for name in ["local", *sizes]}
    with tempfile.TemporaryDirectory() as scratch:
        for repeat in range(args.repeats):
            for name in walls:
                where = Path(scratch) / f"{name}-{repeat}"
                extra = (("--executor", "local") if name == "local" else
                         ("--executor", "population",
                          *(() if name == "auto" else ("--population-size", name))))
                walls[name].append(_sweep(where, args, *extra))
        local = Path(scratch) / "local-0"
        steps = _steps_per_trial(local) * trials
        base = statistics.median(walls["local"])
        print(f"{'executor':<18}{'wall s':>9}{'trials/min':>12}{'member-steps/s':>16}"
              f"{'x local':>9}  {'engine':<10}identical")
        print(f"{'local':<18}{base:9.1f}{trials / base * 60:12.1f}{steps / base:16.0f}"
              f"{1.0:9.2f}  {'-':<10}-")
        for size in sizes:
            wall = statistics.median(walls[size])
            where = Path(scratch) / f"{size}-0"
            same, total = _identical(local, where)
            print(f"{'population P=' + size:<18}{wall:9.1f}{trials / wall * 60:12.1f}"
                  f"{steps / wall:16.0f}{base / wall:9.2f}  {_engines(where):<10}{same}/{total}")
        if args.repeats > 1:
            print("all runs (s): " + "; ".join(
                f"{name}: " + ", ".join(f"{w:.1f}" for w in runs) for name, runs in walls.items()))


if __name__ == "__main__":
    main()
