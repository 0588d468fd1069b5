"""Trials per minute: `adamctl sweep` with warm workers against one `adamctl train` per trial.

A 12-trial grid of the quickstart config (beta_1 x epsilon, 4 x 3) runs once
through ``adamctl sweep`` (the default worker count: one per core) and once
as 12 ``adamctl train`` processes, one after another, each starting Python
and TensorFlow afresh. Both are timed from start to finish as a user would
see them.

    python benchmarks/sweep_throughput.py [--epochs 2]

Target: the sweep at least 2x the trials per minute.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BETA_1 = ["0.8", "0.85", "0.9", "0.95"]
EPSILON = ["1e-8", "1e-7", "1e-4"]


def _environment() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _sweep(workdir: Path, epochs: int) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "adamctl", "sweep", str(ROOT / "configs" / "quickstart.yaml"),
         "--grid", f"optimizer.beta_1={','.join(BETA_1)}",
         "--grid", f"optimizer.epsilon={','.join(EPSILON)}",
         "--set", f"training.epochs={epochs}", "--sweep-dir", str(workdir / "sweep"), "-q"],
        check=True, env=_environment(), capture_output=True,
    )
    return time.perf_counter() - start


def _one_process_each(workdir: Path, epochs: int) -> float:
    start = time.perf_counter()
    for index, (beta_1, epsilon) in enumerate(itertools.product(BETA_1, EPSILON)):
        subprocess.run(
            [sys.executable, "-m", "adamctl", "train", str(ROOT / "configs" / "quickstart.yaml"),
             "--set", f"optimizer.beta_1={beta_1}", "--set", f"optimizer.epsilon={epsilon}",
             "--set", f"training.epochs={epochs}", "--run-dir", str(workdir / f"t{index}"), "-q"],
            check=True, env=_environment(), capture_output=True,
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    trials = len(BETA_1) * len(EPSILON)
    with tempfile.TemporaryDirectory() as tmp:
        serial = _one_process_each(Path(tmp), args.epochs)
        swept = _sweep(Path(tmp), args.epochs)
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}")
    print(f"{trials} trials of configs/quickstart.yaml, {args.epochs} epochs each\n")
    print(f"{'':34}{'seconds':>9}{'trials/min':>12}")
    for name, seconds in (("adamctl train, one process each", serial),
                          ("adamctl sweep, warm workers", swept)):
        print(f"{name:34}{seconds:>9.1f}{trials / seconds * 60:>12.1f}")
    ratio = serial / swept
    print(f"\nratio sweep / one-by-one: {ratio:.2f}x "
          f"({'meets' if ratio >= 2 else 'misses'} the target of >= 2x)")


if __name__ == "__main__":
    main()
