"""Startup stays light: the CLI and the package never import the heavy frameworks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import run_cli

HEAVY = ("tensorflow", "keras", "jax", "torch", "pandas", "ray", "matplotlib")


@pytest.mark.parametrize("statement", [
    pytest.param("import adamctl", id="package"),
    pytest.param("import adamctl.cli", id="cli"),
    pytest.param("import adamctl.core", id="core"),
    pytest.param("import adamctl.config, adamctl.training, adamctl.data, adamctl.models", id="others"),
    pytest.param("import adamctl.store, adamctl.sweep, adamctl.report", id="store-sweep-report"),
])
def test_import_loads_no_framework(statement):
    script = f"import sys; {statement}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == "[]"


def test_help_loads_no_framework():
    script = (
        "import sys\n"
        "from adamctl.cli import cli\n"
        "try:\n    cli.main(['--help'], prog_name='adamctl')\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert "LOADED []" in process.stdout


def test_console_script_help_lists_the_commands(tmp_path):
    process = run_cli("--help", cwd=tmp_path)
    assert process.returncode == 0
    for command in ("train", "validate"):
        assert command in process.stdout


def test_the_command_imports_keras_without_the_optional_packages_it_never_uses():
    """scikit-learn, JAX, matplotlib and pandas (Keras's wrappers, TFLite's JAX conversion,
    Keras's image galleries and DataFrame input) are left out while the framework imports in
    adamctl's own processes, and import as usual afterwards."""
    script = (
        "import sys\n"
        "from adamctl.training import backend\n"
        "backend.skip_unused_framework_imports()\n"
        "backend.select_backend('tensorflow', 'cpu')\n"
        "left_out = sorted(m for m in ('sklearn', 'jax', 'matplotlib', 'pandas') if m in sys.modules)\n"
        "import sklearn.datasets, keras, pandas, matplotlib.pyplot\n"
        "print(left_out, keras.backend.backend(), sklearn.datasets.load_iris().data.shape,\n"
        "      pandas.DataFrame({'a': [1]}).shape)\n"
    )
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert process.stdout.split("\n")[-2] == "[] tensorflow (150, 4) (1, 1)"


def test_another_thread_imports_the_left_out_packages_while_the_framework_imports():
    """The refusal is the importing thread's alone: a sweep's report imports pandas and
    matplotlib on a thread of their own, at any moment."""
    script = (
        "import sys, threading\n"
        "from adamctl.training import backend\n"
        "backend.skip_unused_framework_imports()\n"
        "found = []\n"
        "def other():\n"
        "    import pandas\n"
        "    found.append(pandas.__name__)\n"
        "with backend._unused_imports_skipped():\n"
        "    thread = threading.Thread(target=other)\n"
        "    thread.start(); thread.join()\n"
        "    try:\n"
        "        import matplotlib\n"
        "    except ModuleNotFoundError:\n"
        "        found.append('refused here')\n"
        "print(found)\n"
    )
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == "['pandas', 'refused here']"
