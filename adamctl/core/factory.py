"""`build_optimizer(spec)`: the YAML ``optimizer:`` section becomes an :class:`Adam`.

Schedules are looked up by name in fixed tables (Keras's six learning-rate
schedules, adamctl's beta schedules); nothing in a spec can import or run
code of its own.
"""

from __future__ import annotations

from typing import Any, Mapping

from adamctl.core.spec import normalize_spec
from adamctl.errors import InvalidArgument

__all__ = ["build_optimizer"]


def build_optimizer(spec: Mapping[str, Any] | None = None) -> Any:
    """An :class:`~adamctl.core.Adam` from a spec of its arguments by name.

    Example::

        build_optimizer({
            "learning_rate": {"schedule": "CosineDecay", "initial_learning_rate": 1e-3,
                              "decay_steps": 1000},
            "beta_2": 0.99, "amsgrad": True,
            "weight_decay": 0.01, "exclude_from_weight_decay": {"var_names": ["bias"]},
        })

    Raises:
        InvalidArgument: (a ValueError) any argument that is unknown, of the
            wrong type or out of range, naming its dotted path in the spec.
    """
    from adamctl.core.adam import Adam
    from adamctl.core.schedules import beta_schedule_from_config

    arguments = normalize_spec(spec)
    exclude = arguments.pop("exclude_from_weight_decay")
    arguments["learning_rate"] = _learning_rate(arguments["learning_rate"])
    for key in ("beta_1", "beta_2"):
        if isinstance(arguments[key], dict):
            arguments[key] = beta_schedule_from_config(arguments[key])
    optimizer = Adam(**arguments)
    if exclude:
        optimizer.exclude_from_weight_decay(var_names=exclude["var_names"])
    return optimizer


def _learning_rate(value: Any) -> Any:
    """A float, or the Keras schedule a ``{schedule: Name, ...}`` mapping names."""
    if not isinstance(value, dict):
        return value
    import keras

    arguments = {k: v for k, v in value.items() if k != "schedule"}
    schedule_class = getattr(keras.optimizers.schedules, value["schedule"])
    try:
        return schedule_class(**arguments)
    except (TypeError, ValueError) as error:
        raise InvalidArgument("learning_rate", value, f"accepted by {value['schedule']}: "
                              + " ".join(str(error).split())) from None
