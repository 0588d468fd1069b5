"""diagnostics.csv's reader and writer: empty cells, the resume cut, the latest step."""

from __future__ import annotations

import pytest

from adamctl.store.diagnostics import (DIAGNOSTICS_COLUMNS, final_epsilon_dominated,
                                       latest_diagnostics, rows_up_to, write_rows)
from adamctl.store.rundir import RunDir


def _write(run: RunDir, steps) -> None:
    rows = [{"step": step, "variable": name, "epsilon_dominated": step / 100, "vhat_gap": None,
             "update_alignment": float("nan")}
            for step in steps for name in ("all", "dense/kernel")]
    write_rows(run.diagnostics_path, DIAGNOSTICS_COLUMNS, rows)


def test_resume_keeps_rows_up_to_the_checkpoint_step(tmp_path):
    run = RunDir(tmp_path)
    _write(run, [10, 20, 30])
    kept = rows_up_to(run.diagnostics_path, 20)
    assert [(r["step"], r["variable"]) for r in kept] == [
        ("10", "all"), ("10", "dense/kernel"), ("20", "all"), ("20", "dense/kernel")]


def test_latest_diagnostics_reads_the_newest_step_with_empty_cells_as_none(tmp_path):
    run = RunDir(tmp_path)
    assert latest_diagnostics(run) is None
    _write(run, [10, 20])
    latest = latest_diagnostics(run)
    assert latest["step"] == 20
    assert [row["variable"] for row in latest["rows"]] == ["all", "dense/kernel"]
    assert latest["rows"][0]["epsilon_dominated"] == 0.2
    assert latest["rows"][0]["vhat_gap"] is None and latest["rows"][0]["update_alignment"] is None


def test_final_epsilon_dominated_is_the_all_row_at_the_last_step(tmp_path):
    run = RunDir(tmp_path)
    assert final_epsilon_dominated(run) is None
    _write(run, [10, 20, 30])
    assert final_epsilon_dominated(run) == 0.3


@pytest.mark.parametrize("steps, variables", [
    pytest.param(3000, 40, id="many-steps"),
    pytest.param(3, 3000, id="a-step-longer-than-a-block"),  # its all row lies blocks back
])
def test_final_epsilon_dominated_reads_a_long_file_from_its_end(tmp_path, steps, variables):
    run = RunDir(tmp_path)
    names = ["all", *(f"model/layer_{i}/kernel" for i in range(variables))]
    rows = [{"step": step, "variable": name, "epsilon_dominated": step / 1e4 + (name == "all")}
            for step in range(1, steps + 1) for name in names]
    write_rows(run.diagnostics_path, DIAGNOSTICS_COLUMNS, rows)
    assert final_epsilon_dominated(run) == steps / 1e4 + 1
