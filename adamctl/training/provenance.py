"""Where a run came from: command line, machine, code version and packages.

What a reader needs to reproduce a run a year later goes into
``summary.json`` under ``provenance``; the full list of installed packages
goes to ``environment.txt`` beside it. Everything here is cheap (three
``git`` calls with a short timeout, one listing of each ``sys.path``
folder: tens of milliseconds in all) and nothing here can fail a run: a missing ``git``, a config outside any repository or an unreadable
``/proc/cpuinfo`` each leave their field null.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import platform
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from adamctl.training.backend import native_stderr_hidden, versions

__all__ = ["command_line", "installed_packages", "provenance", "git_state"]

# Long enough for git on a large repository, short enough that a hung
# network file system cannot hold a run's start.
_GIT_TIMEOUT_S = 2.0


def provenance(config_file: str | Path | None, *, on_gpu: bool) -> dict[str, Any]:
    """The ``provenance`` section of summary.json, for a run of ``config_file``."""
    import numpy

    return {
        "command": command_line(),
        "cwd": os.getcwd(),
        "hostname": socket.gethostname(),
        "config_file": str(Path(config_file).resolve()) if config_file else None,
        "git": git_state(Path(config_file).resolve().parent) if config_file else None,
        "versions": {**versions(), "numpy": numpy.__version__},
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "gpu": _gpu_model() if on_gpu else None,
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
    }


def command_line() -> str | None:
    """The command this process runs, as a shell would take it (``adamctl train x.yaml``)."""
    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else None


def git_state(folder: Path) -> dict[str, Any] | None:
    """The commit and dirty flag of the git repository holding ``folder``, or None.

    None when git is not installed, ``folder`` is in no repository, or git
    does not answer within the timeout.
    """
    commit = _git(folder, "rev-parse", "HEAD")
    if commit is None:
        return None
    root = _git(folder, "rev-parse", "--show-toplevel")
    # Untracked files are left out: scanning them can take seconds in a big
    # tree, and an untracked file cannot have changed tracked code.
    changes = _git(folder, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if changes is None else bool(changes), "root": root}


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                              timeout=_GIT_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _cpu_model() -> str | None:
    """The CPU's marketing name (Linux: /proc/cpuinfo), else what platform knows."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or None


def _gpu_model() -> str | None:
    """The name of the GPU the backend trains on (its first visible one)."""
    import keras

    try:
        backend = keras.backend.backend()
        if backend == "tensorflow":
            import tensorflow as tf

            with native_stderr_hidden():
                gpus = tf.config.list_physical_devices("GPU")
                details = tf.config.experimental.get_device_details(gpus[0]) if gpus else {}
            return details.get("device_name") or (gpus[0].name if gpus else None)
        if backend == "jax":
            import jax

            return next((d.device_kind for d in jax.devices() if d.platform == "gpu"), None)
        if backend == "torch":
            import torch

            return torch.cuda.get_device_name(0)
    except Exception:  # a name is a nicety: never fail a run for it
        return None
    return None


def installed_packages() -> list[str]:
    """Every installed distribution as ``name==version``, sorted case-insensitively.

    Names and versions come from the ``<name>-<version>.dist-info`` folder
    names on ``sys.path`` (the wheel layout): parsing each METADATA file
    instead costs most of a second with 150 packages. Folders that do not
    follow the layout (old ``.egg-info``) fall back to their metadata. Read
    once per process and ``sys.path``: the packages a process has imported do
    not change under it, and a population writes this for every member.
    """
    return list(_installed_on(tuple(sys.path)))


@functools.lru_cache(maxsize=4)
def _installed_on(path: tuple[str, ...]) -> tuple[str, ...]:
    found: dict[str, str] = {}
    for folder in path:
        try:
            entries = [entry.name for entry in os.scandir(folder or ".")]
        except OSError:
            continue
        for entry in entries:
            line = _from_folder_name(folder, entry)
            if line is not None:
                found.setdefault(line.split("==")[0].lower().replace("-", "_"), line)
    return tuple(found[key] for key in sorted(found))


def _from_folder_name(folder: str, entry: str) -> str | None:
    for suffix in (".dist-info", ".egg-info"):
        if entry.endswith(suffix):
            name, sep, version = entry.removesuffix(suffix).partition("-")
            if sep and version and "-" not in version:
                return f"{name}=={version}"
            return _from_metadata(Path(folder or ".", entry))
    return None


def _from_metadata(path: Path) -> str | None:
    try:
        metadata = importlib.metadata.PathDistribution(path).metadata
        return f"{metadata['Name']}=={metadata['Version']}" if metadata["Name"] else None
    except Exception:  # a damaged folder: leave it out rather than fail the run
        return None
