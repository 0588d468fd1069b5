"""Beta schedules: beta_1 or beta_2 as a function of the step, in ``keras.ops`` only.

Each schedule is called with the optimizer's step count t (0 on the first
update) and returns a scalar tensor, so it runs inside compiled functions on
every backend and serializes through ``get_config``:

- ``constant(value)``: beta(t) = value.
- ``linear(start, end, steps)``: beta(t) = start + (end - start) * min(t / steps, 1).
- ``cosine(start, end, steps)``: beta(t) = end + (start - end) * (1 + cos(pi * min(t / steps, 1))) / 2.

Adam's bias correction then uses beta(t)^(t+1), as Keras does for a callable
beta: the correction assumes the current beta held at every past step.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["BetaSchedule", "ConstantBeta", "LinearBeta", "CosineBeta", "beta_schedule_from_config"]


class BetaSchedule:
    """Base class: ``schedule(step) -> beta``; ``get_config()`` gives the spec form."""

    kind = ""

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.get_config()})"


class ConstantBeta(BetaSchedule):
    """beta(t) = value."""

    kind = "constant"

    def __init__(self, value: float) -> None:
        self.value = float(value)

    def __call__(self, step: Any) -> Any:
        from keras import ops

        return ops.convert_to_tensor(self.value, dtype="float32")

    def get_config(self) -> dict[str, Any]:
        return {"schedule": self.kind, "value": self.value}


class LinearBeta(BetaSchedule):
    """beta(t) = start + (end - start) * min(t / steps, 1)."""

    kind = "linear"

    def __init__(self, start: float, end: float, steps: int) -> None:
        self.start, self.end, self.steps = float(start), float(end), int(steps)

    def _progress(self, step: Any) -> Any:
        from keras import ops

        return ops.minimum(ops.cast(step, "float32") / float(self.steps), 1.0)

    def __call__(self, step: Any) -> Any:
        return self.start + (self.end - self.start) * self._progress(step)

    def get_config(self) -> dict[str, Any]:
        return {"schedule": self.kind, "start": self.start, "end": self.end, "steps": self.steps}


class CosineBeta(LinearBeta):
    """beta(t) = end + (start - end) * (1 + cos(pi * min(t / steps, 1))) / 2."""

    kind = "cosine"

    def __call__(self, step: Any) -> Any:
        from keras import ops

        weight = 0.5 * (1.0 + ops.cos(math.pi * self._progress(step)))
        return self.end + (self.start - self.end) * weight


_KINDS = {cls.kind: cls for cls in (ConstantBeta, LinearBeta, CosineBeta)}


def beta_schedule_from_config(config: dict[str, Any]) -> BetaSchedule:
    """The schedule a spec mapping (``{schedule: linear, ...}``) describes."""
    arguments = {k: v for k, v in config.items() if k != "schedule"}
    return _KINDS[config["schedule"]](**arguments)
