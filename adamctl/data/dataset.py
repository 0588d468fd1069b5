"""`Dataset`: the arrays a run trains and validates on, and how they are split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Dataset", "split_validation", "iterate_batches"]


@dataclass(frozen=True)
class Dataset:
    """Training and validation arrays with what a model needs to know about them.

    ``x`` is float32; ``y`` holds int32 class ids (classification) or
    float32 targets (regression). ``class_labels[i]`` is the label in the
    data that class id ``i`` stands for.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    task: str
    num_classes: int | None
    input_shape: tuple[int, ...]
    name: str
    class_labels: tuple[Any, ...] | None = None

    def describe(self) -> dict[str, Any]:
        """Sizes, shapes, class counts and each class id's label, for summary.json."""
        info: dict[str, Any] = {
            "name": self.name, "task": self.task,
            "train_examples": int(len(self.x_train)), "val_examples": int(len(self.x_val)),
            "input_shape": list(self.input_shape),
        }
        if self.num_classes is not None:
            info["num_classes"] = self.num_classes
            info["train_class_counts"] = np.bincount(
                self.y_train.astype(np.int64), minlength=self.num_classes).tolist()
        if self.class_labels is not None:
            info["class_labels"] = list(self.class_labels)
        return info


def split_validation(
    x: np.ndarray, y: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A seeded shuffled split: (x_train, y_train, x_val, y_val), ``fraction`` held out.

    The validation size is round(n * fraction); with fraction 0 the
    validation arrays are empty but keep their trailing shapes.
    """
    n = len(x)
    order = np.random.Generator(np.random.PCG64([seed, 0x5EED])).permutation(n)
    held_out = int(round(n * fraction))
    val, train = order[:held_out], order[held_out:]
    return x[train], y[train], x[val], y[val]


def iterate_batches(
    n: int, batch_size: int, *, epoch: int, seed: int, shuffle: bool
) -> list[np.ndarray]:
    """The index arrays of one epoch's batches, in order; the last may be smaller.

    A pure function of its arguments: the order of epoch ``e`` is the
    permutation drawn from PCG64 seeded with (seed, e), so a run resumed in
    the middle of an epoch sees exactly the batches it would have seen.
    ``n`` must be positive: with no examples there is no batch, and a loop
    waiting for ``steps`` of them would never end.
    """
    if n < 1:
        raise ValueError(f"no examples to batch (n={n})")
    if shuffle:
        order = np.random.Generator(np.random.PCG64([seed, epoch])).permutation(n)
    else:
        order = np.arange(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]
