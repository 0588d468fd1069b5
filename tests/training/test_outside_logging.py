"""TensorBoard and MLflow logging, read back with their own readers, across a kill and resume.

One run is killed with SIGKILL at step 10, its two newest checkpoints are
removed so that it resumes from step 4, and it is resumed to the end: both
the TensorBoard stream and the MLflow run then already hold values past the
point training continues from, which must not appear twice.
"""

from __future__ import annotations

import csv
import json
import shutil
import signal
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from adamctl.store.rundir import RunDir
from tests.helpers import TINY, merge, run_cli

pytestmark = pytest.mark.slow

# 192 training examples / 32 = 6 steps an epoch, 3 epochs = 18 steps;
# checkpoints at steps 4, 6 (epoch end) and 8 when the kill comes at step 10.
LOGGED = {
    "training": {"epochs": 3, "checkpoint_every": 4, "keep_checkpoints": 3},
    "logging": {"tensorboard": True, "mlflow": {"experiment": "tests"}},
}
STEPS = 18


@pytest.fixture(scope="module")
def resumed_run(tmp_path_factory) -> Path:
    """A run killed at step 10, set back to its step-4 checkpoint, and resumed to the end."""
    tmp_path = tmp_path_factory.mktemp("logged")
    config, run_dir = tmp_path / "config.yaml", tmp_path / "run"
    config.write_text(yaml.safe_dump(merge(TINY, LOGGED)))
    killed = run_cli("train", str(config), "--run-dir", str(run_dir), "-q", cwd=tmp_path,
                     env={"ADAMCTL_KILL_AT": "step:10"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    for newer in RunDir(run_dir).checkpoint_dirs()[1:]:
        shutil.rmtree(newer)
    resumed = run_cli("resume", str(run_dir), "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((run_dir / "summary.json").read_text())["resumed"][-1]["step"] == 4
    return run_dir


def _metrics_rows(run_dir: Path) -> list[dict[str, str]]:
    with (run_dir / "metrics.csv").open() as handle:
        return list(csv.DictReader(handle))


def _columns(rows: list[dict[str, str]]) -> list[str]:
    return [name for name in rows[0] if name != "epoch"]


def test_tensorboard_holds_one_value_per_step_equal_to_metrics_csv(resumed_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util.tensor_util import make_ndarray

    # Without purging, TensorBoard's reader keeps every value it finds, so
    # a step written twice shows as two events.
    events = EventAccumulator(str(resumed_run / "tensorboard"), purge_orphaned_data=False,
                              size_guidance={"tensors": 0})
    events.Reload()
    rows = _metrics_rows(resumed_run)
    assert len(rows) == 3
    tags = events.Tags()["tensors"]
    assert set(tags) == {"step/loss"} | {f"epoch/{name}" for name in _columns(rows)}
    for tag in tags:
        steps = Counter(event.step for event in events.Tensors(tag))
        assert all(count == 1 for count in steps.values()), (tag, steps)
    assert sorted(event.step for event in events.Tensors("step/loss")) == list(range(1, STEPS + 1))
    for name in _columns(rows):
        written = {e.step: float(make_ndarray(e.tensor_proto)) for e in events.Tensors(f"epoch/{name}")}
        # The summaries hold float32: compare the CSV's value rounded the same way.
        expected = {int(row["step"]): float(np.float32(float(row[name]))) for row in rows}
        assert written == expected, name


def _flatten(mapping: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in mapping.items():
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value if isinstance(value, str) else json.dumps(value)
    return flat


def test_mlflow_run_has_the_config_and_metrics_csv_once_per_epoch(resumed_run):
    MlflowClient = pytest.importorskip("mlflow", reason="the adamctl[mlflow] extra").MlflowClient

    summary = json.loads((resumed_run / "summary.json").read_text())
    record = summary["mlflow"]
    database = resumed_run.parent / "runs" / "mlflow.db"
    assert record["tracking_uri"] == f"sqlite:///{database}" and database.is_file()
    client = MlflowClient(tracking_uri=record["tracking_uri"])
    logged = client.get_run(record["run_id"])
    assert logged.info.status == "FINISHED"
    assert logged.data.tags["adamctl.status"] == "completed"

    config = yaml.safe_load((resumed_run / "config.yaml").read_text())
    assert logged.data.params == _flatten(config)
    rows = _metrics_rows(resumed_run)
    for name in _columns(rows):
        history = sorted((m.step, m.value) for m in client.get_metric_history(record["run_id"], name))
        assert [step for step, _ in history] == [1, 2, 3], name
        # Epoch 1 was logged before the kill and trained again after the
        # resume: MLflow keeps its first values, identical except for the
        # wall time.
        if name != "time_s":
            assert history == [(int(row["epoch"]), float(row[name])) for row in rows], name
    artifacts = {item.path for item in client.list_artifacts(record["run_id"])}
    assert {"config.yaml", "metrics.csv", "summary.json"} <= artifacts


def test_sweep_trials_log_side_by_side(tmp_path):
    """Two workers create the default SQLite store at once; each trial keeps its own events
    and is nested under one parent run for the sweep."""
    MlflowClient = pytest.importorskip("mlflow", reason="the adamctl[mlflow] extra").MlflowClient
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(merge(TINY, {"logging": LOGGED["logging"]})))
    swept = run_cli("sweep", str(config), "--grid", "optimizer.learning_rate=0.01,0.02",
                    "--workers", "2", "-q", cwd=tmp_path)
    assert swept.returncode == 0, swept.stderr
    sweep_dir = tmp_path / swept.stdout.strip().splitlines()[-1]
    trials = sorted((sweep_dir / "trials").iterdir())
    assert len(trials) == 2
    for trial in trials:
        assert json.loads((trial / "summary.json").read_text())["status"] == "completed"
        assert list((trial / "tensorboard").glob("events.out.tfevents.*"))
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'runs' / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("tests").experiment_id])
    parents = [run for run in runs if "adamctl.trial" not in run.data.tags]
    children = [run for run in runs if "adamctl.trial" in run.data.tags]
    assert len(parents) == 1 and parents[0].data.tags["adamctl.sweep"] == sweep_dir.name
    assert sorted(run.data.tags["adamctl.trial"] for run in children) == [t.name for t in trials]
    assert {run.data.tags["mlflow.parentRunId"] for run in children} == {parents[0].info.run_id}
    assert {run.data.tags["adamctl.sweep"] for run in children} == {sweep_dir.name}
    assert {run.info.status for run in runs} == {"FINISHED"}
