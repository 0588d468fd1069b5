"""The protocol block names the search space, budget, seeds, selection rule, epsilon form, versions."""

from __future__ import annotations

from adamctl.compare import compare, protocol_markdown, selection_rule


def test_protocol_block_lists_every_item(paired_results):
    result = compare(paired_results, metric="val_loss")
    text = protocol_markdown(
        search_space={"optimizer.epsilon": [1e-8, 1e-4, 0.1]}, seeds=[0, 1, 2, 3, 4],
        budget={"trials": 15, "epochs per trial": 3}, selection=selection_rule(result),
        epsilon_mode="algorithm1", versions={"adamctl": "0.1.0", "keras": "3.15.1"})
    assert "`optimizer.epsilon` in {1e-08, 0.0001, 0.1}" in text
    assert "trials 15, epochs per trial 3" in text
    assert "5 per point (0, 1, 2, 3, 4)" in text
    assert "lowest mean final val_loss" in text
    assert "`epsilon_mode=algorithm1`" in text and "sqrt(v_hat)" in text
    assert "keras 3.15.1" in text
