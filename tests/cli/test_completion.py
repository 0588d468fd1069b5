"""Shell completion is click's own: the scripts are produced, and they complete our commands."""

from __future__ import annotations

import pytest

from tests.helpers import run_cli


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F _adamctl_completion adamctl"),
                                           ("zsh", "#compdef adamctl"),
                                           ("fish", "complete --no-files --command adamctl")])
def test_completion_script_is_produced(tmp_path, shell, marker):
    result = run_cli(cwd=tmp_path, env={"_ADAMCTL_COMPLETE": f"{shell}_source"})
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout


def test_bash_completion_lists_the_commands(tmp_path):
    result = run_cli(cwd=tmp_path, env={"_ADAMCTL_COMPLETE": "bash_complete",
                                        "COMP_WORDS": "adamctl ru", "COMP_CWORD": "1"})
    assert result.returncode == 0, result.stderr
    assert "plain,runs" in result.stdout.splitlines()
