"""``keras.datasets`` (mnist, fashion_mnist, cifar10, cifar100, boston_housing).

Keras downloads each file once into ``~/.keras/datasets`` (or ``$KERAS_HOME``).
Without a network and without a cached copy, loading fails with a clear
:class:`ConfigError` instead of a network traceback.
"""

from __future__ import annotations

import importlib

import numpy as np

from adamctl.errors import ConfigError

__all__ = ["KERAS_DATASETS", "load_keras_dataset"]

KERAS_DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100", "boston_housing")


def load_keras_dataset(name: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)), images scaled to [0, 1] with a channel axis."""
    if name not in KERAS_DATASETS:
        raise ConfigError(f"must be one of: {', '.join(KERAS_DATASETS)}",
                          key_path="data.source", value=name)
    module = importlib.import_module(f"keras.datasets.{name}")
    try:
        (x_train, y_train), (x_test, y_test) = module.load_data()
    except Exception as error:  # urllib, ssl and socket errors when offline
        if not _looks_offline(error):
            raise
        raise ConfigError(
            f"could not be downloaded (no network reachable: {type(error).__name__}); put a "
            f"cached copy where Keras looks (~/.keras/datasets or $KERAS_HOME/datasets), or "
            "use data.source: npz with a local file", key_path="data.source", value=name,
        ) from None
    return _prepare(x_train, y_train, name), _prepare(x_test, y_test, name)


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
