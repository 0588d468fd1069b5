"""Listing 1,000 runs with ``adamctl runs``, against a plain json.load loop over the same files.

Creates --runs fake run directories (a realistic summary.json each, written
by the store's own ``RunSummary``, 20 epochs of four metrics) in a
temporary folder, then times: the baseline, a loop that ``json.load``\\ s
every summary.json; ours in-process, ``runs_table`` (the library call
behind the command); and the CLI, ``adamctl runs DIR --format
csv`` as a real process (Python start-up and imports included). Median of
--repeats runs after a warm-up.

    python benchmarks/runs_table.py [--runs 1000] [--repeats 5]

Target: in-process at most 3x the json.load loop; the CLI under a second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from adamctl.store import RunDir
from adamctl.store.catalog import runs_table
from adamctl.store.summary import RunSummary


def _make_runs(root: Path, count: int) -> list[Path]:
    """``count`` run folders, each with a copy of one summary the store wrote (20 epochs)."""
    template = RunSummary.start(root / "template.json", name="run", run_dir="", seed=0,
                                provenance={"command": "adamctl train x.yaml"})
    for epoch in range(1, 21):
        loss = 1.0 / epoch
        template._take(epoch, 50 * epoch, {"loss": loss, "val_loss": loss * 1.1,
                                           "accuracy": 1 - loss, "val_accuracy": 1 - loss * 1.1,
                                           "learning_rate": 0.001})
    template.data.update(status="completed", steps=1000, epochs_completed=20, wall_time_s=40.0)
    (root / "template.json").unlink()
    paths = []
    for index in range(count):
        run = RunDir(root / f"run{index:05d}-20260101-120000")
        run.root.mkdir(parents=True)
        # Plain writes: the fsyncs of atomic writes would make setup take minutes.
        run.summary_path.write_text(json.dumps({**template.data, "name": f"run{index}",
                                                "run_dir": str(run.root)}, indent=2))
        paths.append(run.summary_path)
    return paths


def _median(function, repeats: int) -> float:
    function()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp())
    try:
        paths = _make_runs(root, args.runs)
        adamctl = Path(sys.executable).with_name("adamctl")
        command = [str(adamctl), "runs", str(root), "--format", "csv"]

        def baseline():
            for path in paths:
                with open(path, "rb") as handle:
                    json.load(handle)

        def library():
            assert len(runs_table(root)) == args.runs

        def cli():
            subprocess.run(command, check=True, capture_output=True)

        results = {"json.load loop": _median(baseline, args.repeats),
                   "adamctl.store.catalog": _median(library, args.repeats),
                   "adamctl runs (process)": _median(cli, args.repeats)}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}; {args.runs} runs, median of {args.repeats}\n")
    base = results["json.load loop"]
    print(f"{'':26}{'ms':>9}{'/ json.load':>13}")
    for name, seconds in results.items():
        print(f"{name:26}{seconds * 1e3:>9.1f}{seconds / base:>13.2f}")


if __name__ == "__main__":
    main()
