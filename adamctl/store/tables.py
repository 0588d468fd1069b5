"""A sweep's tables, results.csv and summary.csv, as pandas DataFrames.

The only reader and writer of those files; everything else asks for a
DataFrame here (a run's metrics.csv is :mod:`adamctl.store.metrics`). pandas
is imported inside each function, so importing the store stays light.
"""

from __future__ import annotations

from typing import Any

from adamctl._atomic import atomic_write_text
from adamctl.store.sweepdir import SweepDir

__all__ = ["results_frame", "summary_frame", "write_sweep_tables"]


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
