"""A search's plan: the space, how many points, and the trials sampled so far.

Unlike a grid, a search does not know its points before it runs: the
sampler gives them one at a time. What is fixed up front is written to
``sweep.yaml`` before the first trial (the base config, the space, the
sampler, its seed, the trial count, the pruner); each sampled trial is
added to the same file as it is asked for, in the shape a grid's trials
have, so that reports read both alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from adamctl.config.schema import Config
from adamctl.errors import ConfigError
from adamctl.sweep.grid import GridPoint, Trial
from adamctl.sweep.plan import execution_of

__all__ = ["SearchPlan", "plan_search", "search_plan_from_dict"]


@dataclass
class SearchPlan:
    """Everything a search will run, as plain data (written to ``sweep.yaml``).

    Attributes:
        name: the sweep's name (the base config's).
        base: the resolved base config, as a mapping, without its sweep section.
        space: each swept key with its grid spec (a range or a list).
        search: random, qmc or tpe; ``trials``: how many points to sample.
        prune: median, asha or None; ``metric``/``mode``: what is optimized.
        seed: the sampler's seed and every trial's seed (the base config's).
        storage: the Optuna storage URL, or None for the sweep's own file.
        study: the study's name in that storage.
        sampled: the trials asked for so far, in order.
        source: the config file the search was planned from (absolute), or None.
        execution: ``sweep.executor`` when set (see :class:`SweepPlan`).
    """

    name: str
    base: dict[str, Any]
    space: dict[str, Any]
    search: str
    trials: int
    prune: str | None
    metric: str
    mode: str
    seed: int
    storage: str | None = None
    study: str = ""
    sampled: list[Trial] = field(default_factory=list)
    source: str | None = None
    execution: dict[str, Any] = field(default_factory=dict)

    @property
    def swept_keys(self) -> list[str]:
        return list(self.space)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "metric": self.metric, "mode": self.mode,
            "grid": self.space, "seeds": [self.seed],
            "search": {"method": self.search, "trials": self.trials, "prune": self.prune,
                       "seed": self.seed, "storage": self.storage, "study": self.study},
            "trials": [
                {"id": t.id, "point": t.point.id, "seed": t.seed, "values": t.point.as_dict()}
                for t in self.sampled
            ],
            **({"source": self.source} if self.source else {}),
            **({"execution": dict(self.execution)} if self.execution else {}),
            "base": self.base,
        }

    def add(self, number: int, values: Mapping[str, Any]) -> Trial:
        """Record the trial numbered ``number`` with its sampled ``values``."""
        trial = Trial(GridPoint(number, tuple((key, values[key]) for key in self.space)),
                      self.seed)
        self.sampled.append(trial)
        return trial


def plan_search(config: Config, *, seeds: int | None = None, storage: str | None = None,
                source: str | Path | None = None) -> SearchPlan:
    """The plan of searching ``config``'s ``sweep.grid`` as a space (``sweep.search`` is set).

    Raises:
        ConfigError: ``--seeds`` or several ``sweep.seeds`` (a search runs
            one seed per point: give more trials instead).
    """
    from adamctl.config import config_to_dict

    section = config.sweep
    if seeds not in (None, 1) or len(section.seeds) > 1:
        raise ConfigError(f"search: {section.search} runs each sampled point once, with the "
                          "config's seed; drop --seeds / sweep.seeds and raise --trials instead",
                          file=source, key_path="sweep.seeds")
    if storage is not None:
        from adamctl.sweep.study import check_storage_url

        check_storage_url(storage)
    base = config_to_dict(config)
    base.pop("sweep", None)
    return SearchPlan(config.name, base, dict(section.grid), section.search, section.trials,
                      section.prune, section.metric, section.mode, config.seed, storage,
                      source=None if source is None else str(Path(source).resolve()),
                      execution=execution_of(section))


def search_plan_from_dict(data: Mapping[str, Any]) -> SearchPlan:
    """Rebuild the plan in ``sweep.yaml`` (for ``sweep --resume``), with its sampled trials."""
    search = data["search"]
    plan = SearchPlan(data["name"], dict(data["base"]), dict(data["grid"]), search["method"],
                      search["trials"], search["prune"], data["metric"], data["mode"],
                      search["seed"], search.get("storage"), search["study"],
                      source=data.get("source"), execution=dict(data.get("execution") or {}))
    for trial in data.get("trials") or []:
        plan.add(int(trial["point"].removeprefix("p")), trial["values"])
    return plan
