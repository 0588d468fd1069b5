"""``training.max_time``: a run past its time checkpoints and stops as interrupted, resumably."""

from __future__ import annotations

import json

import yaml

from adamctl.store import RunDir
from tests.helpers import TINY, merge, run_cli


def test_max_time_checkpoints_and_stops_as_interrupted(tmp_path):
    # max_time 0 is reached at the first step's end, whatever the machine's speed.
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(merge(TINY, {"training": {"max_time": 0}})))
    run_dir = tmp_path / "run"
    process = run_cli("train", str(config), "--run-dir", str(run_dir), "-q", cwd=tmp_path)
    assert process.returncode == 124, process.stderr
    assert "training.max_time (0s) reached at step 1, checkpoint saved at step 1" in process.stderr
    assert f'continue with "adamctl resume {run_dir}"' in process.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["steps"] == 1
    assert summary["error"] == "training.max_time (0s) reached at step 1"
    assert [p.name for p in RunDir(run_dir).checkpoint_dirs()] == ["ckpt-000000001"]
