"""`export_run`: a finished run's ``model.keras`` copied out, or turned into a TF SavedModel.

``keras``: the ``.keras`` file itself (architecture, final weights, Adam and
its state), which ``keras.models.load_model`` opens once ``adamctl`` is
imported. ``savedmodel``: an inference-only TensorFlow SavedModel made by
Keras's ``model.export`` (serving signature ``serve``), for TF Serving or
TFLite converters; it needs neither adamctl nor Keras to load. Either is
written whole or not at all, and an existing output is never replaced.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from adamctl._atomic import atomic_output_path, fsync_dir
from adamctl.errors import UsageError
from adamctl.store.rundir import RunDir

__all__ = ["EXPORT_FORMATS", "export_run"]

EXPORT_FORMATS = ("keras", "savedmodel")


def export_run(run_dir: Path | str, *, fmt: str = "keras", output: Path | None = None) -> Path:
    """Write ``run_dir``'s final model as ``fmt`` to ``output`` (default ``<run>/export/``).

    Raises:
        UsageError: no model.keras (the run did not complete), an unknown
            format, an output that exists, or savedmodel on a backend other
            than TensorFlow.
    """
    run = RunDir(run_dir)
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--format {fmt}: must be one of {', '.join(EXPORT_FORMATS)}")
    if not run.model_path.is_file():
        raise UsageError(f"{run.root} has no model.keras (the run did not complete, or predates "
                         f'it); finish it with "adamctl resume {run.root}"')
    target = Path(output) if output is not None else run.export_path(fmt)
    if target.exists():
        raise UsageError(f"{target} already exists; remove it or pass another --output")
    if fmt == "keras":
        _copy_atomic(run.model_path, target)
    else:
        _saved_model(run, target)
    return target


def _copy_atomic(source: Path, target: Path) -> None:
    with atomic_output_path(target) as temporary:
        shutil.copyfile(source, temporary)


def _saved_model(run: RunDir, target: Path) -> None:
    """``model.export`` into a temporary sibling folder, renamed into place when complete."""
    model = _load(run)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".tmp-{os.getpid()}-{target.name}")
    try:
        model.export(str(temporary), format="tf_saved_model", verbose=False)
        os.rename(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    fsync_dir(target.parent)


def _load(run: RunDir):
    """The run's model, loaded on the run's own backend (SavedModel needs TensorFlow)."""
    import yaml

    backend = (yaml.safe_load(run.config_path.read_text()) or {}).get("backend", "tensorflow") \
        if run.config_path.is_file() else "tensorflow"
    if backend != "tensorflow":
        raise UsageError(f"{run.root}: --format savedmodel needs a TensorFlow run "
                         f"(this one ran on {backend}); use --format keras")
    from adamctl.training.backend import select_backend

    select_backend("tensorflow", "cpu")
    import keras

    import adamctl.core  # noqa: F401  (defines Adam, so load_model can rebuild the optimizer)

    return keras.models.load_model(run.model_path)
