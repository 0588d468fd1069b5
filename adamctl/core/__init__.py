"""adamctl's Adam: the Keras 3 optimizer, checked strictly, verified against Keras and PyTorch.

``Adam`` and ``build_optimizer`` import Keras when first used; ``normalize_spec``
and ``ADAM_DEFAULTS`` never do, so configs can be checked without it. Once
Keras is imported, ``Adam`` is defined (and so registered with Keras's
loaders) whether or not it was used: see ``_keras_hook``.
"""

from __future__ import annotations

from typing import Any

from adamctl.core._keras_hook import define_adam_with_keras
from adamctl.core.spec import ADAM_DEFAULTS, normalize_spec

__all__ = ["ADAM_DEFAULTS", "Adam", "build_optimizer", "normalize_spec"]

define_adam_with_keras()


def __getattr__(name: str) -> Any:
    if name == "Adam":
        from adamctl.core.adam import Adam

        return Adam
    if name == "build_optimizer":
        from adamctl.core.factory import build_optimizer

        return build_optimizer
    raise AttributeError(f"module 'adamctl.core' has no attribute {name!r}")
