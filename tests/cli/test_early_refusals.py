"""Bad input is refused before TensorFlow is imported, not seconds later.

Each case runs the command in a fresh interpreter and reports whether
TensorFlow or Keras was loaded when the error came: the import is what
takes the seconds, so "not loaded" is the claim, with no clock involved.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import TINY, merge

_PROBE = """
import json, sys
from adamctl.cli import cli
try:
    code = cli.main(sys.argv[1:], prog_name="adamctl", standalone_mode=False) or 0
except SystemExit as exit:
    code = exit.code
except Exception as error:
    code = getattr(error, "exit_code", repr(error))
loaded = sorted(name for name in ("tensorflow", "keras") if name in sys.modules)
print(json.dumps({"code": code, "loaded": loaded}))
"""


def _probe(*args: str, cwd: Path) -> tuple[dict, str]:
    process = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=cwd, capture_output=True,
                             text=True, timeout=300)
    return json.loads(process.stdout.strip().splitlines()[-1]), process.stderr


def _write(tmp_path: Path, extra: dict) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(merge(TINY, extra)))
    return path


def test_an_existing_run_dir_is_refused_before_tensorflow(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.yaml").write_text("name: x\n")
    outcome, stderr = _probe("train", str(_write(tmp_path, {})), "--run-dir",
                             str(tmp_path / "run"), cwd=tmp_path)
    assert outcome == {"code": 2, "loaded": []}, stderr
    assert "already has a run" in stderr


def test_a_misspelt_csv_target_is_refused_before_tensorflow(tmp_path):
    (tmp_path / "d.csv").write_text("a,label\n1,0\n2,1\n3,0\n4,1\n")
    config = _write(tmp_path, {"data": {"source": "csv", "path": str(tmp_path / "d.csv"),
                                        "target": "lable"}})
    outcome, stderr = _probe("train", str(config), "--run-dir", str(tmp_path / "run"),
                             cwd=tmp_path)
    assert outcome == {"code": 2, "loaded": []}, stderr
    assert "data.target = 'lable'" in stderr and not (tmp_path / "run").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux") or any(Path("/dev").glob("nvidia*"))
                    or Path("/dev/kfd").exists() or Path("/dev/dxg").exists(),
                    reason="this machine has GPU device files, so only the backend can tell")
def test_device_gpu_without_a_gpu_is_refused_before_tensorflow(tmp_path):
    outcome, stderr = _probe("train", str(_write(tmp_path, {"device": "gpu"})), "--run-dir",
                             str(tmp_path / "run"), cwd=tmp_path)
    assert outcome == {"code": 2, "loaded": []}, stderr
    assert "device = 'gpu'" in stderr and "no GPU" in stderr


def test_resume_drift_is_refused_before_tensorflow(tmp_path):
    from adamctl.config import config_from_dict
    from adamctl.training import train

    run = train(config_from_dict(merge(TINY, {"training": {"epochs": 1}})),
                run_dir=tmp_path / "run").run_dir
    outcome, stderr = _probe("resume", str(run.root), "--set", "training.epochs=2",
                             cwd=tmp_path)
    assert outcome == {"code": 2, "loaded": []}, stderr
    assert "training.epochs: 1 -> 2" in stderr and "--allow-drift" in stderr
