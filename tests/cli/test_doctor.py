"""``adamctl doctor`` on crafted run directories: one per rule, and a healthy one."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from adamctl.store.diagnostics import DIAGNOSTICS_COLUMNS, SCALAR_COLUMNS, write_rows
from adamctl.store.rundir import RunDir
from tests.helpers import run_cli

HEALTHY = {"epsilon_dominated": 0.01, "effective_lr_p01": 1e-3, "effective_lr_p50": 2e-3,
           "effective_lr_p99": 5e-3, "update_to_weight": 1e-3, "update_saturated": 0.01,
           "update_alignment": 0.4, "grad_to_v": 0.8, "vhat_gap": None}


def _craft(tmp_path: Path, *, steps, cells=None, optimizer=None, summary=None,
           beta_1=0.9, beta_2=0.999) -> Path:
    """A run directory whose diagnostics say what ``cells(step, variable)`` says."""
    run = RunDir(tmp_path / "run")
    run.root.mkdir()
    spec = {"learning_rate": {"schedule": "CosineDecay", "initial_learning_rate": 1e-3,
                              "decay_steps": 10_000, "warmup_steps": 2000},
            "beta_1": beta_1, "beta_2": beta_2, "epsilon": 1e-7, "epsilon_mode": "hat",
            **(optimizer or {})}
    run.config_path.write_text(yaml.safe_dump({"name": "crafted", "optimizer": spec}))
    run.summary_path.write_text(json.dumps(summary or {"status": "completed"}))
    rows, scalars = [], []
    for step in steps:
        for variable in ("all", "mlp/dense/kernel", "mlp/dense_2/kernel"):
            rows.append({"step": step, "variable": variable, **HEALTHY,
                         **((cells or (lambda s, v: {}))(step, variable))})
        scalars.append({"step": step, "t": step, "learning_rate": 1e-3, "beta_1": beta_1,
                        "beta_2": beta_2, "alpha_t": 1e-3, "rho_t": None, "r_t": None})
    write_rows(run.diagnostics_path, DIAGNOSTICS_COLUMNS, rows)
    write_rows(run.diagnostics_scalars_path, SCALAR_COLUMNS, scalars)
    return run.root


def _doctor(run_dir: Path) -> list[str]:
    process = run_cli("doctor", str(run_dir), cwd=run_dir.parent)
    assert process.returncode == 0, process.stderr
    return process.stdout.splitlines()


def test_epsilon_dominated_layer_is_named_with_since_and_rate(tmp_path):
    def cells(step, variable):
        return {"epsilon_dominated": 0.83 if variable.endswith("dense_2/kernel") and step >= 1200
                else 0.01}

    lines = _doctor(_craft(tmp_path, steps=range(1000, 3001, 100), cells=cells))
    rate = 1e-3 * math.sqrt(1 - 0.999 ** 3000) / 1e-7
    assert lines == [
        f"- mlp/dense_2/kernel: 83% of coordinates epsilon-dominated since step 1,200, so Adam "
        f"acts as momentum SGD with lr {rate:.0e} there; try epsilon <= 1e-10 or epsilon_mode "
        "algorithm1"]


def test_saturation_before_a_divergence_names_the_steps(tmp_path):
    def cells(step, variable):
        return {"update_saturated": 0.37 if step >= 4100 else 0.02}

    lines = _doctor(_craft(tmp_path, steps=range(3000, 4161, 20), cells=cells,
                           summary={"status": "diverged", "diverged_at_step": 4163}))
    assert lines == ["- updates saturated in 37% of coordinates at steps 4,120-4,160 before the "
                     "divergence at 4,163; lower the learning rate or clip gradients"]


def test_no_warmup_while_the_rectifier_is_small(tmp_path):
    lines = _doctor(_craft(tmp_path, steps=range(50, 1001, 50),
                           optimizer={"learning_rate": 0.001}))
    assert lines == ["- no warm-up while r_t < 0.5 (until step 556 for beta_2 = 0.999); try a "
                     "linear warm-up over 2 / (1 - beta_2) = 2,000 steps "
                     "(learning_rate.warmup_steps)"]


def test_beta_1_at_or_above_sqrt_beta_2_is_flagged(tmp_path):
    lines = _doctor(_craft(tmp_path, steps=range(1000, 2001, 500), beta_1=0.99, beta_2=0.98))
    assert lines == ["- beta_1 = 0.99 >= sqrt(beta_2) = 0.9899 (at step 2,000): outside the "
                     "region where Adam provably converges (Zhang et al. 2022); lower beta_1 or "
                     "raise beta_2"]


def test_healthy_run_says_so_with_numbers(tmp_path):
    lines = _doctor(_craft(tmp_path, steps=range(1000, 2001, 500)))
    assert lines == ["- healthy at step 2,000: 1% of coordinates epsilon-dominated, 1% saturated, "
                     "effective lr p50 0.002, update-to-weight 0.001 (about 1e-3 is usual)"]


def test_run_without_diagnostics_exits_2_with_the_fix(tmp_path):
    run_dir = _craft(tmp_path, steps=[10])
    RunDir(run_dir).diagnostics_path.unlink()
    process = run_cli("doctor", str(run_dir), cwd=tmp_path)
    assert process.returncode == 2
    assert "has no diagnostics" in process.stderr
    assert "training.diagnostics_every" in process.stderr
    assert "Traceback" not in process.stderr
