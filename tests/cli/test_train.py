"""`adamctl train`: real Keras training, driven through the real command."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from adamctl.cli import cli
from tests.helpers import adamctl_executable, run_cli


def _train(*args: str, catch: bool = False):
    return CliRunner().invoke(cli, ["train", *args], catch_exceptions=catch)


def _rows(run_dir: Path) -> list[dict[str, str]]:
    with (run_dir / "metrics.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_train_writes_complete_run_directory(write_config, tmp_path):
    config = write_config()
    run_dir = tmp_path / "run"
    result = _train(str(config), "--run-dir", str(run_dir))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == str(run_dir)

    resolved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert resolved["optimizer"]["learning_rate"] == 0.01
    assert resolved["optimizer"]["beta_2"] == 0.999  # a default, filled in
    assert resolved["training"]["epochs"] == 2

    rows = _rows(run_dir)
    assert [row["epoch"] for row in rows] == ["1", "2"]
    assert list(rows[0]) == [
        "epoch", "step", "loss", "val_loss", "accuracy", "val_accuracy", "learning_rate", "time_s",
    ]
    # 256 examples, 25% held out -> 192 training examples -> 6 batches of 32.
    assert [row["step"] for row in rows] == ["6", "12"]
    # float32 values with their own shortest digits, not 0.009999999776482582.
    assert rows[0]["learning_rate"] == "0.01"
    assert all(len(row["loss"]) <= 12 for row in rows)

    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["steps"] == 12 and summary["epochs_completed"] == 2
    assert summary["final"]["loss"] == pytest.approx(float(rows[-1]["loss"]))
    assert summary["best"]["val_loss"]["value"] == min(float(r["val_loss"]) for r in rows)
    assert summary["seed"] == 3
    assert summary["final"]["learning_rate"] == 0.01
    assert set(summary["versions"]) >= {"adamctl", "keras", "backend", "python"}
    assert (run_dir / "model.weights.h5").stat().st_size > 0


def test_training_reduces_the_loss(write_config, tmp_path):
    config = write_config({"training": {"epochs": 4}})
    result = _train(str(config), "--run-dir", str(tmp_path / "run"), "--quiet")
    assert result.exit_code == 0, result.output
    losses = [float(row["loss"]) for row in _rows(tmp_path / "run")]
    assert losses[-1] < losses[0]


def test_same_config_and_seed_give_identical_metrics(write_config, tmp_path):
    config = write_config({"model": {"dropout": 0.2}})
    for name in ("a", "b"):
        assert _train(str(config), "--run-dir", str(tmp_path / name), "-q").exit_code == 0
    columns = ("loss", "val_loss", "accuracy", "val_accuracy")
    first = [[row[c] for c in columns] for row in _rows(tmp_path / "a")]
    second = [[row[c] for c in columns] for row in _rows(tmp_path / "b")]
    assert first == second


def test_set_overrides_reach_the_optimizer_and_are_recorded(write_config, tmp_path):
    config = write_config()
    run_dir = tmp_path / "run"
    result = _train(
        str(config), "--run-dir", str(run_dir), "-q",
        "--set", "optimizer.beta_1=0.5", "--set", "optimizer.amsgrad=true",
    )
    assert result.exit_code == 0, result.output
    resolved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert resolved["optimizer"]["beta_1"] == 0.5
    assert resolved["optimizer"]["amsgrad"] is True
    assert yaml.safe_load((run_dir / "overrides.yaml").read_text()) == [
        "optimizer.beta_1=0.5", "optimizer.amsgrad=true",
    ]


def test_quiet_prints_only_the_run_directory(write_config, tmp_path):
    result = _train(str(write_config()), "--run-dir", str(tmp_path / "run"), "--quiet")
    assert result.exit_code == 0
    assert result.stdout.strip() == str(tmp_path / "run")


def test_default_run_directory_is_under_runs(write_config, tmp_path, monkeypatch):
    config = write_config()
    monkeypatch.chdir(tmp_path)
    result = _train(str(config), "-q")
    assert result.exit_code == 0, result.output
    run_dir = Path(result.stdout.strip())
    assert run_dir.parent == Path("runs")
    assert run_dir.name.startswith("tiny-") and len(run_dir.name) == len("tiny-20260101-120000")
    assert (tmp_path / run_dir / "summary.json").exists()


def test_existing_run_directory_is_refused_with_the_fix(write_config, tmp_path):
    config = write_config()
    run_dir = tmp_path / "run"
    assert _train(str(config), "--run-dir", str(run_dir), "-q").exit_code == 0
    result = _train(str(config), "--run-dir", str(run_dir), "-q")
    assert result.exit_code == 2
    assert f'{run_dir} already has a run; use "adamctl resume {run_dir}"' in result.stderr


def test_ema_run_saves_the_averaged_weights(write_config, tmp_path):
    import h5py

    from adamctl.store.checkpoint import read_checkpoint
    from adamctl.store.rundir import RunDir

    config = write_config({"optimizer": {"use_ema": True, "ema_momentum": 0.9}})
    run_dir = tmp_path / "run"
    assert _train(str(config), "--run-dir", str(run_dir), "-q").exit_code == 0
    # The last checkpoint is taken at the end of the last epoch, before the
    # weights are finalized: its EMA averages are what must have been saved.
    state = read_checkpoint(RunDir(run_dir).checkpoint_dirs()[-1])
    averages = [e.array for e in state.optimizer if e.path.endswith("_average")]
    raw = [e.array for e in state.model if "seed_generator" not in e.path]
    with h5py.File(run_dir / "model.weights.h5") as handle:
        saved = []
        handle["layers"].visititems(
            lambda name, obj: saved.append(np.array(obj)) if isinstance(obj, h5py.Dataset) else None)
    assert len(saved) == len(averages) == len(raw) == 4
    by_shape = lambda arrays: sorted(arrays, key=lambda a: (a.shape, a.sum()))  # noqa: E731
    for got, want in zip(by_shape(saved), by_shape(averages)):
        np.testing.assert_array_equal(got, want)
    assert any(not np.array_equal(a, b) for a, b in zip(by_shape(saved), by_shape(raw)))


def test_divergence_stops_with_status_diverged(write_config, tmp_path):
    config = write_config({
        "data": {"task": "regression"},
        "model": {"preset": "logreg"},
        "optimizer": {"learning_rate": 1.0e30},
    })
    run_dir = tmp_path / "run"
    result = _train(str(config), "--run-dir", str(run_dir), "-q")
    assert result.exit_code == 1
    assert "loss became" in result.stderr and "at step" in result.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "diverged"
    assert summary["diverged_at_step"] >= 1


BAD_INPUTS = [
    pytest.param({"optimizer": {"beta_1": 1.5}}, "optimizer.beta_1 = 1.5", id="beta_1-out-of-range"),
    pytest.param({"training": {"epochs": -3}}, "training.epochs = -3", id="negative-epochs"),
    pytest.param({"data": {"batch_size": 0}}, "data.batch_size = 0", id="zero-batch-size"),
    pytest.param({"optimzer": {}}, 'did you mean "optimizer"?', id="unknown-key"),
    pytest.param({"data": {"source": "csv", "path": "missing.csv", "target": "y"}},
                 "data.path", id="missing-data-file"),
    pytest.param({"model": {"preset": None, "layers": [{"class_name": "Dense2", "units": 3}]}},
                 "model.layers[0].class_name", id="unknown-layer"),
    pytest.param({"model": {"loss": "mean_squard_error"}}, "model.loss", id="unknown-loss"),
]


@pytest.mark.parametrize("extra, expected", BAD_INPUTS)
def test_bad_config_exits_2_before_making_a_run_directory(write_config, tmp_path, extra, expected):
    config = write_config(extra)
    runs = tmp_path / "runs"
    result = _train(str(config), "--run-dir", str(runs / "run"))
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert str(config) in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2
    assert not runs.exists()


def test_malformed_yaml_names_the_line(write_config, tmp_path):
    config = write_config(text="name: x\noptimizer:\n  beta_1: [0.9\n")
    result = _train(str(config), "--run-dir", str(tmp_path / "run"))
    assert result.exit_code == 2
    assert f"{config}:" in result.stderr and "Traceback" not in result.stderr


def test_python_tag_is_refused(write_config, tmp_path):
    config = write_config(text="name: !!python/object/apply:os.system ['echo pwned']\n")
    result = _train(str(config), "--run-dir", str(tmp_path / "run"))
    assert result.exit_code == 2
    assert "python/object/apply" in result.stderr
    assert "pwned" not in result.output


@pytest.mark.parametrize("where", ["before-the-command", "after-the-command"])
def test_debug_shows_the_traceback(write_config, tmp_path, where):
    config = write_config({"optimizer": {"beta_1": 1.5}})
    args = ["--debug", "train", str(config)] if where == "before-the-command" else [
        "train", str(config), "--debug"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert "ADAMCTL_DEBUG" not in os.environ


def test_every_command_takes_debug_after_its_name():
    for name, command in cli.commands.items():
        assert any(param.name == "debug" for param in command.params), name


def test_malformed_set_is_a_usage_error(write_config):
    result = _train(str(write_config()), "--set", "optimizer.beta_1")
    assert result.exit_code == 2
    assert "is not KEY.PATH=VALUE" in result.stderr


@pytest.mark.slow
def test_installed_console_script_trains(write_config, tmp_path):
    config = write_config({"training": {"epochs": 1}})
    process = run_cli("train", str(config), "--run-dir", str(tmp_path / "run"), cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    # Not a terminal: no progress bar, and the path is the last line.
    assert process.stdout.strip().splitlines()[-1] == str(tmp_path / "run")
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["status"] == "completed"


def test_a_bad_data_column_names_the_config_file(write_config, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,label\n1,0\n2,1\n3,0\n4,1\n")
    config = write_config({"data": {"source": "csv", "path": str(data), "target": "lable"}})
    result = _train(str(config), "--run-dir", str(tmp_path / "run"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {config}: data.target = 'lable': ")
    assert '(did you mean "label"?)' in result.stderr


def test_an_unexpected_failure_is_one_line_without_debug(write_config, tmp_path, monkeypatch):
    import adamctl.training.session as session

    def broken(*args, **kwargs):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(session, "_compile", broken)
    result = _train(str(write_config()), "--run-dir", str(tmp_path / "run"))
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: RuntimeError: something inside broke "
                                     "(run with --debug for the traceback)")


def test_one_plain_line_per_epoch_when_stderr_is_not_a_terminal(write_config, tmp_path):
    config = write_config()
    result = _train(str(config), "--run-dir", str(tmp_path / "run"))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("epoch ")]
    assert [line.split(" - ")[:2] for line in lines] == [["epoch 1/2", "6/6 steps"],
                                                          ["epoch 2/2", "6/6 steps"]]
    assert all(" - loss " in line and " - val_accuracy " in line for line in lines)
    assert "\x1b" not in result.stderr  # no terminal control codes in a log file

    quiet = _train(str(config), "--run-dir", str(tmp_path / "quiet"), "-q")
    assert quiet.exit_code == 0 and "epoch" not in quiet.stderr


def test_progress_display_on_a_terminal(write_config, tmp_path):
    import io

    from rich.console import Console

    from adamctl.config import load_config
    from adamctl.training import train

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    train(load_config(write_config()), run_dir=tmp_path / "run", console=console)
    shown = screen.getvalue()
    for piece in ("epoch 2/2", "12/12", "steps/s", "ETA", "loss"):
        assert piece in shown, piece


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_train_on_another_backend(write_config, tmp_path, backend):
    import importlib.util

    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed here, so the Keras {backend} backend cannot run")
    config = write_config({"backend": backend, "optimizer": {"amsgrad": True},
                           "training": {"checkpoint_every": 4}})
    # As a user runs it: no TF_CPP_MIN_LOG_LEVEL of ours in the environment.
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    process = subprocess.run(
        [adamctl_executable(), "train", str(config), "--run-dir", str(tmp_path / "run"), "-q"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300,
    )
    assert process.returncode == 0, process.stderr[-2000:]
    # Keras imports TensorFlow on these backends too; its start-up lines stay hidden.
    assert process.stderr == ""
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["versions"]["backend"] == backend
    assert _rows(tmp_path / "run")[-1]["step"] == "12"


@pytest.mark.parametrize("umask, expected", [
    pytest.param(0o022, 0o644, id="umask-022"),
    pytest.param(0o077, 0o600, id="umask-077"),
])
def test_run_files_take_the_mode_the_umask_gives(write_config, tmp_path, umask, expected):
    import stat

    run_dir = tmp_path / "run"
    process = run_cli("train", str(write_config()), "--run-dir", str(run_dir), "-q",
                      cwd=tmp_path, umask=umask)
    assert process.returncode == 0, process.stderr
    modes = {name: stat.S_IMODE((run_dir / name).stat().st_mode)
             for name in ("config.yaml", "overrides.yaml", "metrics.csv", "summary.json",
                          "model.weights.h5")}
    assert modes == dict.fromkeys(modes, expected)


def test_a_non_empty_directory_that_is_not_a_run_is_refused_untouched(write_config, tmp_path):
    mine = tmp_path / "mine"
    (mine / "checkpoints" / "ckpt-000000001").mkdir(parents=True)
    (mine / "checkpoints" / "ckpt-000000001" / "notes.txt").write_text("mine")
    (mine / "metrics.csv").write_text("my,own\n1,2\n")
    before = sorted((p.relative_to(mine), p.is_file() and p.read_text()) for p in mine.rglob("*"))
    result = run_cli("train", str(write_config()), "--run-dir", str(mine), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"{mine} is not empty and holds no adamctl run; choose a new or empty --run-dir" \
        in result.stderr
    assert sorted((p.relative_to(mine), p.is_file() and p.read_text())
                  for p in mine.rglob("*")) == before


@pytest.mark.parametrize("run_dir", ["", ".", ".."])
def test_a_run_dir_that_names_no_directory_of_its_own_is_refused(write_config, tmp_path, run_dir):
    config = write_config()
    before = sorted(tmp_path.iterdir())
    result = run_cli("train", str(config), "--run-dir", run_dir, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "does not name a directory of its own" in result.stderr
    assert sorted(tmp_path.iterdir()) == before


def test_a_full_disk_names_the_file_being_written(write_config, tmp_path):
    """RLIMIT_FSIZE makes every write past 4 KiB fail with EFBIG, as a full disk fails with ENOSPC."""
    import resource
    import signal

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    run_dir = tmp_path / "run"
    config = write_config({"model": {"hidden": [256]}})  # a 32 KiB kernel: the first checkpoint fails
    result = run_cli("train", str(config), "--run-dir", str(run_dir), cwd=tmp_path,
                     preexec_fn=limit_file_size)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    # The first file past 4 KiB at the end of epoch 1 is the best weights (then the checkpoint).
    assert f"cannot write {run_dir / 'model.best.weights.h5'}: File too large (EFBIG)" in result.stderr
    assert not list(run_dir.glob(".tmp-*")), "a half-written temporary was left behind"
    assert not (run_dir / "model.best.weights.h5").exists()
