"""Run Keras's own optimizer and saving tests with adamctl's Adam in place of Keras's.

Not a pytest module (pytest collects only ``test_*.py``): a tool, run by
hand against a Keras source tree, to check that ``adamctl.core.Adam`` can
stand in for ``keras.optimizers.Adam``. It copies the test files of one
Keras release into a scratch directory outside this repository, adds a
conftest that puts our Adam everywhere Keras looks Adam up (the
``keras.optimizers`` and ``keras.src.optimizers`` attributes, the
``keras.src.optimizers.adam`` module and the ``"adam"`` name that
``optimizers.get`` and ``deserialize`` resolve), runs pytest on them and
prints a pass/fail line per file. ``--adam keras`` is the control run,
with Keras's own Adam.

Usage (the Keras version installed must match ``--ref``)::

    python tests/keras_suite/run_keras_suite.py /path/to/keras [--ref v3.15.1]
        [--adam ours|keras] [--backend tensorflow] [--scratch DIR] [-- PYTEST_ARGS...]

``/path/to/keras`` is a clone (a work tree or a bare git directory): files
are read with ``git show REF:path``. The exit status is pytest's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# The Keras tests that exercise Adam, optimizer state, or model saving.
TEST_FILES = (
    "keras/src/optimizers/adam_test.py",
    "keras/src/optimizers/optimizer_test.py",
    "keras/src/optimizers/optimizer_sparse_test.py",
    "keras/src/optimizers/loss_scale_optimizer_test.py",
    "keras/src/optimizers/multi_optimizer_test.py",
    "keras/src/backend/tensorflow/optimizer_distribute_test.py",
    "keras/src/saving/saving_lib_test.py",
    "keras/src/saving/saving_api_test.py",
    "keras/src/legacy/saving/legacy_h5_format_test.py",
    "keras/src/trainers/trainer_test.py",
)

# Appended to Keras's own conftest.py; runs before any test module is imported.
_SUBSTITUTE_ADAM = '''

def _substitute_adamctl_adam():
    import keras
    from keras.src import optimizers
    from keras.src.optimizers import adam as keras_adam_module

    from adamctl.core.adam import Adam

    keras_adam_module.Adam = Adam
    optimizers.Adam = Adam
    keras.optimizers.Adam = Adam
    optimizers.ALL_OBJECTS_DICT["adam"] = Adam


_substitute_adamctl_adam()


def pytest_terminal_summary(terminalreporter):
    from keras.src import optimizers

    adam = type(optimizers.get("adam"))
    terminalreporter.write_line(f"adam under test: {adam.__module__}.{adam.__name__}")
'''


def main(argv: list[str] | None = None) -> int:
    """Copy the tests, run them, print the summary; return pytest's exit status."""
    args, pytest_args = _parse(argv)
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="keras-suite-"))
    files = _copy_tests(Path(args.keras), args.ref, scratch, use_ours=args.adam == "ours")
    report = scratch / f"junit-{args.adam}-{args.backend}.xml"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--import-mode=importlib",
               "-q", "-rf", f"--junitxml={report}", *pytest_args, *files]
    env = {**os.environ, "KERAS_BACKEND": args.backend, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    print(f"adam={args.adam} backend={args.backend} ref={args.ref} scratch={scratch}", flush=True)
    status = subprocess.run(command, cwd=scratch, env=env).returncode
    if report.exists():
        _print_summary(report)
    return status


def _parse(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("keras", help="a Keras clone: work tree or bare git directory")
    parser.add_argument("--ref", default="v3.15.1", help="the tag or commit to take tests from")
    parser.add_argument("--adam", choices=("ours", "keras"), default="ours")
    parser.add_argument("--backend", default="tensorflow", choices=("tensorflow", "jax", "torch"))
    parser.add_argument("--scratch", help="where to copy the tests (default: a new temp dir)")
    return parser.parse_args(argv), pytest_args


def _copy_tests(keras: Path, ref: str, scratch: Path, *, use_ours: bool) -> list[str]:
    """Each test file flattened into ``scratch`` (a ``keras/`` folder would shadow Keras)."""
    git = ["git", f"--git-dir={keras / '.git' if (keras / '.git').exists() else keras}"]
    scratch.mkdir(parents=True, exist_ok=True)
    conftest = _git_show(git, ref, "conftest.py")
    (scratch / "conftest.py").write_text(conftest + (_SUBSTITUTE_ADAM if use_ours else ""))
    _copy_test_data(git, ref, scratch)
    names = []
    for path in TEST_FILES:
        name = path.removeprefix("keras/src/").replace("/", "__")
        (scratch / name).write_text(_git_show(git, ref, path))
        names.append(name)
    return names


def _copy_test_data(git: list[str], ref: str, scratch: Path) -> None:
    """Fixtures the tests read from ``dirname(__file__)/test_data`` (saved legacy models)."""
    folders = sorted({path.rsplit("/", 1)[0] + "/test_data/" for path in TEST_FILES})
    listing = subprocess.run([*git, "ls-tree", "-r", "--name-only", ref, *folders], check=True,
                             capture_output=True, text=True).stdout.split()
    for path in listing:
        target = scratch / "test_data" / path.split("/test_data/", 1)[1]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(subprocess.run([*git, "show", f"{ref}:{path}"], check=True,
                                          capture_output=True).stdout)


def _git_show(git: list[str], ref: str, path: str) -> str:
    return subprocess.run([*git, "show", f"{ref}:{path}"], check=True, capture_output=True,
                          text=True).stdout


def _print_summary(report: Path) -> None:
    """One line per file: passed, failed, skipped; then every failing test."""
    counts: dict[str, Counter] = {}
    failures = []
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        file = case.get("classname", "").split(".")[0]
        outcome = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")),
                       "passed")
        counts.setdefault(file, Counter())[outcome] += 1
        if outcome in ("failure", "error"):
            failures.append(f"{case.get('classname')}::{case.get('name')}")
    for file, count in sorted(counts.items()):
        print(f"{file}: {count['passed']} passed, {count['failure'] + count['error']} failed, "
              f"{count['skipped']} skipped")
    for failure in failures:
        print(f"FAILED {failure}")


if __name__ == "__main__":
    sys.exit(main())
