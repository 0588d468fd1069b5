"""scikit-learn's bundled handwritten digits: 1,797 8x8 images, ten classes, no download."""

from __future__ import annotations

import numpy as np

__all__ = ["load_digits_arrays"]


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(x, y): images of shape (8, 8, 1) scaled to [0, 1] (pixels are 0..16), int32 labels."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.images / 16.0).astype(np.float32)[..., np.newaxis]
    return x, bunch.target.astype(np.int32)
