"""Which way a metric is better, as Keras's ``mode="auto"`` decides it.

One rule for the sweep plan, reports, comparisons and early stopping:
accuracy-like names ("acc", "auc", precision, recall, f1, IoU) are maximised;
losses, errors and everything else are minimised.
"""

from __future__ import annotations

__all__ = ["metric_direction", "MAXIMISED_MARKERS"]

MAXIMISED_MARKERS = ("acc", "auc", "precision", "recall", "f1", "iou")


def metric_direction(metric: str) -> str:
    """``"max"`` for an accuracy-like metric name, else ``"min"``."""
    lowered = metric.lower()
    if lowered.endswith("loss") or "error" in lowered:
        return "min"
    return "max" if any(marker in lowered for marker in MAXIMISED_MARKERS) else "min"
