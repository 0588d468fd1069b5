"""``keras.datasets`` (mnist, fashion_mnist, cifar10, cifar100, boston_housing).

Keras downloads each file once into ``~/.keras/datasets`` (or ``$KERAS_HOME``).
Without a network and without a cached copy, loading fails with a clear
:class:`ConfigError` instead of a network traceback.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
from pathlib import Path

import numpy as np

from adamctl.errors import ConfigError

__all__ = ["KERAS_DATASETS", "load_keras_dataset"]

KERAS_DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100", "boston_housing")


def load_keras_dataset(name: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)), images scaled to [0, 1] with a channel axis.

    Keras prints its "Downloading data from ..." line and progress bar to
    stdout; they go to stderr here, since stdout carries only results.
    """
    if name not in KERAS_DATASETS:
        raise ConfigError(f"must be one of: {', '.join(KERAS_DATASETS)}",
                          key_path="data.source", value=name)
    module = importlib.import_module(f"keras.datasets.{name}")
    try:
        with contextlib.redirect_stdout(sys.stderr):
            (x_train, y_train), (x_test, y_test) = module.load_data()
    except Exception as error:  # urllib, ssl and socket errors when offline
        if not _looks_offline(error):
            raise
        raise _offline_error(name, error) from None
    return _prepare(x_train, y_train, name), _prepare(x_test, y_test, name)


def _offline_error(name: str, error: BaseException) -> ConfigError:
    """What could not be downloaded, why, and the two ways to train without a network."""
    origin = re.search(r"URL fetch failure on (\S+): ", str(error))
    source = f" from {origin.group(1)}" if origin else ""
    cache = Path(_keras_home()) / "datasets"
    return ConfigError(
        f"the keras dataset {name!r} is not cached and could not be downloaded{source}: no "
        f"network is reachable; put Keras's download of it into {cache}, or train on a local "
        "file (data.source: npz, csv or parquet with data.path)",
        key_path="data.source", value=name)


def _keras_home() -> str:
    """Where Keras caches downloads: $KERAS_HOME, else ~/.keras (Keras's own rule)."""
    try:
        from keras.src.backend.config import keras_home  # private, but the one Keras reads
    except ImportError:
        return os.environ.get("KERAS_HOME") or str(Path.home() / ".keras")
    return keras_home()


def _looks_offline(error: BaseException) -> bool:
    import socket
    import ssl
    import urllib.error

    chain = [error, error.__cause__, error.__context__]
    kinds = (urllib.error.URLError, socket.error, ssl.SSLError, TimeoutError, ConnectionError)
    return any(isinstance(e, kinds) for e in chain if e is not None) or "URL fetch failure" in str(error)


def _prepare(x: np.ndarray, y: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == "boston_housing":
        return x.astype(np.float32), y.astype(np.float32)
    x = x.astype(np.float32) / 255.0
    if x.ndim == 3:  # grey images: add the channel axis
        x = x[..., np.newaxis]
    return x, np.asarray(y).reshape(-1).astype(np.int32)
