"""Data sources: seeded synthetic data, scikit-learn's digits, the user's files, keras.datasets.

Importing this package loads neither Keras nor TensorFlow.
"""

from __future__ import annotations

import numpy as np

from adamctl.data.dataset import Dataset, iterate_batches, split_validation

__all__ = ["Dataset", "iterate_batches", "load_dataset", "split_validation"]


def load_dataset(cfg, *, seed: int) -> Dataset:
    """The dataset ``cfg`` (a :class:`~adamctl.config.schema.DataConfig`) describes.

    ``validation_split`` of the examples is held out (seeded). For
    keras.datasets the official test split is kept aside and the validation
    set is drawn from the training split, like every other source, so that
    validation metrics never look at the test set.
    """
    x, y, name = _arrays(cfg, seed)
    num_classes = int(y.max()) + 1 if cfg.task == "classification" else None
    if cfg.task == "classification" and cfg.source == "synthetic":
        num_classes = cfg.classes
    x_train, y_train, x_val, y_val = split_validation(x, y, cfg.validation_split, seed)
    return Dataset(x_train, y_train, x_val, y_val, cfg.task, num_classes,
                   tuple(int(d) for d in x.shape[1:]), name)


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
        from adamctl.data.files import load_npz

        x, y = load_npz(cfg.path, inputs=cfg.inputs, target=cfg.target, task=cfg.task)
        return x, y, cfg.path
    from adamctl.data.keras_datasets import load_keras_dataset

    (x, y), _ = load_keras_dataset(cfg.source)
    return x, y, cfg.source
