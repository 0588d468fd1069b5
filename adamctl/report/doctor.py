"""``adamctl doctor``: a run's Adam diagnostics turned into a few plain sentences.

Each rule reads ``diagnostics.csv``, ``diagnostics_scalars.csv``, the
resolved config and ``summary.json``; its threshold and source are listed in
``docs/diagnostics.md`` and beside the constants below. Rules are pure
functions of those tables, so crafted tables test them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from adamctl._rectifier import radam_rectifier
from adamctl.errors import UsageError
from adamctl.store import RunDir
from adamctl.store.diagnostics import diagnostics_frames

__all__ = ["DOMINATED", "RECTIFIED", "SATURATED", "SATURATION_WINDOW", "RunFacts", "diagnose",
           "doctor", "steps_until_rectified"]

# A variable is reported as epsilon-dominated when at least half its
# coordinates are (Choi et al. 2019: Adam is then momentum SGD there).
DOMINATED = 0.5
# Saturated fraction that, in the last diagnostics before a divergence,
# is reported as its precursor (Molybog et al. 2023).
SATURATED = 0.2
# Diagnostics steps looked at before a divergence.
SATURATION_WINDOW = 3
# RAdam's rectifier below this means the adaptive rate's variance is still
# large (Liu et al. 2019); a warm-up covers it (Ma & Yarats 2021).
RECTIFIED = 0.5


@dataclass
class RunFacts:
    """What the rules read: the tables, the optimizer section, and how the run ended."""

    table: Any
    scalars: Any
    optimizer: dict[str, Any] = field(default_factory=dict)
    diverged_at: int | None = None


def doctor(run_dir: Any) -> list[str]:
    """The sentences for the run in ``run_dir``.

    Raises:
        UsageError: it is not a run directory, or it has no diagnostics.
    """
    run = RunDir(run_dir)
    if not run.config_path.is_file():
        raise UsageError(f"{run.root} is not a run directory (it has no config.yaml)")
    frames = diagnostics_frames(run)
    if frames is None or frames[0].empty:
        raise UsageError(
            f"{run.root} has no diagnostics ({run.diagnostics_path.name} is missing or empty); "
            "train with training.diagnostics_every set, e.g. --set training.diagnostics_every=50")
    import yaml

    config = yaml.safe_load(run.config_path.read_text()) or {}
    summary = json.loads(run.summary_path.read_text()) if run.summary_path.is_file() else {}
    return diagnose(RunFacts(frames[0], frames[1], dict(config.get("optimizer") or {}),
                             summary.get("diverged_at_step")))


def diagnose(facts: RunFacts) -> list[str]:
    """Every rule's sentences, in order; "healthy" when none fires."""
    found = (_epsilon_dominated(facts) + _saturated_before_divergence(facts)
             + _no_warmup(facts) + _beta_regime(facts))
    return found or [_healthy(facts)]


def _epsilon_dominated(facts: RunFacts) -> list[str]:
    """Variables dominated now, since when; one sentence for all when every variable is."""
    table = facts.table
    variables = table[table["variable"] != "all"].groupby("variable", sort=False)
    found = [(name, *_dominated_since(rows)) for name, rows in variables]
    found = [item for item in found if item[1] >= DOMINATED]
    if found and len(found) == variables.ngroups > 1:
        found = [("every variable", *_dominated_since(table[table["variable"] == "all"]))]
    last = facts.scalars.iloc[-1] if len(facts.scalars) else None
    advice = f"try epsilon <= {_smaller_epsilon(facts):.0e}"
    if facts.optimizer.get("epsilon_mode", "hat") == "hat":
        advice += " or epsilon_mode algorithm1"
    return [f"{name}: {fraction:.0%} of coordinates epsilon-dominated since step {since:,}, "
            f"so Adam acts as momentum SGD with lr {_sgd_rate(facts, last):.0e} there; {advice}"
            for name, fraction, since in found]


def _dominated_since(rows: Any) -> tuple[float, int]:
    """The latest dominated fraction, and the first step of the trailing stretch above DOMINATED."""
    rows = rows.sort_values("step")
    below = rows[rows["epsilon_dominated"] < DOMINATED]
    after = rows if below.empty else rows[rows["step"] > below["step"].max()]
    since = int(after["step"].iloc[0]) if len(after) else int(rows["step"].iloc[-1])
    return float(rows["epsilon_dominated"].iloc[-1]), since


def _sgd_rate(facts: RunFacts, scalars: Any) -> float:
    """lr / eps_t at the last diagnostics step: the momentum-SGD rate where epsilon dominates."""
    epsilon = float(facts.optimizer.get("epsilon", 1e-7))
    if scalars is None:
        return math.nan
    lr, t, beta_2 = float(scalars["learning_rate"]), int(scalars["t"]), float(scalars["beta_2"])
    if facts.optimizer.get("epsilon_mode", "hat") == "hat":
        return lr * math.sqrt(1 - beta_2 ** t) / epsilon
    return lr / epsilon


def _smaller_epsilon(facts: RunFacts) -> float:
    """Three decades below the run's epsilon (1e-7 gives 1e-10)."""
    epsilon = float(facts.optimizer.get("epsilon", 1e-7))
    return 10.0 ** (math.floor(math.log10(epsilon)) - 3)


def _saturated_before_divergence(facts: RunFacts) -> list[str]:
    if facts.diverged_at is None:
        return []
    pooled = facts.table[facts.table["variable"] == "all"].sort_values("step")
    window = pooled[pooled["step"] < facts.diverged_at].tail(SATURATION_WINDOW)
    hot = window[window["update_saturated"] >= SATURATED]
    if hot.empty:
        return [f"the loss diverged at step {facts.diverged_at:,} without saturated updates "
                f"before it (at most {window['update_saturated'].max():.0%} of coordinates)"]
    first, last = int(hot["step"].iloc[0]), int(hot["step"].iloc[-1])
    steps = f"step {first:,}" if first == last else f"steps {first:,}-{last:,}"
    return [f"updates saturated in {hot['update_saturated'].max():.0%} of coordinates at {steps} "
            f"before the divergence at {facts.diverged_at:,}; lower the learning rate or "
            "clip gradients"]


def _no_warmup(facts: RunFacts) -> list[str]:
    rate = facts.optimizer.get("learning_rate")
    if isinstance(rate, dict) and (rate.get("warmup_steps") or 0) > 0:
        return []
    beta_2 = facts.optimizer.get("beta_2", 0.999)
    if not isinstance(beta_2, (int, float)) or not 0 < beta_2 < 1:
        return []
    until = steps_until_rectified(float(beta_2))
    if facts.scalars.empty or int(facts.scalars["t"].min()) >= until:
        return []
    return [f"no warm-up while r_t < {RECTIFIED} (until step {until:,} for beta_2 = "
            f"{beta_2:g}); try a linear warm-up over 2 / (1 - beta_2) = "
            f"{round(2 / (1 - beta_2)):,} steps (learning_rate.warmup_steps)"]


def steps_until_rectified(beta_2: float, level: float = RECTIFIED) -> int:
    """The first t with RAdam's r_t >= ``level`` (r_t grows with t once defined)."""
    def reached(t: int) -> bool:
        r_t = radam_rectifier(t, beta_2)[1]
        return r_t is not None and r_t >= level

    low, high = 1, 2
    while not reached(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reached(middle) else (middle, high)
    return high


def _beta_regime(facts: RunFacts) -> list[str]:
    if facts.scalars.empty:
        return []
    outside = facts.scalars[facts.scalars["beta_1"] >= facts.scalars["beta_2"] ** 0.5]
    if outside.empty:
        return []
    row = outside.iloc[-1]
    return [f"beta_1 = {row['beta_1']:g} >= sqrt(beta_2) = {math.sqrt(row['beta_2']):.4g} "
            f"(at step {int(row['step']):,}): outside the region where Adam provably converges "
            "(Zhang et al. 2022); lower beta_1 or raise beta_2"]


def _healthy(facts: RunFacts) -> str:
    pooled = facts.table[facts.table["variable"] == "all"].sort_values("step").iloc[-1]
    return (f"healthy at step {int(pooled['step']):,}: "
            f"{pooled['epsilon_dominated']:.0%} of coordinates epsilon-dominated, "
            f"{pooled['update_saturated']:.0%} saturated, effective lr p50 "
            f"{pooled['effective_lr_p50']:.2g}, update-to-weight {pooled['update_to_weight']:.2g} "
            "(about 1e-3 is usual)")
