"""What does `training.diagnostics_every: 50` cost in steps per second?

For each of configs/quickstart.yaml and configs/digits.yaml, one session
(one model, one optimizer, one process) trains in interleaved rounds of
--steps steps: a round with the Diagnostics callback (every 50 steps, files
written to a temporary folder), then a round without, and so on, so both arms
see the same machine load. Each round is one epoch of the loop, its
validation included, as in a run; both arms carry a no-op batch callback, as a
run always has callbacks (without any, Keras skips its per-batch hooks and the
comparison would charge that to the diagnostics). The first pair of rounds is a warm-up (it
traces the diagnostics reduction). Prints the median steps/s of each arm and
the overhead, 1 - with / without.

    python benchmarks/diagnostics_overhead.py [--rounds 5] [--steps 200] [--every 50]

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


def _measure(name: str, args: argparse.Namespace) -> tuple[float, float]:
    from adamctl.training.callbacks.diagnostics import Diagnostics

    session = prepare(load_config(ROOT / "configs" / name), file=name)
    with_diag, without = [], []
    with tempfile.TemporaryDirectory() as folder:
        for index in range(args.rounds + 1):
            run = RunDir(Path(folder) / f"round-{index}")
            run.root.mkdir()
            rate_on = _round(session, args.steps, lambda state: [_idle_callback(), Diagnostics(
                run.diagnostics_path, run.diagnostics_scalars_path, state, every=args.every)])
            rate_off = _round(session, args.steps, lambda state: [_idle_callback()])
            if index:  # round 0 is the warm-up
                with_diag.append(rate_on)
                without.append(rate_off)
    return statistics.median(with_diag), statistics.median(without)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
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
    print(f"{args.rounds} interleaved rounds of {args.steps} steps per arm after a warm-up, "
          f"diagnostics every {args.every} steps; medians\n")
    print(f"{'config':18}{'off steps/s':>14}{'on steps/s':>14}{'overhead':>10}")
    for name in CONFIGS:
        on, off = _measure(name, args)
        overhead = 1 - on / off
        verdict = "meets" if overhead <= 0.05 else "misses"
        print(f"{name:18}{off:>14.1f}{on:>14.1f}{overhead:>9.1%}  ({verdict} <= 5%)")


if __name__ == "__main__":
    main()
