"""Run a sweep's trials on this machine, in warm worker processes.

Each worker is a long-lived process that imports TensorFlow once and runs
trial after trial, with its share of the cores (intra-op threads = cores /
workers). A worker that dies (killed, out of memory) costs only the trial it
was running, which is recorded as failed, and is replaced; the others go on.
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, Iterable, Sized

__all__ = ["TrialJob", "run_local", "run_job"]


@dataclass(frozen=True)
class TrialJob:
    """What a worker needs to run one trial: where, which config, train or resume."""

    trial_id: str
    run_dir: str
    config: dict[str, Any]
    resume: bool = False
    report: Any = None  # a search's adamctl.sweep.pruning.ReportTo when it prunes


def run_job(job: TrialJob) -> dict[str, Any]:
    """Run one trial in this process; never raises for a trial's own failure.

    Returns ``{"trial", "status", "error", "summary"}``; status is the run's
    final status (completed, diverged, interrupted, failed, pruned).
    """
    import keras

    from adamctl.config import config_from_dict
    from adamctl.errors import AdamctlError, Interrupted, TrainingDiverged
    from adamctl.sweep.pruning import pruning_callbacks
    from adamctl.training.run import train
    from adamctl.store import RunDir
    from adamctl.store.summary import summary_of

    keras.backend.clear_session()  # a fresh graph and name counters for each trial
    run_dir = Path(job.run_dir)
    status, error = "completed", None
    try:
        if job.resume:
            from adamctl.training.resume import resume

            resume(run_dir, warn=lambda message: None)
        else:
            status = train(config_from_dict(job.config), run_dir=run_dir,
                           extra_callbacks=pruning_callbacks(job.report)).status
    except Interrupted as failure:
        status, error = "interrupted", str(failure)
    except TrainingDiverged as failure:
        status, error = "diverged", str(failure)
    except (AdamctlError, Exception) as failure:  # a trial's failure must not stop the sweep
        status, error = "failed", f"{type(failure).__name__}: {failure}"
    summary = summary_of(RunDir(run_dir))
    return {"trial": job.trial_id, "status": status, "error": error, "summary": summary}


def _worker_main(connection: Connection, threads: int) -> None:
    """A worker's life: limit threads, then run the jobs it is sent until told to stop."""
    from adamctl.training.backend import setup_worker_process

    setup_worker_process(threads)
    while True:
        job = connection.recv()
        if job is None:
            return
        connection.send(run_job(job))


class _Worker:
    def __init__(self, context: Any, threads: int) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, threads), daemon=True)
        self.process.start()
        child.close()
        self.job: TrialJob | None = None

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self.connection.send(None)
            except OSError:
                pass
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()


def run_local(
    jobs: Iterable[TrialJob],
    *,
    workers: int,
    on_outcome: Callable[[dict[str, Any]], None],
) -> None:
    """Run ``jobs`` on ``workers`` warm processes; report each outcome as it comes.

    Outcomes arrive in completion order. ``jobs`` may be an iterator: the
    next job is taken only when a worker is free, after the outcomes that
    freed it were reported (a search asks its sampler then). A worker's death becomes a
    ``failed`` outcome naming its exit code, and a new worker takes its place.
    """
    context = multiprocessing.get_context("spawn")
    count = max(1, min(workers, len(jobs)) if isinstance(jobs, Sized) else workers)
    threads = max(1, (os.cpu_count() or 1) // count)
    pool = [_Worker(context, threads) for _ in range(count)]
    pending, more = iter(jobs), True
    try:
        while True:
            for worker in pool:
                if worker.job is None and more:
                    worker.job = next(pending, None)
                    more = worker.job is not None
                    if more:
                        worker.connection.send(worker.job)
            if not any(w.job for w in pool):
                break
            _collect(pool, context, threads, on_outcome)
    finally:
        for worker in pool:
            worker.stop()


def _collect(pool: list[_Worker], context: Any, threads: int, on_outcome: Callable) -> None:
    """Wait for any busy worker to answer or die, and report what happened."""
    busy = [w for w in pool if w.job is not None]
    ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
    for index, worker in enumerate(pool):
        if worker.job is None:
            continue
        outcome = None
        if worker.connection in ready:
            try:
                outcome = worker.connection.recv()
            except (EOFError, OSError):  # the pipe closed: the worker died
                outcome = None
        if outcome is not None:
            on_outcome(outcome)
            worker.job = None
        elif worker.connection in ready or worker.process.sentinel in ready:
            on_outcome(_death(worker))
            pool[index] = _Worker(context, threads)


def _death(worker: _Worker) -> dict[str, Any]:
    worker.process.join(timeout=5)
    code = worker.process.exitcode
    how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return {
        "trial": worker.job.trial_id, "status": "failed", "summary": None,
        "error": f"the worker process running it died ({how}); "
                 "adamctl sweep --resume continues it from its last checkpoint",
    }
