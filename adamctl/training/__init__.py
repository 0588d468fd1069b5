"""Training: a config becomes a trained model in a run directory, and resumes.

The run directory itself (paths, checkpoints, metrics.csv, summary.json) is
:mod:`adamctl.store`. Importing this package does not import Keras; the
functions that train do.
"""

__all__ = ["train", "RunResult"]


def __getattr__(name: str):
    if name in ("train", "RunResult"):
        from adamctl.training import run

        return getattr(run, name)
    raise AttributeError(f"module 'adamctl.training' has no attribute {name!r}")
