"""What does `training.diagnostics_every: 50` cost in steps per second?

For each of configs/quickstart.yaml and configs/digits.yaml, one session
(one model, one optimizer, one process) trains in rounds of --steps steps,
with the Diagnostics callback (every 50 steps, files written to a temporary
folder) and without, in pairs whose order alternates (on-off, off-on, ...)
so that a drift in the machine's load falls on both arms alike. Each round
is one epoch of the loop, its validation included, as in a run; both arms
carry a no-op batch callback, as a run always has callbacks (without any,
Keras skips its per-batch hooks and the comparison would charge that to the
diagnostics). The first pair is a warm-up (it traces and compiles the
diagnostics). Prints the median steps/s of each arm, the overhead
1 - median(with) / median(without), and the median and quartiles of the
overhead of each pair: on a shared machine single rounds vary by about 10%.

    python benchmarks/diagnostics_overhead.py [--rounds 15] [--steps 200] [--every 50]

Target: overhead <= 5%.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from adamctl.config import load_config
from adamctl.store.rundir import RunDir
from adamctl.training.loop import LoopState, train_loop
from adamctl.training.session import prepare

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ("quickstart.yaml", "digits.yaml")


def _round(session, steps: int, hooks_for) -> float:
    """Steps per second of one epoch of ``steps`` steps with ``hooks_for(state)``'s callbacks."""
    state = LoopState(epochs=1, steps_per_epoch=steps)
    data = session.config.data
    callbacks = hooks_for(state)
    started = time.perf_counter()
    train_loop(session.model, session.dataset, state, batch_size=data.batch_size,
               seed=session.config.seed, shuffle=data.shuffle, callbacks=callbacks)
    return steps / (time.perf_counter() - started)


def _idle_callback():
    import keras

    class Idle(keras.callbacks.Callback):
        """Stands in for a run's own callbacks (metrics, summary, checkpoints), present in
        both arms: with none at all, Keras skips its per-batch hook calls altogether."""

        def on_train_batch_end(self, batch, logs=None):
            pass

    return Idle()


def _measure(name: str, args: argparse.Namespace) -> tuple[list[float], list[float]]:
    """Steps/s of each round with and without diagnostics, warm-up pair left out."""
    from adamctl.training.callbacks.diagnostics import Diagnostics

    session = prepare(load_config(ROOT / "configs" / name), file=name)
    with_diag, without = [], []
    with tempfile.TemporaryDirectory() as folder:
        for index in range(args.rounds + 1):
            run = RunDir(Path(folder) / f"round-{index}")
            run.root.mkdir()
            arms = [("on", lambda state: [_idle_callback(), Diagnostics(
                run.diagnostics_path, run.diagnostics_scalars_path, state, every=args.every)]),
                    ("off", lambda state: [_idle_callback()])]
            rates = {arm: _round(session, args.steps, hooks)
                     for arm, hooks in (arms if index % 2 == 0 else arms[::-1])}
            if index:  # pair 0 is the warm-up
                with_diag.append(rates["on"])
                without.append(rates["off"])
    return with_diag, without


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    low, median, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, median, high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--every", type=int, default=50)
    args = parser.parse_args()
    import keras
    import tensorflow as tf

    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"load average {os.getloadavg()[0]:.1f} (a shared, loaded machine inflates the spread)")
    print(f"versions: python {platform.python_version()}, keras {keras.__version__}, "
          f"tensorflow {tf.__version__}")
    print(f"{args.rounds} pairs of rounds of {args.steps} steps after a warm-up pair, order "
          f"alternating, diagnostics every {args.every} steps; medians\n")
    print(f"{'config':18}{'off steps/s':>14}{'on steps/s':>14}{'overhead':>10}"
          f"{'per pair: median [quartiles]':>34}")
    for name in CONFIGS:
        on, off = _measure(name, args)
        overhead = 1 - statistics.median(on) / statistics.median(off)
        low, median, high = _quartiles([1 - a / b for a, b in zip(on, off)])
        verdict = "meets" if overhead <= 0.05 else "misses"
        print(f"{name:18}{statistics.median(off):>14.1f}{statistics.median(on):>14.1f}"
              f"{overhead:>9.1%}{median:>15.1%} [{low:.1%}, {high:.1%}]  ({verdict} <= 5%)")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
