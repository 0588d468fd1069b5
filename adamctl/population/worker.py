"""Train one population in a sweep worker: the fastest exact engine, else each trial alone.

The stacked engine is tried first, then the replicated one; an engine is
used only when its shadow check passes (:mod:`adamctl.population.shadow`).
The separate runs the check compares against are trained once, before any
engine is built, and serve both checks. The check's steps are also timed
(:mod:`adamctl.population.probe`): summary.json records what the population
gains (``population_probe``). When neither engine is exact on this machine
(or applies), or the probe measures the population slower than separate
runs, the worker trains the trials one by one as the local executor does,
and each summary.json says why (``population_fallback``).
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable

from adamctl.population.jobs import PopulationJob, note_fallback

__all__ = ["run_population_job"]


def run_population_job(job: PopulationJob, *, send: Callable[[dict[str, Any]], None],
                       run_trial: Callable[[Any], dict[str, Any]]) -> None:
    """Train ``job``'s trials; ``send`` each trial's outcome as it ends.

    ``run_trial(trial_job)`` trains one trial alone (the local executor's
    ``run_job``), for the fallback.
    """
    send = _parent_may_be_gone(send)
    trials = list(job.trials)
    why = _trains_alone(trials)
    if why is not None:
        _one_by_one(trials, why, send, run_trial)
        return
    alone, steps = _separate_runs(trials)
    fits = _members_that_fit(alone)
    if fits < len(trials):  # too big for this worker's share of memory: in turns
        for start in range(0, len(trials), fits):
            run_population_job(PopulationJob(tuple(trials[start:start + fits])), send=send,
                               run_trial=run_trial)
        return
    engine, notes, probe = _exact_engine(trials, alone, steps)
    if probe is not None and not probe.pays:
        engine, notes = None, [f"the probe found separate runs faster: {probe.describe()}"]
    if engine is None:
        _one_by_one(trials, "; ".join(notes), send, run_trial)
        return
    facts = {"executor": "population", "population_size": len(trials),
             "population_engine": engine.name,
             "population_exactness": "shadow check passed (bit-identical to a separate run)"}
    if probe is not None:
        facts["population_probe"] = probe.describe()
    if notes:
        facts["population_note"] = "; ".join(notes)
    _train(engine, facts, send)


def _trains_alone(trials: list[Any]) -> str | None:
    """Why these trials cannot train as a population at all, before anything is built."""
    from adamctl.population.grouping import backend_problem

    if len(trials) == 1:  # nothing to share a step with (the last of a population in turns)
        return "a population of one trial trains alone"
    return backend_problem(trials[0].config)


def _one_by_one(trials: list[Any], why: str, send: Callable[[dict[str, Any]], None],
                run_trial: Callable[[Any], dict[str, Any]]) -> None:
    """Train the trials one by one as the local executor does; each summary.json says why."""
    stopped = False
    for trial in trials:
        if stopped:  # never started: answered at once, left for a resume
            send({"trial": trial.trial_id, "status": "stopped", "summary": None, "error": None})
            continue
        outcome = note_fallback(run_trial(trial), Path(trial.run_dir), why)
        send(outcome)
        stopped = outcome["status"] == "interrupted"


def _parent_may_be_gone(send: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """``send`` that shrugs off a closed pipe: when the sweep process died, the worker
    still stops every member with a checkpoint (its files are the record)."""

    def quiet(outcome: dict[str, Any]) -> None:
        try:
            send(outcome)
        except (OSError, EOFError):
            pass

    return quiet


def _separate_runs(trials: list[Any]) -> tuple[dict[int, Any], list[int]]:
    """The shadow check's separate runs of the representative members, by index; the steps."""
    from adamctl.population.shadow import representatives, separate_run

    steps = None
    alone = {}
    for index in representatives([trial.config for trial in trials]):
        alone[index], steps = separate_run(trials[index], steps)
    return alone, steps


# A member's share of memory in a population: its stacked state (weights, m,
# v, v_hat, metrics, about what a separate run's variables take) plus the
# step's gradients and temporaries, taken as three times that in all.
_STATE_COPIES = 3


def _members_that_fit(alone: dict[int, Any]) -> int:
    """How many members this worker's share of free memory holds (a quarter of it)."""
    import os

    member = _STATE_COPIES * sum(a.nbytes for a in next(iter(alone.values())).arrays)
    share = _available_memory() // max(1, os.cpu_count() or 1) // 4
    return max(2, share // max(1, member))


def _available_memory() -> int:
    import os

    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _exact_engine(trials: list[Any], alone: dict[int, Any],
                  steps: list[int]) -> tuple[Any, list[str], Any]:
    """The first engine that applies and passes the shadow check, why others did not, and the
    probe of its speed (:class:`~adamctl.population.probe.Probe`, None when not timed)."""
    from adamctl.config import backend_of
    from adamctl.population.probe import probe_of
    from adamctl.population.shadow import shadow_compare

    notes: list[str] = []
    for build in _engines(backend_of(trials[0].config)):
        engine, why = build(trials)
        if engine is not None:
            timings: dict[str, Any] = {}
            why = shadow_compare(engine, alone, steps, timings)
            if why is None:
                first = next(iter(alone.values()))
                return engine, notes, probe_of(len(trials), first.step_s, timings)
        notes.append(why)
    return None, notes, None


def _engines(backend: str) -> list[Callable]:
    """The engine builders for ``backend``, the fastest first."""
    if backend == "jax":
        from adamctl.population.mapped import build_mapped

        return [build_mapped]
    from adamctl.population.replicated import build_replicated
    from adamctl.population.stacked_engine import build_stacked

    return [build_stacked, build_replicated]


def _train(engine: Any, facts: dict[str, Any], send: Callable[[dict[str, Any]], None]) -> None:
    """Open every member's run, train them together, and answer for every trial whatever happens."""
    from adamctl.errors import RunLocked
    from adamctl.population.background import BackgroundWrites
    from adamctl.population.lockstep import train_together
    from adamctl.training.interrupts import StopOnSignal

    answered: set[str] = set()

    def answer(outcome: dict[str, Any]) -> None:
        answered.add(outcome["trial"])
        send(outcome)

    writes = BackgroundWrites()
    with ExitStack() as locks, StopOnSignal() as stop:
        opened = []
        for member in engine.members:
            try:
                member.open(locks, population=facts, capture=engine.capture_for(member),
                            write=writes.write_checkpoint, write_file=writes.write_file,
                            weights=engine.weights_for(member), flush=writes.flush)
                opened.append(member)
            except RunLocked as busy:  # another process writes it: left for a later resume
                answer({"trial": member.trial_id, "status": "locked", "error": str(busy),
                        "summary": None})
        engine.members = opened
        locks.callback(writes.close)  # runs first on the way out: before the locks go
        try:
            train_together(engine, answer, stop=stop, flush=writes.flush)
        except BaseException as error:
            _fail_unanswered(engine, answered, error, answer)
            if not isinstance(error, Exception):
                raise


def _fail_unanswered(engine: Any, answered: set[str], error: BaseException,
                     answer: Callable[[dict[str, Any]], None]) -> None:
    """Record every member still running as failed (a bug or an I/O error, not a trial's fault)."""
    from adamctl.store.summary import summary_of
    from adamctl.training.run import _record_failure

    for member in engine.members:
        if member.trial_id in answered or member.summary is None:
            continue
        _record_failure(member.summary, error)
        answer({"trial": member.trial_id, "status": "failed",
                "error": f"{type(error).__name__}: {error}", "summary": summary_of(member.run)})
