"""``adamctl sweep --grid``: one grid path, the same errors as the file's sweep.grid (fast)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from adamctl.cli import cli

QUICKSTART = Path(__file__).resolve().parents[2] / "configs" / "quickstart.yaml"


def _sweep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(cli, ["sweep", *args, "--dry-run"])


def test_grid_option_and_file_grid_give_the_same_message_naming_their_place(tmp_path, monkeypatch):
    by_option = _sweep(tmp_path, monkeypatch, str(QUICKSTART),
                       "--grid", "optimizer.epsilon=log:0:1:3")
    in_file = tmp_path / "quickstart.yaml"
    entry = "optimizer.epsilon: {log: [0, 1], num: 3}"
    text = QUICKSTART.read_text() + f"sweep:\n  grid:\n    {entry}\n"
    in_file.write_text(text)
    line = text.count("\n")  # the grid entry is the last line
    by_file = _sweep(tmp_path, monkeypatch, str(in_file))
    problem = "sweep.grid.optimizer.epsilon.log = [0, 1]: must be [lo, hi]: two finite numbers > 0"
    assert (by_option.exit_code, by_option.stderr) == (
        2, f"error: --grid optimizer.epsilon=log:0:1:3: {problem}\n")
    assert (by_file.exit_code, by_file.stderr) == (2, f"error: {in_file}:{line}: {problem}\n")
    assert not (tmp_path / "runs").exists()


def test_grid_option_takes_list_values(tmp_path, monkeypatch):
    result = _sweep(tmp_path, monkeypatch, str(QUICKSTART),
                    "--grid", "optimizer.epsilon=[1e-8,1e-4]",
                    "--grid", "model.hidden=[[8], [4, 4]]")
    assert result.exit_code == 0, result.output
    assert "4 trials" in result.stdout and "[4, 4]" in result.stdout and "1e-08" in result.stdout


def test_a_grid_too_large_to_expand_is_refused_at_once(tmp_path, monkeypatch):
    result = _sweep(tmp_path, monkeypatch, str(QUICKSTART),
                    "--grid", "optimizer.epsilon=log:1e-8:1:100000000")
    assert result.exit_code == 2
    assert result.stderr == ("error: --grid optimizer.epsilon=log:1e-8:1:100000000: "
                             "sweep.grid.optimizer.epsilon.num = 100000000: must be an integer "
                             "in [2, 10000]\n")


def test_grid_option_without_equals_is_a_usage_error_naming_the_option(tmp_path, monkeypatch):
    result = _sweep(tmp_path, monkeypatch, str(QUICKSTART), "--grid", "optimizer.epsilon")
    assert result.exit_code == 2
    assert ("Invalid value for '--grid': 'optimizer.epsilon' is not KEY.PATH=VALUE (for example "
            "optimizer.beta_1=0.8,0.9)") in result.stderr
