"""diagnostics.png from a run's diagnostics.csv; nothing without one."""

from __future__ import annotations

from adamctl.report.diagnostics_plot import diagnostics_plot
from adamctl.store.diagnostics import DIAGNOSTICS_COLUMNS, write_rows
from adamctl.store.rundir import RunDir


def test_plot_is_written_from_the_diagnostics_and_skipped_without(tmp_path):
    run = RunDir(tmp_path)
    assert diagnostics_plot(run) is None and not run.diagnostics_plot_path.exists()
    rows = [{"step": step, "variable": name, "epsilon_dominated": 0.1 * index,
             "effective_lr_p01": 1e-4, "effective_lr_p50": 1e-3, "effective_lr_p99": 1e-2}
            for step in (10, 20, 30) for index, name in enumerate(("all", "dense/kernel"))]
    write_rows(run.diagnostics_path, DIAGNOSTICS_COLUMNS, rows)
    assert diagnostics_plot(run) == run.diagnostics_plot_path
    assert run.diagnostics_plot_path.read_bytes()[:4] == b"\x89PNG"
