"""The population's compiled step: every member's own Keras ``train_step``, in one graph.

Each member's ops are the very ops its separate run traces (its model's
``train_step`` with its own Adam), so each member computes what it would
alone; only the dispatch is shared. Nothing crosses members: each loss,
gradient, metric and finiteness check is the member's own. Autograph is
off, as in Keras's own train function.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

__all__ = ["population_step", "population_validate"]


def population_step(models: Sequence[Any]) -> Callable[[list], list[dict[str, Any]]]:
    """A ``tf.function`` taking one ``(x, y, None)`` batch per model, returning their logs."""
    import tensorflow as tf

    models = list(models)

    def step(batches: list) -> list[dict[str, Any]]:
        return [model.train_step(batch) for model, batch in zip(models, batches)]

    return tf.function(step, reduce_retracing=True, autograph=False)


def population_validate(models: Sequence[Any], datasets: Sequence[Any], batch_size: int,
                        test_step: Callable | None = None) -> tuple[list[dict[str, float]], Callable]:
    """Each model's ``val_`` metrics as ``model.evaluate`` gives them, in one pass for all.

    ``evaluate`` resets the metrics, runs ``test_step`` on the validation
    set in order, in batches of ``batch_size`` (the last one short), and
    reads the metrics; so does this, with one compiled call per batch for
    every model. Returns the logs and the compiled step, to be passed back.
    """
    import tensorflow as tf

    models = list(models)
    if test_step is None:
        def step(batches: list) -> list[dict[str, Any]]:
            return [model.test_step(batch) for model, batch in zip(models, batches)]

        test_step = tf.function(step, reduce_retracing=True, autograph=False)
    for model in models:
        model.reset_metrics()
    count = len(datasets[0].x_val)
    for start in range(0, count, batch_size):
        end = min(start + batch_size, count)
        test_step([(d.x_val[start:end], d.y_val[start:end], None) for d in datasets])
    logs = [{f"val_{name}": float(value) for name, value in model.get_metrics_result().items()}
            for model in models]
    return logs, test_step
