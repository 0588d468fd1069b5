"""The on-disk store: run and sweep directories, and every file in them.

This package owns every file name (``config.yaml``, ``metrics.csv``,
``summary.json``, checkpoints, ``sweep.yaml``, ``results.csv``...) and
every reader and writer of those files; the rest of adamctl asks it for
paths and tables. It sits beneath ``training``, ``sweep`` and ``report``
and imports none of them. Importing it loads neither NumPy's users
(checkpoints) nor pandas (tables): those modules are imported on use.

Modules: :mod:`.rundir` (RunDir), :mod:`.sweepdir` (SweepDir),
:mod:`.checkpoint`, :mod:`.metrics` (metrics.csv rows),
:mod:`.summary` (summary.json), :mod:`.lock`, :mod:`.inspect`,
:mod:`.tables` (DataFrames of the CSV files), :mod:`.catalog` (the rows of
``adamctl runs``), :mod:`.environment` (environment.txt).
"""

from adamctl.store.rundir import RUNS_ROOT, RunDir, new_run_dir, stamped_path
from adamctl.store.sweepdir import SweepDir, new_sweep_dir

__all__ = ["RUNS_ROOT", "RunDir", "SweepDir", "new_run_dir", "new_sweep_dir", "stamped_path"]
