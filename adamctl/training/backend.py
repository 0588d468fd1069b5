"""Choose the Keras backend and device before Keras is imported, and report versions.

Keras reads ``KERAS_BACKEND`` once, at import; so the backend named by the
config must be set before anything imports Keras, and a process that already
runs another backend cannot switch.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import os
import platform
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

from adamctl.errors import ConfigError

__all__ = [
    "compute_threads",
    "debug_requested",
    "gpu_available",
    "native_start_up_hidden",
    "native_stderr_hidden",
    "select_backend",
    "setup_worker_process",
    "skip_unused_framework_imports",
    "versions",
]

_BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}

# Packages that Keras and TensorFlow import at start-up, when installed, only
# for features adamctl never uses: scikit-learn for keras.wrappers' SKLearn
# estimators (about 1.0 s of a 5.5 s import, measured on 2 cores), JAX for
# TFLite's conversion of JAX functions (about 0.6 s), matplotlib's pyplot
# for keras.visualization's image galleries (about 0.6 s), and pandas (with
# pyarrow) so that Keras's data adapters take DataFrames (about 0.45 s):
# adamctl hands Keras NumPy arrays only, and reads its tables with pandas
# itself. Left out on the TensorFlow backend only. See
# :func:`skip_unused_framework_imports`.
_UNUSED_AT_IMPORT = ("sklearn", "jax", "matplotlib", "pandas")
_skip_unused = False
_BACKEND_DISTRIBUTIONS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def select_backend(backend: str, device: str, *, file: str | Path | None = None) -> None:
    """Make ``backend`` the Keras backend of this process, on ``device``.

    Raises:
        ConfigError: the backend is not installed, this process already runs
            Keras with another backend, or ``device: gpu`` finds no GPU.
    """
    if device == "gpu" and _no_gpu_device_files():
        raise _no_gpu(device, file)
    if importlib.util.find_spec(_BACKEND_MODULES[backend]) is None:
        raise ConfigError(
            f"is not installed; pip install {_BACKEND_DISTRIBUTIONS[backend]}, "
            "or use backend: tensorflow",
            file=file, key_path="backend", value=backend,
        )
    if "keras" in sys.modules:
        current = sys.modules["keras"].backend.backend()
        if current != backend:
            raise ConfigError(
                f"this process already runs Keras on {current!r}; "
                f"start a new process with KERAS_BACKEND={backend}",
                file=file, key_path="backend", value=backend,
            )
    else:
        os.environ["KERAS_BACKEND"] = backend
        if device == "cpu":
            # Hide every GPU from the backend before it initializes.
            os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
        elif device.startswith("gpu:"):
            # Show the backend that one GPU only; it becomes its gpu:0.
            os.environ["CUDA_VISIBLE_DEVICES"] = device.removeprefix("gpu:")
    _import_keras_quietly()
    if device.startswith("gpu") and not gpu_available():
        raise _no_gpu(device, file)


def _no_gpu(device: str, file: str | Path | None) -> ConfigError:
    return ConfigError(
        "no GPU is visible to the backend; use device: auto or device: cpu",
        file=file, key_path="device", value=device,
    )


def _no_gpu_device_files() -> bool:
    """Whether this Linux machine surely has no GPU a backend could use, known without importing one.

    CUDA needs /dev/nvidia*, ROCm /dev/kfd, WSL's GPU /dev/dxg; with none of
    them ``device: gpu`` is refused at once instead of after the backend's
    import. Elsewhere (macOS's Metal) only the backend can tell.
    """
    if not sys.platform.startswith("linux"):
        return False
    dev = Path("/dev")
    return not (any(dev.glob("nvidia*")) or (dev / "kfd").exists() or (dev / "dxg").exists())


def _import_keras_quietly() -> None:
    """Import Keras and its backend with the native start-up chatter hidden.

    TensorFlow's C++ log level is read once, at import: 3 keeps its
    run-time chatter (graph-attribute notices during evaluation, for one)
    out of the user's terminal, unless ``--debug`` is on. TensorFlow is
    imported here on the JAX and torch backends too, when it is installed:
    Keras imports it there anyway, later and outside this hiding
    (``keras.utils.set_random_seed`` seeds it), and its start-up lines would
    reach stderr even with ``-q``.
    """
    _quiet_native_logs()
    with native_stderr_hidden(), _unused_imports_skipped():
        import keras  # noqa: F401

        if importlib.util.find_spec("tensorflow") is not None:
            import tensorflow  # noqa: F401


def skip_unused_framework_imports() -> None:
    """Let this process import Keras and TensorFlow without the optional packages adamctl never uses.

    For processes adamctl owns (the ``adamctl`` command, local sweep
    workers) on the TensorFlow backend: while the framework imports (on the
    thread that imports it), scikit-learn, JAX, matplotlib and pandas cannot
    be imported, so Keras's scikit-learn wrappers, TFLite's JAX conversion,
    Keras's image galleries and its DataFrame input are left without them in
    this process, and the import is 2-2.5 s shorter. The packages import
    normally afterwards (adamctl's bundled-dataset source imports
    scikit-learn itself, its tables use pandas, its reports matplotlib).
    Not done for adamctl used as a library, where the caller's own Keras
    code might want those features.
    """
    global _skip_unused
    _skip_unused = True


@contextlib.contextmanager
def _unused_imports_skipped() -> Iterator[None]:
    """While the block runs, the packages in ``_UNUSED_AT_IMPORT`` fail to import (when asked to,
    on the TensorFlow backend only: JAX's and torch's own imports look for them)."""
    names = {n for n in _UNUSED_AT_IMPORT if n not in sys.modules}
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if not _skip_unused or backend != "tensorflow" or not names:
        yield
        return
    finder = _Unimportable(names)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


class _Unimportable(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds some top-level packages with a loader that refuses them: ``import`` raises
    ``ModuleNotFoundError``, which the optional imports of Keras and TensorFlow expect.
    Only imports made by the thread that created it are refused: another thread (a
    sweep's report imports) imports those packages as usual meanwhile."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.thread = threading.get_ident()

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name.partition(".")[0] not in self.names or threading.get_ident() != self.thread:
            return None
        return importlib.machinery.ModuleSpec(name, self)

    def create_module(self, spec: Any) -> None:
        raise ModuleNotFoundError(f"No module named {spec.name!r}", name=spec.name)

    def exec_module(self, module: Any) -> None:  # never reached: create_module refuses
        raise ModuleNotFoundError(f"No module named {module.__name__!r}", name=module.__name__)


@contextlib.contextmanager
def native_start_up_hidden() -> Iterator[None]:
    """A block that may import Keras or TensorFlow, with their native start-up lines hidden.

    For commands that import Keras without choosing a backend (``validate``
    checking layer names): the log level is set before the import, and what
    native code writes to stderr during the block is dropped, unless
    debugging. Exceptions raised in the block still reach the caller.
    """
    _quiet_native_logs()
    with native_stderr_hidden():
        yield


def debug_requested() -> bool:
    """Whether ``--debug`` or ``ADAMCTL_DEBUG=1`` asks for native logs and tracebacks."""
    return os.environ.get("ADAMCTL_DEBUG", "") not in ("", "0")


def _quiet_native_logs() -> None:
    """TensorFlow's C++ log level 3 (errors only), unless debugging or already set."""
    if not debug_requested():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def setup_worker_process(threads: int, backend: str = "tensorflow") -> None:
    """Prepare a sweep worker (local or Ray) before its first trial, for Keras on ``backend``.

    The backend is chosen before Keras is imported (Keras reads it once per
    process; a worker that already runs another keeps it, and a trial on
    another backend then fails with a message saying so). TensorFlow is
    imported once, quietly unless debugging, and limited to ``threads``
    intra-op threads and one inter-op thread, so that workers sharing a
    machine do not oversubscribe its cores. A warm worker that was set up
    before keeps its settings (TensorFlow refuses to change them once it has
    run an op).
    """
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = backend
    _quiet_native_logs()
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        _import_keras_quietly()  # the backend, and TensorFlow when it is installed
        if "tensorflow" not in sys.modules:
            return
    with native_stderr_hidden(), _unused_imports_skipped():
        import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # already initialized in this process


@contextlib.contextmanager
def native_stderr_hidden() -> Iterator[None]:
    """Hide what native code writes to file descriptor 2 inside the block.

    TensorFlow's C++ runtime writes lines such as "Could not find cuda
    drivers" or "failed call to cuInit" straight to the descriptor, before its
    log level applies, on every start; they say nothing a user can act on.
    They stay visible with ``--debug`` / ``ADAMCTL_DEBUG=1``. Python
    exceptions are unaffected.
    """
    if debug_requested():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def gpu_available() -> bool:
    """Whether the active Keras backend sees a GPU (imports the backend)."""
    import keras

    name = keras.backend.backend()
    if name == "tensorflow":
        import tensorflow as tf

        with native_stderr_hidden():
            return bool(tf.config.list_physical_devices("GPU"))
    if name == "jax":
        import jax

        return any(d.platform == "gpu" for d in jax.devices())
    if name == "torch":
        import torch

        return bool(torch.cuda.is_available())
    return False


def compute_threads() -> int | None:
    """TensorFlow's intra-op thread count (0: one per core); None on other backends."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    return int(tf.config.threading.get_intra_op_parallelism_threads())


def versions() -> dict[str, str]:
    """Versions of adamctl, Keras, the active backend and Python."""
    import keras

    import adamctl

    backend = keras.backend.backend()
    return {
        "adamctl": adamctl.__version__,
        "keras": keras.__version__,
        "backend": backend,
        "backend_version": _distribution_version(_BACKEND_DISTRIBUTIONS.get(backend, backend)),
        "python": platform.python_version(),
    }


@functools.lru_cache(maxsize=None)
def _distribution_version(name: str) -> str:
    """An installed distribution's version (read once per process: its METADATA is parsed)."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
