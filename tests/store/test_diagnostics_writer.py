"""DiagnosticsWriter: write_rows's bytes, written on a thread, waited for, failures raised."""

from __future__ import annotations

import pytest

from adamctl.errors import WriteFailed
from adamctl.store.diagnostics import (DIAGNOSTICS_COLUMNS, SCALAR_COLUMNS, read_rows, rows_up_to,
                                       write_rows)
from adamctl.store.diagnostics_writer import DiagnosticsWriter
from adamctl.store.rundir import RunDir


def _step(step: int) -> tuple[list[dict], dict]:
    rows = [{"step": step, "variable": name, "epsilon_dominated": step / 7, "vhat_gap": None,
             "update_alignment": float("nan"), "effective_lr_p50": 1e-3 * step}
            for name in ("all", "dense/kernel")]
    return rows, {"step": step, "t": step, "learning_rate": 0.1 / step, "r_t": None}


def _files(run: RunDir) -> tuple[bytes, bytes]:
    return run.diagnostics_path.read_bytes(), run.diagnostics_scalars_path.read_bytes()


def test_a_resumed_writer_writes_the_bytes_of_write_rows_over_the_kept_rows(tmp_path):
    ran, expected = RunDir(tmp_path / "ran"), RunDir(tmp_path / "expected")
    for run in (ran, expected):
        run.root.mkdir()
    steps = [_step(s) for s in (3, 6, 9)]
    write_rows(ran.diagnostics_path, DIAGNOSTICS_COLUMNS, [r for rows, _ in steps for r in rows])
    write_rows(ran.diagnostics_scalars_path, SCALAR_COLUMNS, [s for _, s in steps])
    writer = DiagnosticsWriter(ran.diagnostics_path, ran.diagnostics_scalars_path, step=6)
    writer.add(*_step(7))  # a resume at step 6 drops the row of step 9 and measures again
    writer.write()
    kept = rows_up_to(ran.diagnostics_path, 7)
    write_rows(expected.diagnostics_path, DIAGNOSTICS_COLUMNS,
               [r for rows, _ in steps[:2] for r in rows] + _step(7)[0])
    write_rows(expected.diagnostics_scalars_path, SCALAR_COLUMNS,
               [s for _, s in steps[:2]] + [_step(7)[1]])
    assert _files(ran) == _files(expected)
    assert [int(r["step"]) for r in kept] == [3, 3, 6, 6, 7, 7]


def test_write_waits_for_the_background_write_and_adds_what_came_after(tmp_path):
    run = RunDir(tmp_path)
    writer = DiagnosticsWriter(run.diagnostics_path, run.diagnostics_scalars_path, step=0)
    writer.add(*_step(5))
    writer.start_write()
    writer.add(*_step(10))
    writer.write()
    assert [int(r["step"]) for r in read_rows(run.diagnostics_path)] == [5, 5, 10, 10]
    assert [int(r["step"]) for r in read_rows(run.diagnostics_scalars_path)] == [5, 10]


def test_a_write_refused_in_the_background_is_raised_by_the_next_write(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    writer = DiagnosticsWriter(blocker / "diagnostics.csv", blocker / "diagnostics_scalars.csv",
                               step=0)
    writer.add(*_step(5))
    writer.start_write()
    with pytest.raises(WriteFailed, match="not-a-folder"):
        writer.write()
    with pytest.raises(WriteFailed, match="not-a-folder"):  # nothing is taken as written
        writer.write()
