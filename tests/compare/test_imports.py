"""Importing the package is free: statistics and plotting libraries load on first use."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "scipy", "pandas", "matplotlib", "tensorflow", "keras")


def test_importing_the_package_loads_nothing_heavy():
    script = ("import sys, adamctl.compare as c; assert 'compare' in c.__all__; "
              f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == "[]"


def test_every_exported_name_resolves():
    import adamctl.compare as package

    for name in package.__all__:
        assert getattr(package, name) is not None
