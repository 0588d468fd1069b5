"""Adam populations on the JAX backend: jax.vmap against jax.lax.map, timed and checked bit for bit.

Every member is the quickstart trial (configs/quickstart.yaml with backend jax)
built by ``adamctl.training.session.prepare`` as ``adamctl train`` builds it,
and members differ only in their optimizer values: the first P of a fixed
shuffle of the 8 x 8 beta_2 x epsilon grid (geomspace(0.9, 0.9999) x
geomspace(1e-8, 1e-3)), with learning_rate cycling 1e-3, 3e-3, 3e-4, 1e-2 and
beta_1 cycling 0.9, 0.8, 0.95. All see the same batches (batch i = rows
[32 (i mod 51), +32) of x_train, wrapping).

The reference is each member's separate run, ``model.train_on_batch`` step by
step. A population of P members takes one jitted step over stacked member
states, with the member step mapped by ``jax.vmap`` (batched ops) or by
``jax.lax.map`` (a loop of per-member ops); the member step is Keras's own
``stateless_apply`` with adamctl's Adam scalars supplied per member. It also
times one member's jitted stateless step (Keras's own, Python-float
hyperparameters), the floor a population should beat.

    taskset -c 1 python benchmarks/jax_population.py [--sizes 4,16,64] [--steps 100]

Columns: compile seconds of the population step; median milliseconds per
population step (blocked on, first 10 steps left out); member-steps/s (P /
step time); that throughput over train_on_batch's and over the jitted single
step's; members bit-identical to their separate run (every loss and every
final model and optimizer array, by bytes); for the others, the earliest step
whose loss differs and the weight difference, max |w - w_ref| over max |w_ref|
of the weight array where that is largest (median and max over those members).
Expected (jax 0.10.2, CPU): vmap faster but no member exact (XLA sums batched
reductions and dots in another order), most members within ~1e-7 after 100
steps but one with learning_rate 1e-2 drifting to ~0.2; lax.map exact for
every member.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ["KERAS_BACKEND"] = "jax"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import yaml  # noqa: E402
from keras import ops  # noqa: E402

from adamctl.config import config_from_dict  # noqa: E402
from adamctl.core.adam import _StepScalars  # noqa: E402
from adamctl.training.backend import versions  # noqa: E402
from adamctl.training.session import prepare  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WARMUP = 10  # steps left out of the timing medians


def members(count: int) -> list[dict]:
    grid = itertools.product(np.geomspace(0.9, 0.9999, 8), np.geomspace(1e-8, 1e-3, 8))
    trials = [dict(learning_rate=[1e-3, 3e-3, 3e-4, 1e-2][i % 4], beta_1=[0.9, 0.8, 0.95][i % 3],
                   beta_2=float(b2), epsilon=float(eps)) for i, (b2, eps) in enumerate(grid)]
    return [trials[k] for k in np.random.default_rng(0).permutation(len(trials))][:count]


def session(hp: dict):
    cfg = yaml.safe_load((ROOT / "configs" / "quickstart.yaml").read_text())
    cfg["backend"] = "jax"
    cfg["optimizer"].update(hp)
    return prepare(config_from_dict(cfg))


def values(variables) -> list[np.ndarray]:
    return [np.array(v.value) for v in variables]


def separate_run(hp: dict, batches) -> tuple[dict, list[float]]:
    """One member's ``adamctl train``-built model stepped by train_on_batch: its record and step times."""
    model = session(hp).model
    ref = dict(init=(values(model.trainable_variables), values(model.optimizer.variables)))
    losses, times = [], []
    for x, y in batches:
        started = time.perf_counter()
        logs = model.train_on_batch(x, y, return_dict=True)  # Python floats: synchronous
        times.append(time.perf_counter() - started)
        losses.append(np.float32(logs["loss"]))
    ref.update(loss=np.array(losses), final=(values(model.trainable_variables),
                                             values(model.optimizer.variables)))
    return ref, times[WARMUP:]


class Steps:
    """Jittable steps on one template model and optimizer (stateless: all state passed in)."""

    def __init__(self, template):
        self.model, self.opt = template.model, template.model.optimizer
        self.ntv = [v.value for v in self.model.non_trainable_variables]
        self.mv = [v.value for v in self.model.metrics_variables]

    def loss_and_grads(self, tv, ov, x, y):
        def f(tv):
            loss, aux = self.model.compute_loss_and_updates(
                tv, self.ntv, self.mv, x, y, None, training=True, optimizer_variables=ov)
            return loss, aux[0]
        (_, unscaled), grads = jax.value_and_grad(f, has_aux=True)(tv)
        return unscaled, grads

    def single(self, tv, ov, x, y):
        """Keras's own update with the template's Python-float hyperparameters."""
        loss, grads = self.loss_and_grads(tv, ov, x, y)
        return (*self.opt.stateless_apply(ov, grads, tv), loss)

    def member(self, tv, ov, hp, x, y):
        """The same update with per-member scalars ("keras_fixed" of /work/jaxexp/pop.py):
        adamctl's Adam._scalars is shadowed on the instance by the member's values."""
        loss, grads = self.loss_and_grads(tv, ov, x, y)
        opt = self.opt

        def scalars(dtype, learning_rate):
            return _StepScalars(lr=ops.cast(learning_rate, dtype), beta_1=hp["b1"], beta_2=hp["b2"],
                                beta_1_power=hp["b1p"], beta_2_power=hp["b2p"], keep_1=hp["k1"],
                                keep_2=hp["k2"], epsilon=hp["eps"], fused_epsilon=hp["eps"])
        saved, opt.epsilon, opt._scalars = opt.epsilon, hp["eps"], scalars  # _step reads self.epsilon
        try:
            return (*opt.stateless_apply(ov, grads, tv), loss)
        finally:
            del opt._scalars
            opt.epsilon = saved

    def population(self, mems: list[dict], mode: str):
        b1s, b2s = [m["beta_1"] for m in mems], [m["beta_2"] for m in mems]
        # 1 - beta is rounded on the host: the separate run computes it in Python double from a
        # float beta, then rounds to float32; float32(1) - float32(beta) in the graph differs in
        # the last bits for most betas (0.9 among them), and that compounds over the steps.
        hp = dict(b1=np.float32(b1s), b2=np.float32(b2s), eps=np.float32([m["epsilon"] for m in mems]),
                  k1=np.float32([1 - b for b in b1s]), k2=np.float32([1 - b for b in b2s]))
        hp = {name: jnp.asarray(value) for name, value in hp.items()}  # arguments, not constants

        def powers(betas, t):
            # beta**t outside the mapped function, once per distinct beta: the scalar pow the
            # separate run executes. Inside the map it would be a pow of a (P,) vector under vmap,
            # whose vectorized lowering nothing promises to round alike; it is also fewer pows.
            distinct = sorted(set(betas))
            table = jnp.stack([ops.power(ops.cast(b, "float32"), t) for b in distinct])
            return table[np.array([distinct.index(b) for b in betas])]

        def step(tv, ov, x, y, hp):
            t = ops.cast(ov[0][0] + 1, "float32")  # every member is at the same iteration
            h = dict(hp, b1p=powers(b1s, t), b2p=powers(b2s, t))
            if mode == "vmap":
                return jax.vmap(self.member, in_axes=(0, 0, 0, None, None))(tv, ov, h, x, y)
            return jax.lax.map(lambda a: self.member(*a, x, y), (tv, ov, h))
        return jax.jit(step, donate_argnums=(0, 1)), hp


def timed_run(step, tv, ov, batches, *extra):
    """Compile, then run every batch: (compile s, median step s, per-step losses, final tv, ov)."""
    started = time.perf_counter()
    compiled = step.lower(tv, ov, *batches[0], *extra).compile()
    compile_s, losses, times = time.perf_counter() - started, [], []
    for x, y in batches:
        started = time.perf_counter()
        tv, ov, loss = jax.block_until_ready(compiled(tv, ov, x, y, *extra))
        times.append(time.perf_counter() - started)
        losses.append(np.asarray(loss))
    return compile_s, statistics.median(times[WARMUP:]), np.stack(losses), tv, ov


def compare(ref: dict, losses, tv, ov) -> tuple[bool, int | None, float]:
    """Bit-identical?, the first step whose loss differs, the largest relative weight difference."""
    tv, ov = [np.asarray(a) for a in tv], [np.asarray(a) for a in ov]
    differing = np.flatnonzero(losses.view(np.uint32) != ref["loss"].view(np.uint32))
    exact = not len(differing) and all(
        a.dtype == r.dtype and a.tobytes() == r.tobytes()
        for a, r in zip(tv + ov, ref["final"][0] + ref["final"][1]))
    rel = max(float(np.max(np.abs(a.astype(np.float64) - r)) / max(float(np.max(np.abs(r))), 1e-12))
              for a, r in zip(tv, ref["final"][0]))
    return exact, int(differing[0]) + 1 if len(differing) else None, rel


def stacked(refs: list[dict], axis: bool = True):
    """Each member's own initial model and optimizer values, stacked on a leading member axis."""
    join = np.stack if axis else (lambda arrays: arrays[0])
    return [[jnp.asarray(join(arrays)) for arrays in zip(*(r["init"][part] for r in refs))]
            for part in (0, 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,16,64", help="population sizes P (at most 64)")
    parser.add_argument("--steps", type=int, default=100, help="training steps (> 10)")
    args = parser.parse_args()
    sizes = [int(p) for p in args.sizes.split(",")]
    if not (0 < min(sizes) and max(sizes) <= 64 and args.steps > WARMUP):
        parser.error("sizes must be in 1..64 and steps > 10")
    mems = members(max(sizes))

    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores "
          f"({len(os.sched_getaffinity(0))} usable); " + ", ".join(
              f"{k} {v}" for k, v in versions().items()))
    print(f"command: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}")
    template = session(mems[0])  # member 0; its model and optimizer serve every jitted step
    ds = template.dataset
    batch, nb = template.config.data.batch_size, len(ds.x_train) // template.config.data.batch_size
    rows = [slice(batch * (i % nb), batch * (i % nb + 1)) for i in range(args.steps)]
    batches = [(ds.x_train[r], ds.y_train[r]) for r in rows]
    steps = Steps(template)

    started, refs, tob_times = time.perf_counter(), [], []
    for hp in mems:
        ref, times = separate_run(hp, batches)
        refs.append(ref)
        tob_times += times
    tob = statistics.median(tob_times)
    print(f"{len(mems)} separate runs x {args.steps} steps of quickstart in "
          f"{time.perf_counter() - started:.0f} s; train_on_batch: {tob * 1e3:.3f} ms/step, "
          f"{1 / tob:.0f} member-steps/s")

    jbatches = [(jnp.asarray(x), jnp.asarray(y)) for x, y in batches]
    compile_s, single, losses, tv, ov = timed_run(
        jax.jit(steps.single, donate_argnums=(0, 1)), *stacked(refs[:1], axis=False), jbatches)
    exact = compare(refs[0], losses, tv, ov)[0]
    print(f"jitted single step (member 0): compile {compile_s:.2f} s, {single * 1e3:.3f} ms/step, "
          f"{1 / single:.0f} member-steps/s, {tob / single:.1f}x train_on_batch, "
          f"{'bit-identical' if exact else 'NOT bit-identical'} to its separate run\n")

    header = (f"{'mode':<8}{'P':>4}{'compile s':>11}{'ms/step':>9}{'member-steps/s':>16}{'x tob':>7}"
              f"{'x jit':>7}{'exact':>8}{'1st loss diff':>15}{'dw rel median':>15}{'max':>9}")
    print(header + "\n" + "-" * len(header))
    for mode in ("vmap", "laxmap"):
        for P in sizes:
            step, hp = steps.population(mems[:P], mode)
            compile_s, med, losses, tv, ov = timed_run(step, *stacked(refs[:P]), jbatches, hp)
            results = [compare(refs[k], losses[:, k], [a[k] for a in tv], [a[k] for a in ov])
                       for k in range(P)]
            inexact = [r for r in results if not r[0]]
            first = min((r[1] for r in inexact if r[1] is not None), default=None)
            rate = P / med
            print(f"{mode:<8}{P:>4}{compile_s:>11.2f}{med * 1e3:>9.3f}{rate:>16.0f}{rate * tob:>7.1f}"
                  f"{rate * single:>7.2f}{f'{P - len(inexact)}/{P}':>8}"
                  f"{'-' if first is None else first:>15}"
                  f"{statistics.median([r[2] for r in inexact] or [0]):>15.2g}"
                  f"{max((r[2] for r in inexact), default=0):>9.2g}")


if __name__ == "__main__":
    main()
