"""Training: run directories, the loop, summaries.

Importing this package does not import Keras; the functions that train do.
"""

from adamctl.training.rundir import RunDir, new_run_dir

__all__ = ["RunDir", "new_run_dir", "train", "RunResult"]


def __getattr__(name: str):
    if name in ("train", "RunResult"):
        from adamctl.training import run

        return getattr(run, name)
    raise AttributeError(f"module 'adamctl.training' has no attribute {name!r}")
