"""Define ``Adam`` as soon as Keras is imported, so Keras's loaders can find it.

``Adam`` registers itself with Keras (as ``"adamctl>Adam"``) when its class
is defined, but ``adamctl.core`` defines it lazily so that checking a config
never imports Keras. A model saved with our Adam would then fail to load in
a process that imported ``adamctl.core`` and never touched ``Adam``. So
importing ``adamctl.core`` arranges for ``adamctl.core.adam`` to be imported
right after Keras is: at once if Keras is already loaded, otherwise by a
one-shot import hook that runs when the ``keras`` package finishes loading.
Nothing here imports Keras itself.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from typing import Any

__all__ = ["define_adam_with_keras"]

_ADAM_MODULE = "adamctl.core.adam"


def define_adam_with_keras() -> None:
    """Import ``adamctl.core.adam`` now if Keras is loaded, else when Keras is."""
    keras = sys.modules.get("keras")
    if keras is not None:
        if getattr(keras, "optimizers", None) is not None:  # not mid-import
            importlib.import_module(_ADAM_MODULE)
        return
    if not any(isinstance(finder, _AfterKeras) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterKeras())


class _AfterKeras(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of ``keras`` to import Adam after it."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "keras":
            return None
        sys.meta_path.remove(self)  # one shot; the real finders find the spec
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _ThenDefineAdam(spec.loader)
        return spec


class _ThenDefineAdam(importlib.abc.Loader):
    """Keras's own loader, followed by the import of ``adamctl.core.adam``."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        importlib.import_module(_ADAM_MODULE)

    def __getattr__(self, name: str) -> Any:  # get_resource_reader, is_package, ...
        return getattr(self._loader, name)
