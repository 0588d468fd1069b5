"""`adamctl sweep` and `adamctl report`: real trials, real worker processes, real kills."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from adamctl.cli import cli
from tests.helpers import TINY, adamctl_executable, merge, run_cli

pytestmark = pytest.mark.slow

SMALL = merge(TINY, {"training": {"epochs": 2}})


def _config(tmp_path: Path, extra: dict | None = None) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(merge(SMALL, extra or {})))
    return path


GRID = ["--grid", "optimizer.beta_1=0.8,0.9", "--grid", "optimizer.epsilon=1e-7,1e-3"]


def test_dry_run_lists_the_trials_and_writes_nothing(tmp_path):
    result = CliRunner().invoke(cli, ["sweep", str(_config(tmp_path)), *GRID, "--seeds", "2",
                                      "--dry-run", "--sweep-dir", str(tmp_path / "s")],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert "8 trials" in result.stdout and "p003-s4" in result.stdout
    assert not (tmp_path / "s").exists()


def test_sweep_writes_the_layout_tables_and_plots(tmp_path):
    sweep_dir = tmp_path / "s"
    process = run_cli("sweep", str(_config(tmp_path)), *GRID, "--seeds", "2", "--workers", "2",
                      "--sweep-dir", str(sweep_dir), cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip().splitlines()[-1] == str(sweep_dir)
    plan = yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
    assert len(plan["trials"]) == 8
    results = pd.read_csv(sweep_dir / "results.csv")
    assert len(results) == 8 and set(results["status"]) == {"completed"}
    assert {"optimizer.beta_1", "optimizer.epsilon", "seed", "final_val_loss", "best_val_loss",
            "steps", "wall_time_s"} <= set(results.columns)
    for trial in plan["trials"]:
        summary = json.loads((sweep_dir / "trials" / trial["id"] / "summary.json").read_text())
        assert summary["status"] == "completed" and summary["seed"] == trial["seed"]
        # Each of the 2 workers has its share of the cores.
        assert summary["threads"] == max(1, (os.cpu_count() or 1) // 2)
    summary = pd.read_csv(sweep_dir / "summary.csv")
    assert len(summary) == 4 and set(summary["seeds"]) == {2}
    point = summary[(summary["optimizer.beta_1"] == 0.9) & (summary["optimizer.epsilon"] == 1e-3)]
    runs = results[(results["optimizer.beta_1"] == 0.9) & (results["optimizer.epsilon"] == 1e-3)]
    assert point["final_val_loss_mean"].item() == pytest.approx(runs["final_val_loss"].mean())
    assert point["final_val_loss_std"].item() == pytest.approx(runs["final_val_loss"].std(ddof=1))
    for name in ("report.md", "curves.png", "heatmap.png"):
        assert (sweep_dir / name).stat().st_size > 0
    assert "heatmap.png" in (sweep_dir / "report.md").read_text()
    progress = [line for line in process.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == 8 and all(" completed  val_loss=" in line for line in progress)
    assert all("ETA " in line for line in progress[:-1]) and "ETA" not in progress[-1]


def test_a_trial_running_alone_matches_the_same_trial_in_a_warm_worker(tmp_path):
    sweep_dir = tmp_path / "s"
    assert run_cli("sweep", str(_config(tmp_path)), "--grid", "optimizer.beta_1=0.7,0.8",
                   "--workers", "1", "--sweep-dir", str(sweep_dir), "-q", cwd=tmp_path).returncode == 0
    second = sweep_dir / "trials" / "p001-s3"  # ran after another trial in the same process
    alone = run_cli("train", str(second / "config.yaml"), "--run-dir", str(tmp_path / "alone"),
                    "-q", cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    losses = lambda d: pd.read_csv(d / "metrics.csv")[["loss", "val_loss"]].values.tolist()  # noqa
    assert losses(second) == losses(tmp_path / "alone")


def test_a_grid_over_backends_trains_each_trial_on_its_backend(tmp_path):
    """Keras reads its backend once per process: a worker that ran a JAX trial cannot run a
    TensorFlow one (every trial of such a sweep used to fail). One worker takes all three."""
    sweep_dir = tmp_path / "s"
    done = run_cli("sweep", str(_config(tmp_path)), "--grid", "backend=jax,tensorflow,jax",
                   "--workers", "1", "--sweep-dir", str(sweep_dir), "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    trials = sorted((sweep_dir / "trials").iterdir())
    summaries = [json.loads((t / "summary.json").read_text()) for t in trials]
    assert [s["status"] for s in summaries] == ["completed"] * 3
    assert [s["versions"]["backend"] for s in summaries] == ["jax", "tensorflow", "jax"]
    alone = run_cli("train", str(trials[2] / "config.yaml"), "--run-dir", str(tmp_path / "alone"),
                    "-q", cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    losses = lambda d: pd.read_csv(d / "metrics.csv")[["loss", "val_loss"]].values.tolist()  # noqa
    assert losses(trials[2]) == losses(tmp_path / "alone")


def test_report_formats(tmp_path):
    sweep_dir = tmp_path / "s"
    assert run_cli("sweep", str(_config(tmp_path)), "--grid", "optimizer.beta_1=0.5,0.9",
                   "--sweep-dir", str(sweep_dir), "-q", cwd=tmp_path).returncode == 0
    as_json = CliRunner().invoke(cli, ["report", str(sweep_dir), "--format", "json"],
                                 catch_exceptions=False)
    rows = json.loads(as_json.stdout)["rows"]
    assert [set(row) for row in rows][0] == {"optimizer.beta_1", "val_loss_mean", "val_loss_std",
                                             "seeds", "status"}
    assert rows[0]["val_loss_mean"] <= rows[1]["val_loss_mean"]  # best first (mode: min)
    as_max = json.loads(CliRunner().invoke(cli, ["report", str(sweep_dir), "--format", "json",
                                                 "--metric", "val_accuracy"]).stdout)["rows"]
    assert as_max[0]["val_accuracy_mean"] >= as_max[1]["val_accuracy_mean"]  # inferred: max
    markdown = CliRunner().invoke(cli, ["report", str(sweep_dir), "--format", "markdown"]).stdout
    assert markdown.startswith("| optimizer.beta_1 | val_loss mean |")
    csv_text = CliRunner().invoke(cli, ["report", str(sweep_dir / "trials" / "p000-s3"),
                                        "--format", "csv"]).stdout
    assert csv_text.splitlines()[0].startswith("epoch,step,loss,val_loss")
    bad = CliRunner().invoke(cli, ["report", str(sweep_dir), "--metric", "val_los"])
    assert bad.exit_code == 2 and "choose one of" in bad.stderr


def test_a_failing_trial_is_recorded_and_the_others_go_on(tmp_path):
    # lr = 1e30 on a regression makes exactly the trials with it diverge.
    config = _config(tmp_path, {"data": {"task": "regression"}, "model": {"preset": "logreg"}})
    sweep_dir = tmp_path / "s"
    process = run_cli("sweep", str(config), "--grid", "optimizer.learning_rate=0.01,1e30",
                      "--sweep-dir", str(sweep_dir), cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    assert "1 diverged" in process.stdout  # the final table keeps the diverged point
    assert any(" diverged  " in line and "loss became" in line
               for line in process.stderr.splitlines())
    results = pd.read_csv(sweep_dir / "results.csv").set_index("trial")
    assert results.loc["p000-s3", "status"] == "completed"
    assert results.loc["p001-s3", "status"] == "diverged"
    assert "loss became" in results.loc["p001-s3", "error"]
    diverged = CliRunner().invoke(cli, ["report", results.loc["p001-s3", "run_dir"], "--format",
                                        "json"], catch_exceptions=False)
    shown = json.loads(diverged.stdout)
    assert shown["status"] == "diverged" and shown["rows"] == []
    assert shown["note"].startswith("no epoch completed; diverged at step ")


def _start_long_sweep(tmp_path: Path, sweep_dir: Path, beta_1: str, *, workers: int,
                      checkpoint_glob: str) -> subprocess.Popen:
    """Start a sweep of long trials in its own process group; return once a checkpoint exists."""
    config = _config(tmp_path, {"training": {"epochs": 30, "checkpoint_every": 5}})
    process = subprocess.Popen(
        [adamctl_executable(), "sweep", str(config), "--grid", f"optimizer.beta_1={beta_1}",
         "--workers", str(workers), "--sweep-dir", str(sweep_dir), "-q"],
        cwd=tmp_path, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 180
    while not list((sweep_dir / "trials").glob(checkpoint_glob)):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    return process


def test_killed_sweep_resumes_keeping_finished_trials(tmp_path):
    sweep_dir = tmp_path / "s"
    process = _start_long_sweep(tmp_path, sweep_dir, "0.5,0.6,0.7,0.8", workers=2,
                                checkpoint_glob="*/checkpoints/ckpt-*")
    os.killpg(process.pid, signal.SIGKILL)  # the sweep and its workers, as a crash would
    process.wait()
    before = pd.read_csv(sweep_dir / "results.csv")
    assert (before["status"] != "completed").any()

    resumed = run_cli("sweep", "--resume", str(sweep_dir), "-q", cwd=tmp_path, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    after = pd.read_csv(sweep_dir / "results.csv")
    assert set(after["status"]) == {"completed"} and len(after) == 4
    interrupted = [t for t in after["trial"]
                   if "resumed" in json.loads((sweep_dir / "trials" / t / "summary.json").read_text())]
    assert interrupted, "no trial resumed from a checkpoint"


def test_ctrl_c_says_how_to_resume_the_sweep(tmp_path):
    sweep_dir = tmp_path / "s"
    process = _start_long_sweep(tmp_path, sweep_dir, "0.5,0.6", workers=1,
                                checkpoint_glob="*/checkpoints/ckpt-*")
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole process group
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    hints = [line for line in stderr.splitlines()
             if f'"adamctl sweep --resume {sweep_dir}"' in line]
    assert len(hints) == 1, stderr  # one line, from the sweep, none from its workers


def test_killing_a_worker_fails_its_trial_and_the_sweep_goes_on(tmp_path):
    sweep_dir = tmp_path / "s"
    process = _start_long_sweep(tmp_path, sweep_dir, "0.5,0.6,0.7", workers=1,
                                checkpoint_glob="p000-s3/checkpoints/ckpt-*")
    lock = json.loads((sweep_dir / "trials" / "p000-s3" / ".lock").read_text())
    os.kill(lock["pid"], signal.SIGKILL)  # the worker running the first trial
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    results = pd.read_csv(sweep_dir / "results.csv").set_index("trial")
    assert results.loc["p000-s3", "status"] == "failed"
    assert "worker process running it died (signal 9)" in results.loc["p000-s3", "error"]
    assert results.loc["p001-s3", "status"] == "completed"
    assert results.loc["p002-s3", "status"] == "completed"


@pytest.mark.ray
def test_ray_executor_writes_the_same_layout(tmp_path):
    """Also across backends: with one Ray CPU the tasks run one after another, and a JAX
    trial after a TensorFlow one needs a worker of its own (Keras picks a backend once)."""
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'adamctl[ray]')")
    sweep_dir = tmp_path / "s"
    grid = ["--grid", "backend=tensorflow,jax"]
    process = run_cli("sweep", str(_config(tmp_path)), *grid,
                      "--executor", "ray", "--workers", "1", "--sweep-dir", str(sweep_dir), "-q",
                      cwd=tmp_path, timeout=600)
    assert process.returncode == 0, process.stderr[-3000:]
    results = pd.read_csv(sweep_dir / "results.csv")
    assert list(results["status"]) == ["completed"] * 2
    assert list(results["backend"]) == ["tensorflow", "jax"]
    assert (sweep_dir / "summary.csv").exists() and (sweep_dir / "report.md").exists()
    # The same trial gives the same numbers whichever executor ran it.
    local_dir = tmp_path / "local"
    assert run_cli("sweep", str(_config(tmp_path)), *grid,
                   "--sweep-dir", str(local_dir), "-q", cwd=tmp_path).returncode == 0
    local = pd.read_csv(local_dir / "results.csv")
    assert results["final_val_loss"].tolist() == local["final_val_loss"].tolist()
