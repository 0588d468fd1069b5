"""The protocol block a comparison opens with: what was searched, for how long, and how ranked.

Choi et al. 2019 ("On Empirical Comparisons of Optimizers for Deep
Learning") show that the search space decides optimizer rankings, so no
ranking is printed without it.  The epsilon convention matters as much:
Keras adds epsilon to the uncorrected sqrt(v) ("hat" form), PyTorch and
optax to the bias-corrected sqrt(v_hat) (Algorithm 1), so the same number is a
different optimizer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    from adamctl.compare.comparison import Comparison

__all__ = ["protocol_markdown", "selection_rule"]


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def selection_rule(result: "Comparison") -> str:
    """How the best arm was chosen and what "tied" means, in one sentence."""
    return (f"best arm = {'highest' if result.mode == 'max' else 'lowest'} mean {result.value} "
            f"{result.metric} over seeds; an arm is tied with the best when the "
            f"{result.confidence:.0%} bootstrap CI of its difference to the best (paired by seed "
            "where the seeds match) contains 0")


def protocol_markdown(*, search_space: Mapping[str, Sequence[Any]], seeds: Sequence[int],
                      budget: Mapping[str, Any], selection: str, epsilon_mode: str,
                      versions: Mapping[str, Any]) -> str:
    """A markdown block: search space, budget, seeds, selection rule, epsilon convention, versions.

    Args:
        search_space: swept key -> the values tried.
        seeds: the seeds every point was run with.
        budget: what each trial and the whole search were given, e.g.
            {"trials": 15, "epochs per trial": 3, "steps per trial": 156}.
        selection: the selection rule (see :func:`selection_rule`).
        epsilon_mode: "hat" (Keras) or "algorithm1" (Kingma & Ba Alg. 1).
        versions: package -> version (summary.json ``versions``).
    """
    space = "; ".join(f"`{key}` in {{{', '.join(_fmt(v) for v in values)}}}"
                      for key, values in search_space.items()) or "(no swept keys)"
    lines = [
        "**Protocol**",
        "",
        f"- Search space: {space}",
        f"- Budget: {', '.join(f'{k} {_fmt(v)}' for k, v in budget.items()) or 'not recorded'}",
        f"- Seeds: {len(seeds)} per point ({', '.join(str(s) for s in seeds)})",
        f"- Selection rule: {selection}",
        f"- Epsilon convention: `epsilon_mode={epsilon_mode}` ({_epsilon_text(epsilon_mode)})",
        f"- Versions: {', '.join(f'{k} {v}' for k, v in versions.items()) or 'not recorded'}",
    ]
    return "\n".join(lines) + "\n"


def _epsilon_text(epsilon_mode: str) -> str:
    if epsilon_mode == "hat":
        return "Keras form: epsilon added to the uncorrected sqrt(v)"
    if epsilon_mode == "algorithm1":
        return "Kingma & Ba Algorithm 1, as PyTorch and optax: epsilon added to sqrt(v_hat)"
    return "unknown convention"
