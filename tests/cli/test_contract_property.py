"""The exit-code contract, checked on generated configs, overrides and data files.

For every input, ``adamctl validate`` and ``adamctl train`` end in one of
these ways and no other:

- exit 0: ``validate`` printed the resolved config; ``train`` made exactly
  one run directory under the runs root, whose summary says ``completed``;
- exit 2: stderr is one line (two at most) starting with ``error:``, with no
  traceback, and no run directory exists;
- exit 1, for ``train`` only: the run diverged, which is a run-time outcome
  of valid input (a learning rate of 1e308 is allowed): exactly one run
  directory, whose summary says ``diverged``, and a one-line ``error:``.

In every case no file outside the run directory is created, changed or
removed (the config, the data file and every other file of the working
directory keep their bytes), and the process is never killed by a signal,
never aborts natively (exit 134) and never outlives its timeout.

The inputs come from :mod:`tests.cli.contract_strategies`. The examples are
derandomized (the same ones every run, no example database) and bounded:
``validate`` (a thousand examples) and ``sweep --dry-run`` with ``--grid``
(three hundred) run in-process through click's ``CliRunner``; ``train`` runs
the real console script in a fresh process twenty times, each on a few dozen
examples for one epoch. The whole module takes two to three minutes on two
busy cores.
"""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, event, given, settings

from adamctl.cli import cli
from tests.helpers import run_cli
from tests.cli.contract_strategies import (GeneratedInput, inputs_for_train, inputs_for_validate,
                                           sweep_inputs)

VALIDATE_EXAMPLES = 1000
SWEEP_EXAMPLES = 300
TRAIN_EXAMPLES = 20
# A tiny run takes about 10 s on two busy cores (mostly importing TensorFlow);
# a run still going after this long is a hang, not a slow machine.
TRAIN_TIMEOUT_S = 150
VALIDATE_TIMEOUT_S = 60
RUNS = "runs"
KERAS_HOME = "keras-home"  # Keras writes its keras.json on first import; kept out of HOME

_SETTINGS = dict(derandomize=True, database=None, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.filter_too_much])


def write_input(example: GeneratedInput, folder: Path) -> Path:
    """Write the example's config (and data file) into ``folder``; return the config's path."""
    config = folder / "config.yaml"
    config.write_text(example.config_text(), encoding="utf-8")
    if example.data_file is not None:
        (folder / example.data_file.name).write_bytes(example.data_file.content)
    return config


def snapshot(folder: Path, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder``, except the top-level ``skip``."""
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if relative.parts[0] in skip or path.is_dir():
            continue
        files[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def assert_one_error_line(stderr: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert 1 <= len(lines) <= 2, f"expected one error line, got {len(lines)}:\n{stderr}"
    assert lines[0].startswith("error:"), stderr


class _Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Hang(f"still running after {VALIDATE_TIMEOUT_S} s")


def invoke(command: list[str], overrides: list[str], grids: list[str] = ()):
    """Run ``adamctl COMMAND --set ... --grid ...`` in-process, with a hang guard."""
    args = list(command)
    for override in overrides:
        args += ["--set", override]
    for grid in grids:
        args += ["--grid", grid]
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(VALIDATE_TIMEOUT_S)
    try:
        return CliRunner().invoke(cli, args, catch_exceptions=True)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@settings(max_examples=VALIDATE_EXAMPLES, **_SETTINGS)
@given(example=inputs_for_validate)
def test_validate_exits_0_or_2_with_one_line_and_touches_nothing(example: GeneratedInput) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        config = write_input(example, folder)
        before = snapshot(folder)
        result = invoke(["validate", str(config)], example.overrides)
        event(f"validate exit {result.exit_code}")
        assert_in_process_contract(result)
        assert snapshot(folder) == before


def assert_in_process_contract(result) -> None:
    assert isinstance(result.exception, (SystemExit, type(None))), result.exc_info
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    if result.exit_code == 2:
        assert_one_error_line(result.stderr)


@settings(max_examples=SWEEP_EXAMPLES, **_SETTINGS)
@given(example_and_grids=sweep_inputs)
def test_sweep_dry_run_exits_0_or_2_with_one_line_and_writes_nothing(
        example_and_grids: tuple[GeneratedInput, list[str]]) -> None:
    example, grids = example_and_grids
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        config = write_input(example, folder)
        before = snapshot(folder)
        sweeps = folder / "sweeps"
        result = invoke(["sweep", str(config), "--dry-run", "--quiet", "--sweep-dir",
                         str(sweeps)], example.overrides, grids)
        event(f"sweep --dry-run exit {result.exit_code}")
        assert_in_process_contract(result)
        assert snapshot(folder) == before
        assert not sweeps.exists()


def run_train(folder: Path, config: Path, overrides: list[str], *,
              timeout: float = TRAIN_TIMEOUT_S) -> subprocess.CompletedProcess:
    args = ["train", str(config), "--quiet"]
    for override in overrides:
        args += ["--set", override]
    try:
        return run_cli(*args, cwd=folder, timeout=timeout,
                       env={"KERAS_HOME": str(folder / KERAS_HOME)})
    except subprocess.TimeoutExpired:
        pytest.fail(f"adamctl train hung: still running after {timeout} s")


def run_dirs(folder: Path) -> list[Path]:
    root = folder / RUNS
    return sorted(root.iterdir()) if root.exists() else []


def summary_status(run: Path) -> str:
    return json.loads((run / "summary.json").read_text())["status"]


def assert_train_contract(process: subprocess.CompletedProcess, folder: Path) -> None:
    code, runs = process.returncode, run_dirs(folder)
    assert code >= 0, f"killed by signal {-code}:\n{process.stderr[-3000:]}"
    assert code in (0, 1, 2), f"exit {code}:\n{process.stderr[-3000:]}"
    if code == 2:
        assert_one_error_line(process.stderr)
        assert runs == [], f"a run directory exists after exit 2: {runs}\n{process.stderr}"
        return
    assert len(runs) == 1, (code, runs, process.stderr[-3000:])
    if code == 1:
        assert_one_error_line(process.stderr)
        assert summary_status(runs[0]) == "diverged", process.stderr
        return
    assert summary_status(runs[0]) == "completed"
    assert process.stdout.strip().splitlines()[-1] == str(runs[0].relative_to(folder))


@pytest.mark.slow
@settings(max_examples=TRAIN_EXAMPLES, phases=[Phase.explicit, Phase.generate], **_SETTINGS)
@given(example=inputs_for_train)
def test_train_exits_0_1_diverged_or_2_with_nothing_outside_the_run(
        example: GeneratedInput) -> None:
    # No shrinking (phases): each example is a process of several seconds, and
    # the example as drawn, printed on failure, is small already.
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        config = write_input(example, folder)
        before = snapshot(folder)
        process = run_train(folder, config, example.overrides)
        event(f"train exit {process.returncode}")
        assert_train_contract(process, folder)
        assert snapshot(folder, skip=(RUNS, KERAS_HOME)) == before
