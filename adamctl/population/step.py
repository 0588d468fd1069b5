"""The population's compiled step: every member's own Keras ``train_step``, in one graph.

Each member's ops are the very ops its separate run traces (its model's
``train_step`` with its own Adam), so each member computes what it would
alone; only the dispatch is shared. Nothing crosses members: each loss,
gradient, metric and finiteness check is the member's own. Autograph is
off, as in Keras's own train function.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

__all__ = ["population_step"]


def population_step(models: Sequence[Any]) -> Callable[[list], list[dict[str, Any]]]:
    """A ``tf.function`` taking one ``(x, y, None)`` batch per model, returning their logs."""
    import tensorflow as tf

    models = list(models)

    def step(batches: list) -> list[dict[str, Any]]:
        return [model.train_step(batch) for model, batch in zip(models, batches)]

    return tf.function(step, reduce_retracing=True, autograph=False)
