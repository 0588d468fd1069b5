"""The store's tables as pandas DataFrames: a run's metrics.csv, a sweep's results and summary.

These are the only readers of those CSV files (and the only writer of the
sweep tables); everything else asks for a DataFrame here. pandas is
imported inside each function, so importing the store stays light.
"""

from __future__ import annotations

from typing import Any

from adamctl._atomic import atomic_write_text
from adamctl.store.rundir import RunDir
from adamctl.store.sweepdir import SweepDir

__all__ = ["metrics_frame", "results_frame", "summary_frame", "write_sweep_tables"]


def metrics_frame(run: RunDir) -> Any:
    """``run``'s metrics.csv, one row per epoch; an empty frame with an epoch column if absent."""
    import pandas as pd

    if not run.metrics_path.is_file():
        return pd.DataFrame(columns=["epoch"])
    return pd.read_csv(run.metrics_path)


def results_frame(sweep: SweepDir) -> Any:
    """``sweep``'s results.csv, one row per trial (an empty frame if absent)."""
    import pandas as pd

    return pd.read_csv(sweep.results_path) if sweep.results_path.is_file() else pd.DataFrame()


def summary_frame(sweep: SweepDir) -> Any:
    """``sweep``'s summary.csv, one row per grid point (an empty frame if absent)."""
    import pandas as pd

    return pd.read_csv(sweep.summary_path) if sweep.summary_path.is_file() else pd.DataFrame()


def write_sweep_tables(sweep: SweepDir, results: Any, summary: Any) -> None:
    """Write results.csv and summary.csv atomically (pandas writes floats in full precision)."""
    atomic_write_text(sweep.results_path, results.to_csv(index=False))
    atomic_write_text(sweep.summary_path, summary.to_csv(index=False))
