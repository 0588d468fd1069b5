"""How much does `adamctl train` cost over a plain Keras `model.fit` script?

Both train the same MLP on the same synthetic arrays with the same batch size,
epochs and validation data, each in a fresh process. adamctl's time is the
training loop's wall time from summary.json (per-step checkpoint-free, with
its epoch-end checkpoints, metrics.csv and summary.json writes included);
the plain script times `model.fit` alone. Neither counts interpreter start-up
or the TensorFlow import. Prints steps per second side by side and the ratio.

    python benchmarks/train_overhead.py [--repeats 3] [--epochs 5]

Target: adamctl within 5% of plain Keras (ratio >= 0.95).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from adamctl.store import RunDir
from adamctl.store.summary import summary_of

CONFIG = {
    "name": "overhead",
    "seed": 0,
    "data": {"source": "synthetic", "samples": 10240, "features": 32, "classes": 4,
             "batch_size": 64, "validation_split": 0.2},
    "model": {"preset": "mlp", "hidden": [128, 128]},
    "optimizer": {"learning_rate": 0.001},
    "training": {"epochs": 5},
}

PLAIN_FIT = r"""
import json, sys, time
import keras
from adamctl.config import load_config
from adamctl.data import load_dataset

config = load_config(sys.argv[1])
keras.utils.set_random_seed(config.seed)
data = load_dataset(config.data, seed=config.seed)
model = keras.Sequential([keras.Input(data.input_shape)]
    + [keras.layers.Dense(units, activation="relu") for units in config.model.hidden]
    + [keras.layers.Dense(data.num_classes)])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=config.optimizer["learning_rate"]),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
started = time.perf_counter()
history = model.fit(data.x_train, data.y_train, batch_size=config.data.batch_size,
                    epochs=config.training.epochs, validation_data=(data.x_val, data.y_val),
                    shuffle=True, verbose=0)
seconds = time.perf_counter() - started
steps = config.training.epochs * -(-len(data.x_train) // config.data.batch_size)
print(json.dumps({"steps": steps, "seconds": seconds}))
"""


def _environment() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1"}


def _adamctl_run(config_path: Path, workdir: Path, index: int) -> float:
    run_dir = workdir / f"run-{index}"
    subprocess.run(
        [sys.executable, "-m", "adamctl", "train", str(config_path), "--run-dir", str(run_dir), "-q"],
        check=True, env=_environment(), capture_output=True,
    )
    summary = summary_of(RunDir(run_dir))
    return summary["steps"] / summary["wall_time_s"]


def _plain_run(config_path: Path) -> float:
    process = subprocess.run(
        [sys.executable, "-c", PLAIN_FIT, str(config_path)],
        check=True, env=_environment(), capture_output=True, text=True,
    )
    result = json.loads(process.stdout.strip().splitlines()[-1])
    return result["steps"] / result["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    CONFIG["training"]["epochs"] = args.epochs
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        config_path = workdir / "overhead.yaml"
        config_path.write_text(yaml.safe_dump(CONFIG))
        ours, plain = [], []
        for index in range(args.repeats):  # alternate, so drift hits both alike
            plain.append(_plain_run(config_path))
            ours.append(_adamctl_run(config_path, workdir, index))
    _report(statistics.median(ours), statistics.median(plain), ours, plain, args)


def _report(ours: float, plain: float, ours_all, plain_all, args) -> None:
    import keras  # noqa: F401  (versions only, after the runs)
    import tensorflow as tf

    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"versions: python {platform.python_version()}, keras {keras.__version__}, "
          f"tensorflow {tf.__version__}")
    print(f"workload: {json.dumps(CONFIG)}; median of {args.repeats} runs each\n")
    print(f"{'':24}{'steps/s (median)':>18}{'all runs':>30}")
    print(f"{'plain keras model.fit':24}{plain:>18.1f}{', '.join(f'{x:.0f}' for x in plain_all):>30}")
    print(f"{'adamctl train':24}{ours:>18.1f}{', '.join(f'{x:.0f}' for x in ours_all):>30}")
    ratio = ours / plain
    verdict = "meets" if ratio >= 0.95 else "misses"
    print(f"\nratio adamctl / plain: {ratio:.3f} ({verdict} the target of >= 0.95)")


if __name__ == "__main__":
    main()
