"""Every command has a summary and an example, and docs/cli.md matches --help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from adamctl.cli import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_help_has_summary_and_example(name):
    result = CliRunner().invoke(cli, [name, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert cli.commands[name].get_short_help_str().strip()
    assert "Example:" in result.output


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_is_documented(name):
    assert f"## `adamctl {name}`" in (ROOT / "docs" / "cli.md").read_text()


@pytest.mark.parametrize("document", ["cli.md", "config.md"])
def test_generated_reference_is_current(document):
    process = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", str(ROOT / "docs" / document)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert process.returncode == 0, process.stdout + process.stderr


@pytest.mark.parametrize("args, message", [
    (["train", "--nope"], "error: No such option '--nope'. (see \"adamctl train --help\")"),
    (["train"], "error: Missing argument 'CONFIG'. (see \"adamctl train --help\")"),
    (["sweep", "--workers", "0", "c.yaml"],
     "error: Invalid value for '--workers': 0 is not in the range x>=1. "
     "(see \"adamctl sweep --help\")"),
    (["nocommand"], "error: No such command 'nocommand'. (see \"adamctl --help\")"),
])
def test_a_usage_error_is_one_line_naming_the_option_and_exits_2(tmp_path, args, message):
    from tests.helpers import run_cli

    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [message]
    assert list(tmp_path.iterdir()) == []
