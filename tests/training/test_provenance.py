"""The git state of a config's repository, and the package list, never fail a run."""

from __future__ import annotations

import subprocess
from pathlib import Path

from adamctl.training.provenance import git_state, installed_packages


def _git(folder: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(folder), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def test_clean_then_dirty_repository(tmp_path):
    (tmp_path / "c.yaml").write_text("name: a\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "c.yaml")
    _git(tmp_path, "commit", "-q", "-m", "c")
    clean = git_state(tmp_path)
    assert clean["commit"] == _git(tmp_path, "rev-parse", "HEAD") and clean["dirty"] is False
    (tmp_path / "c.yaml").write_text("name: b\n")
    assert git_state(tmp_path)["dirty"] is True


def test_folder_outside_any_repository_has_no_git_state(tmp_path):
    assert git_state(tmp_path) is None


def test_missing_git_gives_none_instead_of_failing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert git_state(Path.cwd()) is None


def test_installed_packages_are_unique_sorted_name_version_lines():
    packages = installed_packages()
    names = [line.split("==")[0].lower() for line in packages]
    assert names == sorted(names) and len(names) == len(set(names))
    assert any(line.startswith("click==") for line in packages)
