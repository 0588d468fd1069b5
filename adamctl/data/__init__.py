"""Data sources: seeded synthetic data, scikit-learn's digits, the user's files, keras.datasets.

Importing this package loads neither Keras nor TensorFlow.
"""

from __future__ import annotations

import numpy as np

from adamctl.data.checks import require_features, require_split_sizes
from adamctl.data.dataset import Dataset, iterate_batches, split_validation
from adamctl.data.labels import encode_labels

__all__ = ["Dataset", "iterate_batches", "load_dataset", "split_validation"]


def load_dataset(cfg, *, seed: int) -> Dataset:
    """The dataset ``cfg`` (a :class:`~adamctl.config.schema.DataConfig`) describes.

    ``validation_split`` of the examples is held out (seeded). For
    keras.datasets the official test split is kept aside and the validation
    set is drawn from the training split, like every other source, so that
    validation metrics never look at the test set. Class labels are numbered
    through their sorted distinct values (:func:`encode_labels`).

    Raises:
        ConfigError: data that cannot be trained on: no examples or features,
            an empty training or validation set, unusable labels.
    """
    x, y, name = _arrays(cfg, seed)
    require_features(x, where=name)
    y, labels = _classes(cfg, y, name)
    x_train, y_train, x_val, y_val = split_validation(x, y, cfg.validation_split, seed)
    require_split_sizes(len(x), len(x_train), len(x_val), fraction=cfg.validation_split,
                        where=name, synthetic=cfg.source == "synthetic")
    return Dataset(x_train, y_train, x_val, y_val, cfg.task,
                   None if labels is None else len(labels),
                   tuple(int(d) for d in x.shape[1:]), name, labels)


def _classes(cfg, y: np.ndarray, name: str) -> tuple[np.ndarray, tuple | None]:
    """(class ids, the label of each id) for classification; (y, None) for regression."""
    if cfg.task != "classification":
        return y, None
    if cfg.source == "synthetic":  # ids 0..classes-1 by construction, some maybe unseen
        return y, tuple(range(cfg.classes))
    return encode_labels(y, where=name)


def _arrays(cfg, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    if cfg.source == "synthetic":
        from adamctl.data.synthetic import make_synthetic

        x, y = make_synthetic(cfg.task, samples=cfg.samples, features=cfg.features,
                              classes=cfg.classes, noise=cfg.noise, seed=seed)
        return x, y, f"synthetic-{cfg.task}"
    if cfg.source == "digits":
        from adamctl.data.digits import load_digits_arrays

        return (*load_digits_arrays(), "digits")
    if cfg.source in ("csv", "parquet"):
        from adamctl.data.files import load_table

        x, y = load_table(cfg.path, kind=cfg.source, target=cfg.target, inputs=cfg.inputs,
                          task=cfg.task)
        return x, y, cfg.path
    if cfg.source == "npz":
        from adamctl.data.npz import load_npz

        x, y = load_npz(cfg.path, inputs=cfg.inputs, target=cfg.target, task=cfg.task)
        return x, y, cfg.path
    from adamctl.data.keras_datasets import load_keras_dataset

    (x, y), _ = load_keras_dataset(cfg.source)
    return x, y, cfg.source
