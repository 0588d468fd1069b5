"""Run a sweep's trials as Ray tasks, on an existing cluster or a local Ray instance.

Ray's worker processes are reused from task to task, so TensorFlow is
imported once per worker, as with the local executor; trials on another
Keras backend run in workers of their own. Every node must see
the sweep directory at the same path (a shared filesystem), since each trial
writes its own run directory there.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

from adamctl.errors import UsageError

__all__ = ["run_ray"]


def _ray_trial(job: Any, threads: int) -> dict[str, Any]:
    """The task body: limit TensorFlow's threads once per worker, then run the trial."""
    from adamctl.sweep.local import job_backend, run_job
    from adamctl.training.backend import setup_worker_process

    setup_worker_process(threads, job_backend(job))
    return run_job(job)


def run_ray(
    jobs: Sequence[Any],
    *,
    address: str | None,
    workers: int,
    on_outcome: Callable[[dict[str, Any]], None],
) -> None:
    """Run ``jobs`` as Ray tasks, one CPU each, reporting outcomes as they finish.

    Without ``address`` a local Ray instance with ``workers`` CPUs is started
    and stopped afterwards; with one, the cluster at that address is joined.
    A task that dies (its worker killed) becomes a ``failed`` outcome.
    """
    try:
        import ray
    except ImportError:
        raise UsageError(
            "--executor ray needs Ray, which is not installed; pip install 'adamctl[ray]'"
        ) from None
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            address=address, num_cpus=None if address else workers,
            include_dashboard=False, log_to_driver=False, configure_logging=False,
        )
    try:
        _run_tasks(ray, jobs, workers, on_outcome)
    finally:
        if started_here:
            ray.shutdown()


def _run_tasks(ray: Any, jobs: Sequence[Any], workers: int, on_outcome: Callable) -> None:
    threads = max(1, (os.cpu_count() or 1) // max(1, workers))
    task = ray.remote(num_cpus=1, max_retries=0)(_ray_trial)
    pending = {_on_its_backend(task, job).remote(job, threads): job for job in jobs}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        for reference in done:
            job = pending.pop(reference)
            try:
                outcome = ray.get(reference)
            except Exception as error:  # the task's worker died or Ray failed it
                outcome = {"trial": job.trial_id, "status": "failed", "summary": None,
                           "error": f"Ray task failed: {type(error).__name__}: {error}"}
            on_outcome(outcome)


def _on_its_backend(task: Any, job: Any) -> Any:
    """``task`` for a worker whose Keras runs on ``job``'s backend.

    Keras reads its backend once per process and Ray reuses its workers, so
    a trial on another backend than TensorFlow names it in the task's
    runtime environment: Ray runs tasks of different environments in
    different worker processes.
    """
    from adamctl.sweep.local import job_backend

    backend = job_backend(job)
    if backend == "tensorflow":
        return task
    return task.options(runtime_env={"env_vars": {"KERAS_BACKEND": backend}})
