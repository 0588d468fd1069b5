"""Run a sweep's trials on this machine, in warm worker processes.

Each worker is a long-lived process that imports TensorFlow once and runs
trial after trial, with its share of the cores (intra-op threads = cores /
workers). A job may also be a population (:mod:`adamctl.population`): the
worker then answers once per trial, as each of its members ends. With ``gpus``, worker i sees only GPU ``gpus[i % len(gpus)]``
(``CUDA_VISIBLE_DEVICES`` is set in the worker before TensorFlow is
imported), so workers pinned one per GPU do not share one. A worker that dies (killed, out of memory) costs only the trial it
was running, which is recorded as failed, and is replaced; the others go on.

Workers never outlive the sweep (:mod:`adamctl.sweep._lifetime`). On
SIGINT or SIGTERM the parent sends SIGTERM to the busy workers, records the
trials they checkpoint and report as interrupted, and raises
:class:`SweepStopped`; a second signal stops them at once.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, Sized

__all__ = ["SweepStopped", "TrialJob", "job_backend", "pin_gpu", "run_job", "run_local",
           "worker_gpu"]

# How long stopped workers get to write their trial's checkpoint and answer.
_STOP_GRACE_S = 300.0


class SweepStopped(BaseException):
    """The sweep process got SIGINT or SIGTERM; the busy trials were stopped and reported."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@dataclass(frozen=True)
class TrialJob:
    """What a worker needs to run one trial: where, which config, train or resume."""

    trial_id: str
    run_dir: str
    config: dict[str, Any]
    resume: bool = False
    report: Any = None  # a search's adamctl.sweep.pruning.ReportTo when it prunes
    epochs: int | None = None  # resume to this many epochs (the plan's, after --extend)
    source: str | None = None  # the sweep's config file: named in errors and provenance


def run_job(job: TrialJob) -> dict[str, Any]:
    """Run one trial in this process; never raises for a trial's own failure.

    Returns ``{"trial", "status", "error", "summary"}``; status is the run's
    final status (completed, diverged, interrupted, failed, pruned).
    """
    import keras

    from adamctl.config import config_from_dict
    from adamctl.errors import AdamctlError, Interrupted, RunLocked, TrainingDiverged
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

            overrides = () if job.epochs is None else (f"training.epochs={job.epochs}",)
            resume(run_dir, overrides=overrides, allow_drift=bool(overrides),
                   warn=lambda message: None)
        else:
            status = train(config_from_dict(job.config), run_dir=run_dir, file=job.source,
                           extra_callbacks=pruning_callbacks(job.report)).status
    except Interrupted as failure:
        status, error = "interrupted", str(failure)
    except RunLocked as failure:  # busy, not broken: the sweep leaves it for later
        status, error = "locked", str(failure)
    except TrainingDiverged as failure:
        status, error = "diverged", str(failure)
    except (AdamctlError, Exception) as failure:  # a trial's failure must not stop the sweep
        status, error = "failed", f"{type(failure).__name__}: {failure}"
    summary = summary_of(RunDir(run_dir))
    return {"trial": job.trial_id, "status": status, "error": error, "summary": summary}


def pin_gpu(gpu: int | None) -> None:
    """Show this process's backend only GPU ``gpu`` (None: leave the GPUs as they are).

    Must run before the backend is imported: CUDA reads the variable once.
    """
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)


def job_backend(job: Any) -> str:
    """The Keras backend ``job`` trains on (a TrialJob, or a population, whose trials share it)."""
    from adamctl.config import backend_of

    trials = getattr(job, "trials", None)
    return backend_of((trials[0] if trials else job).config)


def _worker_main(connection: Connection, threads: int, parent_pid: int,
                 gpu: int | None = None, backend: str = "tensorflow") -> None:
    """A worker's life: pin its GPU, import ``backend``, limit threads, then run the jobs it is
    sent until told to stop. Keras reads its backend once per process, so a worker trains
    on one backend; the pool starts another worker for a job on another.

    When the parent is gone (the pipe closes), the worker exits quietly. A
    SIGTERM while a job runs stops its trial at a step boundary with a
    checkpoint, even before the trial's loop began; between jobs, it ends
    the worker at once.
    """
    from adamctl.sweep._lifetime import watch_parent
    from adamctl.training.backend import setup_worker_process, skip_unused_framework_imports
    from adamctl.training.interrupts import stop_signals_noted

    watch_parent(parent_pid)
    pin_gpu(gpu)
    skip_unused_framework_imports()  # a process of adamctl's own
    setup_worker_process(threads, backend)
    try:
        while (job := connection.recv()) is not None:
            with stop_signals_noted():  # a stop before the trial's loop still checkpoints it
                if hasattr(job, "trial_ids"):  # a population: one answer per trial, as each ends
                    from adamctl.population.worker import run_population_job

                    run_population_job(job, send=connection.send, run_trial=run_job)
                else:
                    connection.send(run_job(job))
    except (EOFError, OSError):
        return
    _leave_at_once()


def _leave_at_once() -> None:
    """Exit without the interpreter's teardown, once told to stop.

    Tearing down an interpreter with TensorFlow loaded takes about a second
    (measured 1.1 s), which the sweep waits for; by now every trial's files
    are written, synced and closed, so there is nothing left to tear down.
    """
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


class _Worker:
    def __init__(self, context: Any, threads: int, gpu: int | None = None,
                 backend: str = "tensorflow") -> None:
        from adamctl.sweep._lifetime import signals_ignored_by_children

        self.context, self.threads = context, threads
        self.gpu, self.backend = gpu, backend
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main,
                                       args=(child, threads, os.getpid(), gpu, backend),
                                       daemon=True)
        with signals_ignored_by_children():
            self.process.start()
        child.close()
        self.job: Any = None
        self.waiting: list[str] = []  # the trials of ``job`` not answered yet

    def for_backend(self, backend: str) -> "_Worker":
        """This idle worker when it trains on ``backend``; else it stops, and a new one on
        the same GPU that does takes its place."""
        if backend == self.backend:
            return self
        self.ask_to_stop()
        self.wait()
        return _Worker(self.context, self.threads, self.gpu, backend)

    def give(self, job: Any) -> None:
        """Send ``job`` (a TrialJob, or a population of them) to this worker."""
        self.job = job
        self.waiting = list(getattr(job, "trial_ids", None) or [job.trial_id])
        self.connection.send(job)

    def answered(self, trial_id: str) -> None:
        if trial_id in self.waiting:
            self.waiting.remove(trial_id)
        if not self.waiting:
            self.job = None

    def terminate(self) -> None:
        """Ask the worker to stop its trial at the next step, with a checkpoint."""
        if self.process.pid is not None and self.process.is_alive():
            try:
                os.kill(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def ask_to_stop(self) -> None:
        if self.process.is_alive():
            try:
                self.connection.send(None)
            except OSError:
                pass

    def wait(self) -> None:
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()


def run_local(
    jobs: Iterable[TrialJob],
    *,
    workers: int,
    on_outcome: Callable[[dict[str, Any]], None],
    gpus: Sequence[int] = (),
    deadline: float | None = None,
    on_start: Callable[[], None] | None = None,
) -> None:
    """Run ``jobs`` on ``workers`` warm processes; report each outcome as it comes.

    ``on_start()`` runs once the workers are started, while they import the
    framework (seconds): the caller's own preparations overlap with theirs.

    When ``time.monotonic()`` reaches ``deadline`` (``--budget``), no job
    starts any more and the running trials are stopped as SIGTERM stops
    them: checkpointed and reported interrupted.

    Outcomes arrive in completion order. ``jobs`` may be an iterator: the
    next job is taken only when a worker is free, after the outcomes that
    freed it were reported (a search asks its sampler then). A worker's death
    becomes a ``failed`` outcome naming its exit code, and a new worker takes
    its place (on the same GPU). With ``gpus``, worker i is pinned to
    ``gpus[i % len(gpus)]``.
    """
    context = multiprocessing.get_context("spawn")
    count = max(1, min(workers, len(jobs)) if isinstance(jobs, Sized) else workers)
    threads = max(1, (os.cpu_count() or 1) // count)
    pool: list[_Worker] = []
    pending = iter(jobs)
    # Each worker starts on its first job's backend: taken now, while the workers start.
    first = [job for _, job in zip(range(count), pending)]
    pending, more = itertools.chain(first, pending), bool(first)
    try:
        with _StopSignals():
            pool.extend(_Worker(context, threads, worker_gpu(index, gpus), job_backend(job))
                        for index, job in enumerate(first))
            if on_start is not None:
                on_start()
            while True:
                spent = deadline is not None and time.monotonic() >= deadline
                for index, worker in enumerate(pool):
                    if worker.job is None and more and not spent:
                        job = next(pending, None)
                        more = job is not None
                        if more:
                            pool[index] = worker = worker.for_backend(job_backend(job))
                            worker.give(job)
                if not any(w.job for w in pool):
                    break
                if spent:
                    _stop_busy(pool, on_outcome)
                    break
                _collect(pool, context, threads, on_outcome,
                         timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
    except SweepStopped:
        _stop_busy(pool, on_outcome)
        raise
    finally:
        # All asked first: each worker's exit (unloading TensorFlow, ~1 s) overlaps the others'.
        for worker in pool:
            worker.ask_to_stop()
        for worker in pool:
            worker.wait()


class _StopSignals:
    """While the pool runs, SIGINT and SIGTERM raise :class:`SweepStopped` (main thread only)."""

    def __enter__(self) -> "_StopSignals":
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._raise)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    @staticmethod
    def _raise(signum: int, frame: Any) -> None:
        raise SweepStopped(signum)


def _stop_busy(pool: list[_Worker], on_outcome: Callable[[dict[str, Any]], None]) -> None:
    """SIGTERM the busy workers and report what they answer; a second signal kills them."""
    def kill_all(signum: int, frame: Any) -> None:
        raise SweepStopped(signum)

    previous = {s: signal.signal(s, kill_all) for s in (signal.SIGINT, signal.SIGTERM)} \
        if threading.current_thread() is threading.main_thread() else {}
    try:
        for worker in pool:
            if worker.job is not None:
                worker.terminate()
        deadline = time.monotonic() + _STOP_GRACE_S
        while any(w.job for w in pool) and time.monotonic() < deadline:
            _collect(pool, None, 0, on_outcome, timeout=deadline - time.monotonic(),
                     stopping=True)
    except SweepStopped:
        pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for worker in pool:
            if worker.job is not None and worker.process.is_alive():
                worker.process.kill()


def _collect(pool: list[_Worker], context: Any, threads: int, on_outcome: Callable, *,
             timeout: float | None = None, stopping: bool = False) -> None:
    """Wait for any busy worker to answer or die, and report what happened.

    A dead worker is replaced when ``context`` is given. While ``stopping``,
    a worker that dies (SIGTERM before its trial had installed its handlers)
    reports ``stopped``: the trial's files say where it stands.
    """
    busy = [w for w in pool if w.job is not None]
    ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy], timeout)
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
            worker.answered(outcome["trial"])
        elif worker.connection in ready or worker.process.sentinel in ready:
            for death in _deaths(worker, stopping=stopping):
                on_outcome(death)
            worker.job = None
            if context is not None:
                pool[index] = _Worker(context, threads, worker.gpu, worker.backend)


def worker_gpu(index: int, gpus: Sequence[int]) -> int | None:
    """The GPU worker ``index`` is pinned to: round-robin over ``gpus``; None without."""
    return gpus[index % len(gpus)] if gpus else None


def _deaths(worker: _Worker, *, stopping: bool = False) -> list[dict[str, Any]]:
    """The outcomes of the trials a dead worker had not answered for."""
    worker.process.join(timeout=5)
    if stopping:
        return [{"trial": trial_id, "status": "stopped", "summary": None, "error": None}
                for trial_id in worker.waiting]
    code = worker.process.exitcode
    how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return [{
        "trial": trial_id, "status": "failed", "summary": None,
        "error": f"the worker process running it died ({how}); "
                 "adamctl sweep --resume continues it from its last checkpoint",
    } for trial_id in worker.waiting]
