"""``compare_paths``: the comparison of run and sweep directories, read through the store.

The rest of :mod:`adamctl.compare` takes DataFrames; this module is its one
edge with the disk. It turns the paths a user names into one results table
(one row per trial) and the per-trial curves, then calls :func:`compare`:

- one sweep directory: each grid point is an arm, its swept keys the point;
- several run or sweep directories: each run, and each point of each sweep,
  is an arm, told apart by a ``source`` key (the directory's name);
- several sweeps of different workloads (data or model differ) with a
  target: one comparison per workload, and AlgoPerf performance profiles of
  the settings across them (Dahl et al. 2023, r_max = 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from adamctl.compare.comparison import Comparison, compare, target_times
from adamctl.errors import UsageError
from adamctl.store import RunDir, SweepDir

__all__ = ["Compared", "compare_paths", "write_plots", "PLOT_NAMES", "R_MAX"]

# AlgoPerf integrates the performance profile up to a ratio of 4.
R_MAX = 4.0
PLOT_NAMES = {"sensitivity": "sensitivity.png", "heatmap": "heatmap.png",
              "curves": "curves.png", "tuning": "tuning.png", "profile": "profile.png"}
# The sections of a config that make a workload: the same data and model
# is the same problem, whatever the optimizer.
_WORKLOAD_SECTIONS = ("data", "model")


@dataclass(frozen=True)
class Compared:
    """What ``compare_paths`` found: one comparison of arms, or profiles across workloads.

    ``comparison`` is the comparison of every arm (None in profile mode);
    ``workloads`` maps a workload (sweep) name to its own comparison and
    ``profile`` holds the performance profiles when the paths are sweeps of
    different workloads compared with a target.
    """

    comparison: Comparison | None
    curves: dict[str, Any]
    workloads: dict[str, Comparison] = field(default_factory=dict)
    times: Any = None
    profile: Any = None

    def to_json(self) -> dict[str, Any]:
        """The comparison's documented object, or the profile object (docs/compare.md)."""
        if self.comparison is not None:
            return self.comparison.to_json()
        return _profile_json(self)


def compare_paths(paths: Sequence[Path | str], *, metric: str | None = None,
                  mode: str | None = None, value: str = "final",
                  baseline: Mapping[str, Any] | None = None, target: float | None = None,
                  seed: int = 0) -> Compared:
    """Compare the arms found under ``paths`` (see the module docstring for what an arm is).

    ``metric`` defaults to the first sweep's ``sweep.metric`` (val_loss for
    runs); ``mode`` to Keras's ``mode="auto"`` for that name.

    Raises:
        UsageError: a path that is neither a run nor a sweep directory, a
            sweep with no results, an unknown metric or baseline point.
    """
    sources = [_source(Path(p)) for p in paths]
    metric = metric or next((s.plan["metric"] for s in sources if s.plan), "val_loss")
    if len(sources) == 1 and sources[0].plan is not None:
        only = sources[0]
        result = compare(only.results, only.curves, metric=metric, mode=mode, value=value,
                         baseline=baseline, target=target, keys=list(only.plan["grid"]),
                         seed=seed)
        return Compared(result, only.curves)
    if target is not None and _several_workloads(sources):
        return _profiles(sources, metric=metric, mode=mode, value=value, target=target, seed=seed)
    results, curves, keys = _combined(sources)
    result = compare(results, curves, metric=metric, mode=mode, value=value, baseline=baseline,
                     target=target, keys=keys, seed=seed)
    return Compared(result, curves)


@dataclass(frozen=True)
class _Source:
    """One named directory: its trials as results rows, their curves, and its plan (sweeps)."""

    path: Path
    results: Any
    curves: dict[str, Any]
    plan: dict[str, Any] | None


def _source(path: Path) -> _Source:
    from adamctl.store.tables import results_frame, trial_curves

    sweep = SweepDir(path)
    if sweep.is_sweep():
        results = results_frame(sweep)
        if results.empty or "trial" not in results.columns:
            raise UsageError(f"{path} has no trial results yet (no results.csv rows): "
                             "nothing to compare")
        return _Source(path, results, trial_curves(sweep, results["trial"]), sweep.read_plan())
    return _run_source(path)


def _run_source(path: Path) -> _Source:
    import pandas as pd

    from adamctl.store.metrics import metrics_frame
    from adamctl.store.tables import run_record

    run = RunDir(path)
    record = run_record(run) if path.is_dir() else None
    if record is None:
        raise UsageError(f"{path} is neither a run directory (summary.json) nor a sweep "
                         "directory (sweep.yaml)")
    record["trial"] = "run"
    return _Source(path, pd.DataFrame([record]), {"run": metrics_frame(run)}, None)


def _labels(sources: list[_Source]) -> list[str]:
    """Each directory's name, or its whole path where two names clash."""
    names = [s.path.name for s in sources]
    return [s.path.name if names.count(s.path.name) == 1 else str(s.path) for s in sources]


def _combined(sources: list[_Source]) -> tuple[Any, dict[str, Any], list[str]]:
    """One results table over every source; ``source`` plus every swept key make the point."""
    import pandas as pd

    swept = list(dict.fromkeys(k for s in sources if s.plan for k in s.plan["grid"]))
    frames, curves = [], {}
    for label, source in zip(_labels(sources), sources):
        frame = source.results.copy()
        points = frame["point"].astype(str) if "point" in frame.columns else None
        frame["point"] = label if points is None else label + "/" + points
        curves.update({f"{label}/{t}": source.curves[t] for t in frame["trial"].astype(str)})
        frame["trial"] = label + "/" + frame["trial"].astype(str)
        frame["source"] = label
        frames.append(frame)
    results = pd.concat(frames, ignore_index=True)
    for key in swept:
        column = (results[key].astype(object) if key in results
                  else pd.Series(None, index=results.index, dtype=object))
        results[key] = column.where(column.notna(), None)
    return results, curves, ["source", *swept]


def _workload(source: _Source) -> str:
    base = source.plan.get("base") or {}
    return repr([base.get(section) for section in _WORKLOAD_SECTIONS])


def _several_workloads(sources: list[_Source]) -> bool:
    """Every path a sweep, and not all of the same data and model."""
    if any(s.plan is None for s in sources):
        return False
    return len({_workload(s) for s in sources}) > 1


def _profiles(sources: list[_Source], *, metric: str, mode: str | None, value: str,
              target: float, seed: int) -> Compared:
    """One comparison per workload sweep, then the profiles of the settings across them."""
    from adamctl.compare.target import performance_profile

    workloads, curves = {}, {}
    for label, source in zip(_labels(sources), sources):
        workloads[label] = compare(source.results, source.curves, metric=metric, mode=mode,
                                   value=value, target=target, keys=list(source.plan["grid"]),
                                   seed=seed)
        curves.update({f"{label}/{t}": c for t, c in source.curves.items()})
    times = target_times(workloads)
    return Compared(None, curves, workloads, times, performance_profile(times, r_max=R_MAX))


def _profile_json(compared: Compared) -> dict[str, Any]:
    """Profile mode as JSON: per setting its median steps per workload, its ratios, its score."""
    import math

    first = next(iter(compared.workloads.values()))
    profile = compared.profile

    def number(x: float) -> float | None:
        return float(x) if math.isfinite(x) else None

    settings = [
        {"setting": setting,
         "steps_to_target": {w: number(compared.times.loc[setting, w]) for w in compared.times},
         "ratio": {w: number(profile.ratios.loc[setting, w]) for w in compared.times},
         "score": float(profile.scores[setting])}
        for setting in compared.times.index]
    return {"metric": first.metric, "mode": first.mode, "value": first.value,
            "target": first.target, "r_max": profile.r_max, "workloads": list(compared.workloads),
            "settings": settings,
            "comparisons": {name: c.to_json() for name, c in compared.workloads.items()}}


def write_plots(compared: Compared, directory: Path) -> list[Path]:
    """The figures that apply, as PNGs in ``directory`` (made if missing); their paths."""
    from adamctl.compare import plots

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = {name: directory / file for name, file in PLOT_NAMES.items()}
    if compared.comparison is None:
        written = [plots.profile_plot(compared.profile, target["profile"])]
    else:
        result = compared.comparison
        written = [plots.sensitivity_plot(result, target["sensitivity"]),
                   plots.heatmap_plot(result, target["heatmap"]),
                   plots.curves_plot(result, compared.curves, target["curves"]),
                   plots.tuning_plot(result, target["tuning"])]
    return [path for path in written if path is not None]
