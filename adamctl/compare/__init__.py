"""Comparisons of sweep arms over seeds: intervals, paired tests, time to target, plots.

A pure library: it takes pandas DataFrames (a results table, per-trial
curves) and returns values. Its one edge with the disk is
:func:`compare_paths` (module ``paths``), which reads run and sweep
directories through :mod:`adamctl.store` and calls :func:`compare`.
Names load on first use (PEP 562), so importing the package costs nothing
and scipy, pandas and matplotlib load only when a statistic or plot is made.

Example:
    >>> import pandas as pd
    >>> from adamctl.compare import compare
    >>> results = pd.read_csv("runs/sweep/results.csv")          # doctest: +SKIP
    >>> compare(results, metric="val_loss").to_json()["arms"]    # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "compare", "Comparison", "ArmResult", "target_times", "Arm", "build_arms", "infer_mode",
    "describe", "compare_values", "holm", "seeds_needed", "bootstrap_ci", "iqm",
    "first_reach", "arm_target", "performance_profile", "Profile",
    "expected_best", "tuning_curve", "TuningCurve",
    "sensitivity_plot", "heatmap_plot", "curves_plot", "tuning_plot", "profile_plot",
    "protocol_markdown", "selection_rule", "compare_paths", "Compared", "write_plots",
]

_HOMES = {
    "compare": "comparison", "Comparison": "comparison", "ArmResult": "comparison",
    "target_times": "comparison",
    "Arm": "arms", "build_arms": "arms", "infer_mode": "arms",
    "describe": "stats", "compare_values": "stats", "holm": "stats", "seeds_needed": "stats",
    "bootstrap_ci": "stats", "iqm": "stats",
    "first_reach": "target", "arm_target": "target", "performance_profile": "target",
    "Profile": "target",
    "expected_best": "tuning", "tuning_curve": "tuning", "TuningCurve": "tuning",
    "sensitivity_plot": "plots", "heatmap_plot": "plots", "curves_plot": "plots",
    "tuning_plot": "plots", "profile_plot": "plots",
    "protocol_markdown": "protocol", "selection_rule": "protocol",
    "compare_paths": "paths", "Compared": "paths", "write_plots": "paths",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'adamctl.compare' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"adamctl.compare.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
