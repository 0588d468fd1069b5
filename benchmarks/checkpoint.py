"""Writing one checkpoint of a 10M-parameter model with its Adam state, against numpy.save.

The arrays: the weights of a 10M-parameter MLP (kernels and biases), Adam's m
and v for each, and the optimizer's scalars; about 120 MB of float32. Ours is
``adamctl.store.checkpoint.write_checkpoint`` (temporary folder, CRC-32 of
every file, fsync, manifest, rename). The baseline is ``numpy.save`` of the
same arrays into one file each, without and with an fsync of every file, in
the same folder; and ours with its fsyncs skipped, which isolates the rest of
its work (CRC-32, manifest, rename). Median of --repeats runs after a warm-up.

    python benchmarks/checkpoint.py [--repeats 5] [--dir /path/on/the/disk/to/measure]

Target: ours at most 2x numpy.save.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from adamctl.store.checkpoint import CheckpointData, Entry, write_checkpoint
from adamctl.store.rundir import RunDir

LAYERS = [(784, 2048), (2048, 2048), (2048, 1536), (1536, 10)]  # 9.98M parameters with biases


def _arrays() -> CheckpointData:
    rng = np.random.default_rng(0)
    model, optimizer = [], [Entry("adam/iteration", np.array(1000, "int64")),
                            Entry("adam/learning_rate", np.array(1e-3, "float32"))]
    for index, (fan_in, fan_out) in enumerate(LAYERS):
        for name, shape in (("kernel", (fan_in, fan_out)), ("bias", (fan_out,))):
            path = f"mlp/dense_{index}/{name}"
            model.append(Entry(path, rng.standard_normal(shape, dtype=np.float32)))
            for slot in ("momentum", "velocity"):
                optimizer.append(Entry(f"adam/{path.replace('/', '_')}_{slot}",
                                       rng.standard_normal(shape, dtype=np.float32)))
    return CheckpointData(step=1000, epoch=3, step_in_epoch=10, elapsed_s=12.5, config_hash="x",
                          model=model, optimizer=optimizer)


def _numpy_save(folder: Path, data: CheckpointData, fsync: bool) -> None:
    folder.mkdir()
    for index, entry in enumerate([*data.model, *data.optimizer]):
        path = folder / f"{index:04d}.npy"
        np.save(path, entry.array)
        if fsync:
            with open(path, "rb+") as handle:
                os.fsync(handle.fileno())


def _median(function, repeats: int, cleanup) -> float:
    """Median seconds of ``function``; each run starts with no dirty pages queued.

    Without the ``os.sync()`` between runs, one run's pending writeback slows
    the next one down, and the numbers mostly measure their order.
    """
    function()
    samples = []
    for _ in range(repeats):
        cleanup()
        os.sync()
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    cleanup()
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    data = _arrays()
    parameters = sum(e.array.size for e in data.model)
    megabytes = sum(e.array.nbytes for e in [*data.model, *data.optimizer]) / 1e6
    root = Path(tempfile.mkdtemp(dir=args.dir))
    counter = iter(range(10**6))

    def cleanup():
        for child in root.iterdir():
            shutil.rmtree(child)

    try:
        def ours(durable):
            def run():
                write_checkpoint(RunDir(root / "run"), data, keep=1, durable=durable)
            return run

        def plain(fsync):
            def run():
                _numpy_save(root / f"np-{next(counter)}", data, fsync)
            return run

        results = {
            "numpy.save": _median(plain(False), args.repeats, cleanup),
            "adamctl, no fsync": _median(ours(False), args.repeats, cleanup),
            "numpy.save + fsync": _median(plain(True), args.repeats, cleanup),
            "adamctl checkpoint": _median(ours(True), args.repeats, cleanup),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, numpy {np.__version__}; folder on {args.dir or 'tmp'}")
    print(f"{parameters / 1e6:.2f}M parameters + Adam m and v: {megabytes:.0f} MB; "
          f"median of {args.repeats}\n")
    base = results["numpy.save"]
    print(f"{'':22}{'ms':>9}{'MB/s':>9}{'/ numpy.save':>14}")
    for name, seconds in results.items():
        print(f"{name:22}{seconds * 1e3:>9.1f}{megabytes / seconds:>9.0f}{seconds / base:>14.2f}")


if __name__ == "__main__":
    main()
