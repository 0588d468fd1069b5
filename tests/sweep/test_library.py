"""adamctl.sweep.prepare/start/resume and adamctl.report, called as library functions.

The trials run in one warm worker process (that is how a sweep runs); the
calls, the tables and the report are made and read here, without the CLI.
"""

from __future__ import annotations

import pytest
import yaml

import adamctl.sweep
from adamctl.errors import UsageError
from adamctl.report import load_report, render_text, write_sweep_report
from adamctl.store.tables import results_frame, summary_frame
from tests.helpers import TINY, merge

pytestmark = pytest.mark.slow


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(merge(TINY, {"training": {"epochs": 1}})))
    return path


def test_prepare_writes_nothing_and_defaults_to_runs(config_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plan, where = adamctl.sweep.prepare(config_path, grid_options=["optimizer.beta_1=0.8,0.9"])
    assert [t.point.as_dict()["optimizer.beta_1"] for t in plan.trials] == [0.8, 0.9]
    assert {t.seed for t in plan.trials} == {3}
    assert where.root.parent.name == "runs" and where.root.name.startswith("tiny-sweep-")
    assert not where.root.exists()


def test_start_then_resume_then_report(config_path, tmp_path):
    plan, where = adamctl.sweep.prepare(config_path, seeds=2, sweep_dir=tmp_path / "sw")
    seen = []
    outcome = adamctl.sweep.start(plan, where, workers=1,
                                  progress=lambda record, done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]
    results = results_frame(where)
    assert list(results["status"]) == ["completed", "completed"]
    assert results.equals(outcome.results.astype(results.dtypes.to_dict()))
    assert int(summary_frame(where)["seeds"].iloc[0]) == 2
    with pytest.raises(UsageError, match="already holds a sweep"):
        adamctl.sweep.start(plan, where, workers=1)

    again = adamctl.sweep.resume(where.root, workers=1, progress=pytest.fail)
    assert list(again.results["status"]) == ["completed", "completed"]

    table = load_report(where.root)
    assert table.kind == "sweep" and table.metric == "val_loss"
    assert list(table.frame.columns) == ["val_loss mean", "val_loss std", "seeds", "status"]
    assert render_text(table, "markdown").splitlines()[0] == \
        "| val_loss mean | val_loss std | seeds | status |"
    assert write_sweep_report(where) == where.report_path
    assert "2 trials: 2 completed" in where.report_path.read_text()
