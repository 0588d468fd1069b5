"""One Adam step, ours against keras.optimizers.Adam, beside a memory-streaming floor.

Times one ``optimizer.apply(grads, variables)`` inside a ``tf.function`` for
three shapes of model (10 variables of 1M floats, 100 of 10k, 400 of 1k),
amsgrad off and on. The floor is the time to stream the same bytes an Adam
step must move (read theta, g, m, v; write theta, m, v: 28 bytes a float32
parameter, 32 with amsgrad) with one fused TensorFlow op per variable.
Each timing is the median of --repeats rounds of --steps steps, after warm-up; the
contenders take turns within each round.

    python benchmarks/optimizer_step.py [--repeats 15] [--steps 10]

Target on a 2-core CPU: ours <= 0.5x Keras on 10 x 1M, never slower elsewhere.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from adamctl.core import Adam  # noqa: E402

SHAPES = [("10 x 1M", 10, 1_000_000), ("100 x 10k", 100, 10_000), ("400 x 1k", 400, 1_000)]


def _step_timer(optimizer, count: int, size: int):
    variables = [keras.Variable(np.random.rand(size).astype("float32")) for _ in range(count)]
    grads = [tf.constant(np.random.rand(size).astype("float32") - 0.5) for _ in range(count)]
    optimizer.build(variables)

    @tf.function
    def step():
        optimizer.apply(grads, variables)

    return step


def _floor_timer(count: int, size: int, amsgrad: bool):
    """Read 4 (5) arrays and write 3 (4): the bytes an Adam step must move."""
    reads = 5 if amsgrad else 4
    sources = [[tf.Variable(np.random.rand(size).astype("float32")) for _ in range(reads)]
               for _ in range(count)]

    @tf.function
    def stream():
        for arrays in sources:
            total = tf.add_n([a.read_value() for a in arrays])
            for target in arrays[: reads - 1]:
                target.assign(total)

    return stream


def _time_ms(function, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        function()
    return (time.perf_counter() - start) / steps * 1e3


def _interleaved_medians(functions: dict, steps: int, repeats: int) -> dict[str, float]:
    """Median ms per step of each function, timed in turn round after round.

    Interleaving spreads any slow phase of the machine over all contenders
    instead of charging it to whichever ran then.
    """
    for function in functions.values():
        for _ in range(3):
            function()  # trace and warm up
    samples = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            samples[name].append(_time_ms(function, steps))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; python "
          f"{platform.python_version()}, keras {keras.__version__}, tensorflow {tf.__version__}")
    print(f"median of {args.repeats} runs of {args.steps} steps, milliseconds per step\n")
    header = f"{'variables':<12}{'amsgrad':<9}{'floor':>9}{'keras':>9}{'ours':>9}" \
             f"{'ours/keras':>12}{'ours/floor':>12}"
    print(header)
    print("-" * len(header))
    for label, count, size in SHAPES:
        for amsgrad in (False, True):
            medians = _interleaved_medians({
                "floor": _floor_timer(count, size, amsgrad),
                "keras": _step_timer(keras.optimizers.Adam(amsgrad=amsgrad), count, size),
                "ours": _step_timer(Adam(amsgrad=amsgrad), count, size),
            }, args.steps, args.repeats)
            floor, theirs, ours = medians["floor"], medians["keras"], medians["ours"]
            print(f"{label:<12}{str(amsgrad):<9}{floor:>9.2f}{theirs:>9.2f}{ours:>9.2f}"
                  f"{ours / theirs:>12.2f}{ours / floor:>12.2f}")


if __name__ == "__main__":
    main()
