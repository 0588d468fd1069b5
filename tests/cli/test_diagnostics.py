"""diagnostics.csv from real runs: the epsilon regimes, a checkpoint's state, SIGKILL and resume."""

from __future__ import annotations

import csv
import json
import signal
from pathlib import Path

import numpy as np
import pytest
import yaml

from adamctl.store.checkpoint import read_checkpoint
from adamctl.store.rundir import RunDir
from tests.helpers import TINY, merge, run_cli

pytestmark = pytest.mark.slow

QUICKSTART = Path(__file__).resolve().parents[2] / "configs" / "quickstart.yaml"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _train_quickstart(tmp_path: Path, epsilon: float) -> RunDir:
    run = RunDir(tmp_path / f"run-{epsilon}")
    process = run_cli(
        "train", str(QUICKSTART), "--run-dir", str(run.root), "-q",
        "--set", "training.epochs=2", "--set", "training.diagnostics_every=20",
        "--set", "training.checkpoint_every=20", "--set", "training.keep_checkpoints=10",
        "--set", f"optimizer.epsilon={epsilon}", cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    return run


def test_large_epsilon_dominates_and_tiny_epsilon_does_not(tmp_path):
    large = [r for r in _rows(_train_quickstart(tmp_path, 10.0).diagnostics_path)
             if r["variable"] == "all"]
    tiny = [r for r in _rows(_train_quickstart(tmp_path, 1e-12).diagnostics_path)
            if r["variable"] == "all"]
    assert [int(r["step"]) for r in large] == list(range(20, 104 + 1, 20))
    assert all(float(r["epsilon_dominated"]) >= 0.99 for r in large[1:])
    # Only coordinates that never had a gradient stay dominated.
    assert all(float(r["epsilon_dominated"]) < 0.05 for r in tiny)
    assert all(r["vhat_gap"] == "" for r in large)


def test_dominance_equals_the_fraction_recomputed_from_a_checkpoint(tmp_path):
    run = _train_quickstart(tmp_path, 1e-4)
    by_step = {int(r["step"]): float(r["epsilon_dominated"])
               for r in _rows(run.diagnostics_path) if r["variable"] == "all"}
    checked = 0
    for folder in run.checkpoint_dirs():
        data = read_checkpoint(folder)
        if data.step not in by_step:
            continue
        velocities = [e.array for e in data.optimizer if e.path.endswith("velocity")]
        v = np.concatenate([array.ravel() for array in velocities])
        # Keras's form (epsilon_mode hat): sqrt(v) < epsilon_hat, in float32 as on the device.
        assert by_step[data.step] == pytest.approx(
            float(np.mean(np.sqrt(v) < np.float32(1e-4))), abs=1e-7)
        checked += 1
    assert checked >= 3
    shown = run_cli("inspect", str(run.root), "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    latest = json.loads(shown.stdout)["diagnostics"]
    assert latest["step"] == max(by_step)
    assert latest["rows"][0]["variable"] == "all"
    assert latest["rows"][0]["epsilon_dominated"] == by_step[max(by_step)]
    written = run_cli("report", str(run.root), "--write", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert f"wrote {run.diagnostics_plot_path}" in written.stderr
    assert run.diagnostics_plot_path.read_bytes()[:4] == b"\x89PNG"


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(merge(TINY, {
        "model": {"dropout": 0.3},
        "optimizer": {"amsgrad": True, "gradient_accumulation_steps": 2},
        "training": {"epochs": 3, "checkpoint_every": 4, "diagnostics_every": 2},
    })))
    return path


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> RunDir:
    """One uninterrupted run of the config."""
    tmp_path = tmp_path_factory.mktemp("baseline")
    run = RunDir(tmp_path / "run")
    assert run_cli("train", str(_config(tmp_path)), "--run-dir", str(run.root), "-q",
                   cwd=tmp_path).returncode == 0
    return run


# step:7 lies past the checkpoint at 4, with the row at 6 measured but not yet
# written; step:8 is a checkpoint and diagnostics step; "damaged" kills at 9
# and damages the checkpoint at 8, so the resume starts from 4 while the file
# holds rows up to 8, which it must drop.
@pytest.mark.parametrize("kill_at", ["step:7", "step:8", "epoch:1", "damaged"])
def test_sigkill_then_resume_gives_the_uninterrupted_diagnostics(tmp_path, baseline, kill_at):
    config = _config(tmp_path)
    damage = kill_at == "damaged"
    kill_at = "step:9" if damage else kill_at
    run = RunDir(tmp_path / "run")
    killed = run_cli("train", str(config), "--run-dir", str(run.root), "-q", cwd=tmp_path,
                     env={"ADAMCTL_KILL_AT": kill_at})
    assert killed.returncode == -signal.SIGKILL
    if damage:
        assert int(_rows(run.diagnostics_path)[-1]["step"]) == 8
        newest = run.checkpoint_dirs()[-1]
        victim = sorted(p for p in newest.iterdir() if p.name != "manifest.json")[0]
        raw = bytearray(victim.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        victim.write_bytes(bytes(raw))
    resumed = run_cli("resume", str(run.root), "-q", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert run.diagnostics_path.read_text() == baseline.diagnostics_path.read_text()
    assert run.diagnostics_scalars_path.read_text() == baseline.diagnostics_scalars_path.read_text()
    steps = [int(r["step"]) for r in _rows(run.diagnostics_scalars_path)]
    assert steps == list(range(2, 18 + 1, 2))
