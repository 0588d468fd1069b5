"""Adam's arguments, once: name, default, spec check and one line of help each.

The table is in ``Adam.__init__``'s order (Keras's, then adamctl's three);
a test pins the signature's names, order and defaults to it. The spec's
defaults, help and checks (``adamctl.core.spec``) are read from it.
``exclude_from_weight_decay`` is a spec key but not a constructor argument:
the factory calls the method of that name.

The checks here take spec values (YAML/JSON: numbers, strings, mappings
naming schedules); ``Adam.__init__`` also takes Python objects (schedule
instances, callables, tensors) and checks those itself, with the same
helpers from ``_checks`` so both word errors alike. Nothing here imports
Keras.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from adamctl.core._checks import (
    check_bool,
    check_choice,
    check_int_at_least,
    check_name,
    check_non_negative,
    check_optional,
    check_positive,
    check_unit_interval,
)
from adamctl.core._values import check_beta, check_exclude, check_learning_rate

__all__ = ["ARGUMENTS", "EPSILON_MODES", "WEIGHT_DECAY_MODES", "Argument"]

EPSILON_MODES = ("hat", "algorithm1")
WEIGHT_DECAY_MODES = ("decoupled", "l2")


class Argument(NamedTuple):
    """One Adam argument: its default, the check of its spec value, and its help line."""

    name: str
    default: Any
    check: Callable[[str, Any], Any]
    help: str
    constructor: bool = True  # False: a spec key the factory applies another way


def _optional(check: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[str, Any], Any]:
    return lambda name, value: check_optional(check, name, value, *args, **kwargs)


def _choice(choices: tuple[str, ...]) -> Callable[[str, Any], Any]:
    return lambda name, value: check_choice(name, value, choices)


_POSITIVE_OR_NULL = _optional(check_positive)

ARGUMENTS: tuple[Argument, ...] = (
    Argument("learning_rate", 0.001, check_learning_rate,
             "step size: a float > 0, or {schedule: <Keras schedule>, ...its arguments}"),
    Argument("beta_1", 0.9, check_beta,
             "decay of the first moment m, in [0, 1); or {schedule: constant/linear/cosine, ...}"),
    Argument("beta_2", 0.999, check_beta,
             "decay of the second moment v, in [0, 1); or a beta schedule"),
    Argument("epsilon", 1e-7, check_positive,
             "> 0; added to sqrt(v) ('hat' form) or to sqrt of the corrected v (algorithm1)"),
    Argument("amsgrad", False, check_bool,
             "divide by the running maximum of v (Reddi et al. 2018)"),
    Argument("weight_decay", None, _optional(check_non_negative),
             ">= 0 or null: the decay rate"),
    Argument("exclude_from_weight_decay", None, check_exclude,
             "{var_names: [regex, ...]}: variables whose name matches are not decayed",
             constructor=False),
    Argument("clipnorm", None, _POSITIVE_OR_NULL,
             "clip each gradient to this L2 norm (at most one of the three clips)"),
    Argument("clipvalue", None, _POSITIVE_OR_NULL,
             "clip each gradient element to [-clipvalue, clipvalue]"),
    Argument("global_clipnorm", None, _POSITIVE_OR_NULL,
             "clip all gradients together to this global L2 norm"),
    Argument("use_ema", False, check_bool,
             "keep an exponential moving average of the weights, saved at the end"),
    Argument("ema_momentum", 0.99, lambda name, value: check_unit_interval(name, value, closed=True),
             "in [0, 1]: average = momentum * average + (1 - momentum) * weights"),
    Argument("ema_overwrite_frequency", None, _optional(check_int_at_least, 1),
             "with use_ema: copy the average into the weights every N steps"),
    Argument("loss_scale_factor", None, _POSITIVE_OR_NULL,
             "> 0: multiply the loss, divide the gradients by it"),
    Argument("gradient_accumulation_steps", None,
             _optional(check_int_at_least, 2, hint=" (null for no accumulation)"),
             ">= 2: average the gradients of N batches before each update"),
    Argument("name", None, _optional(check_name),
             "the name scope of the optimizer's variables; null: Keras numbers it (adam, adam_1, ...)"),
    Argument("epsilon_mode", "hat", _choice(EPSILON_MODES),
             "hat (Keras) or algorithm1 (Kingma & Ba Alg. 1, PyTorch, optax)"),
    Argument("weight_decay_mode", "decoupled", _choice(WEIGHT_DECAY_MODES),
             "decoupled (Keras, AdamW) or l2 (PyTorch Adam: wd * theta added to g)"),
    Argument("fused", None, _optional(check_bool),
             "TensorFlow: fused ResourceApplyAdam kernels; null means where they apply"),
)
