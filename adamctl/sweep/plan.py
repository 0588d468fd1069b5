"""A sweep plan: the grid expanded into trials, each with its full, validated config.

Every trial's config is resolved before any trial starts, so a bad value in
the grid ends the command before anything runs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from adamctl._direction import metric_direction
from adamctl.config import MAX_TRIALS, count_points
from adamctl.config.schema import MAX_SEED, Config
from adamctl.config.overrides import NotAMapping, set_path
from adamctl.errors import ConfigError
from adamctl.sweep.grid import Trial, expand, grid_values

__all__ = ["SweepPlan", "plan_sweep", "plan_from_dict", "replan", "execution_of"]


@dataclass(frozen=True)
class SweepPlan:
    """Everything a sweep will run, as plain data (written to ``sweep.yaml``).

    Attributes:
        name: the sweep's name (the base config's).
        base: the resolved base config, as a mapping, without its sweep section.
        grid: each swept key with the list of values it takes.
        seeds: the seeds every grid point is repeated over.
        metric: the metric reports sort by; ``mode``: min or max.
        trials: the trials, in expansion order (the latest attempt of each).
        configs: each trial's resolved config, by trial id.
        history: what changed the sweep after it started, oldest first
            (``sweep --resume --rerun`` and ``--extend``), as plain mappings.
        source: the config file the sweep was planned from (absolute), or
            None; each trial's provenance names it, with its git state.
        execution: how the trials run unless the command line says otherwise
            (``sweep.executor`` and ``sweep.population_size``); never part of
            what a trial computes, so not of the plan a resume must match.
    """

    name: str
    base: dict[str, Any]
    grid: dict[str, list[Any]]
    seeds: tuple[int, ...]
    metric: str
    mode: str
    trials: tuple[Trial, ...]
    configs: dict[str, dict[str, Any]]
    history: tuple[dict[str, Any], ...] = ()
    source: str | None = None
    execution: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def swept_keys(self) -> list[str]:
        return list(self.grid)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "metric": self.metric, "mode": self.mode,
            "grid": self.grid, "seeds": list(self.seeds),
            "trials": [_trial_entry(t) for t in self.trials],
            **({"source": self.source} if self.source else {}),
            **({"execution": dict(self.execution)} if self.execution else {}),
            "base": self.base,
            **({"history": list(self.history)} if self.history else {}),
        }


def _trial_entry(trial: Trial) -> dict[str, Any]:
    entry = {"id": trial.id, "point": trial.point.id, "seed": trial.seed,
             "values": trial.point.as_dict()}
    if trial.attempt > 1:
        entry["attempt"] = trial.attempt
    return entry


def plan_sweep(
    config: Config,
    *,
    seeds: int | None = None,
    source: str | Path | None = None,
) -> SweepPlan:
    """Expand ``config``'s sweep section, repeated over ``seeds`` (``--seeds N``) if given.

    The grid was checked when the config was resolved (``--grid`` entries are
    given to :func:`adamctl.config.load_config`, which adds them to
    ``sweep.grid``); here it is only expanded, and each trial's config built.

    Raises:
        ConfigError: nothing to sweep, too many trials, or a value that makes
            some trial's config invalid (naming the trial).
    """
    from adamctl.config import config_to_dict

    section = config.sweep
    grid: dict[str, Any] = dict(section.grid) if section else {}
    seed_list = _seeds(config, section, seeds, count_points(grid))
    if not grid and len(seed_list) < 2:
        raise ConfigError(
            "nothing to sweep: give --grid KEY=v1,v2 (or a sweep.grid section) or --seeds N",
            file=source,
        )
    source_name = None if source is None else str(source)
    grid = {key: grid_values(spec) for key, spec in grid.items()}
    base = config_to_dict(config)
    base.pop("sweep", None)
    plan = _plan(config.name, base, grid, seed_list,
                 metric=section.metric if section else "val_loss",
                 mode=_mode(section), source=source_name)
    # Messages name the file as it was given; the plan keeps where it is.
    where = None if source is None else str(Path(source).resolve())
    return dataclasses.replace(plan, source=where, execution=execution_of(section))


def execution_of(section: Any) -> dict[str, Any]:
    """The sweep section's ``executor`` and ``population_size``, those that are set."""
    chosen = {"executor": getattr(section, "executor", None),
              "population_size": getattr(section, "population_size", None)}
    return {key: value for key, value in chosen.items() if value is not None}


def _seeds(config: Config, section: Any, count: int | None, points: int) -> tuple[int, ...]:
    if count is not None:
        if not 1 <= count <= MAX_TRIALS // points:
            raise ConfigError(f"must be in [1, {MAX_TRIALS // points}]: {points} grid points "
                              f"times N seeds must make at most {MAX_TRIALS} trials",
                              key_path="--seeds", value=count)
        if config.seed + count - 1 > MAX_SEED:
            raise ConfigError(f"must be at most {MAX_SEED - config.seed + 1}: the seeds run from "
                              f"seed ({config.seed}) up, to at most {MAX_SEED}",
                              key_path="--seeds", value=count)
        return tuple(config.seed + i for i in range(count))
    if section is not None and section.seeds:
        return tuple(int(seed) for seed in section.seeds)
    return (config.seed,)


def _mode(section: Any) -> str:
    """The sweep's direction; ``auto`` (the default) follows the metric's name."""
    if section is None:
        return "min"
    return metric_direction(section.metric) if section.mode == "auto" else section.mode


def _plan(name, base, grid, seeds, *, metric, mode, source, attempts=None,
          history=()) -> SweepPlan:
    """The plan of ``grid`` over ``seeds``; ``attempts`` maps (point id, seed) to reruns."""
    from adamctl.config import config_from_dict, config_to_dict

    attempts = attempts or {}
    trials = [Trial(t.point, t.seed, attempts.get((t.point.id, t.seed), 1))
              for t in expand(grid, seeds)]
    configs: dict[str, dict[str, Any]] = {}
    for trial in trials:
        shown = ", ".join(f"{k}={v!r}" for k, v in trial.point.values)
        raw = {**base, "name": f"{name}-{trial.id}", "seed": trial.seed}
        try:
            for key, value in trial.point.values:
                raw = _with_value(raw, key, value)
            configs[trial.id] = config_to_dict(config_from_dict(raw))
        except ConfigError as error:
            raise ConfigError(f"trial {trial.id} ({shown}): {error}", file=source) from None
    return SweepPlan(name, base, grid, tuple(seeds), metric, mode, tuple(trials), configs,
                     tuple(history), None if source is None else str(source))


def replan(plan: SweepPlan, *, base: dict[str, Any] | None = None,
           attempts: Mapping[tuple[str, int], int] | None = None,
           event: dict[str, Any] | None = None) -> SweepPlan:
    """``plan`` with a new base config or new attempts, every trial's config built again.

    ``event`` is appended to the plan's history. Used by ``sweep --resume
    --rerun`` and ``--extend`` (:mod:`adamctl.sweep.lifecycle`).
    """
    known = {(t.point.id, t.seed): t.attempt for t in plan.trials}
    planned = _plan(plan.name, base if base is not None else plan.base, plan.grid, plan.seeds,
                    metric=plan.metric, mode=plan.mode, source=plan.source,
                    attempts={**known, **(attempts or {})},
                    history=[*plan.history, *([event] if event else [])])
    return dataclasses.replace(planned, execution=plan.execution)


def _with_value(raw: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """``raw`` with ``value`` at the dotted key (the mappings on the way are copied)."""
    keys = tuple(dotted.split("."))
    try:
        return set_path(raw, keys, value)
    except NotAMapping as error:
        inside = ".".join(keys[: error.depth + 1])
        raise ConfigError(f"cannot set {dotted}: {inside} is {error.found!r}, not a mapping"
                          ) from None


def plan_from_dict(data: Mapping[str, Any]) -> SweepPlan:
    """Rebuild the plan written in ``sweep.yaml`` (for ``sweep --resume``)."""
    attempts = {(entry["point"], int(entry["seed"])): int(entry.get("attempt", 1))
                for entry in data.get("trials") or []}
    plan = _plan(
        data["name"], dict(data["base"]), {k: list(v) for k, v in data["grid"].items()},
        tuple(data["seeds"]), metric=data["metric"], mode=data["mode"], source=data.get("source"),
        attempts=attempts, history=list(data.get("history") or []),
    )
    return dataclasses.replace(plan, execution=dict(data.get("execution") or {}))
