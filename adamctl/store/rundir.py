"""`RunDir`: the one owner of every path inside a run directory.

No other code joins strings into run-directory paths: it asks a `RunDir`.

Layout::

    <run>/config.yaml          the fully resolved config (every default filled)
    <run>/overrides.yaml       the --set overrides it was made with
    <run>/metrics.csv          one row per epoch
    <run>/summary.json         status, final and best metrics, versions
    <run>/model.weights.h5     final weights (EMA-finalized with use_ema)
    <run>/diagnostics.csv      Adam's diagnostics per (step, variable) (training.diagnostics_every)
    <run>/diagnostics_scalars.csv   alpha_t, RAdam's r_t... per diagnostics step
    <run>/diagnostics.png      epsilon dominance and effective lr per variable (report --write)
    <run>/curves.png           metrics and learning rate per epoch (adamctl report --write)
    <run>/model.keras          the final model with its optimizer and state (keras.models.load_model)
    <run>/environment.txt      the installed packages, name==version, sorted
    <run>/export/              what ``adamctl export`` writes by default
    <run>/checkpoints/ckpt-000001200/   one folder per checkpoint
    <run>/checkpoints/index.json        the checkpoints this run wrote (pruning deletes no other)
    <run>/.lock                the live writer's pid
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from adamctl.errors import UsageError

__all__ = ["RUNS_ROOT", "RunDir", "check_run_dir_path", "mlflow_store", "new_run_dir",
           "sqlite_setup_lock", "stamped_path"]

# Where new runs and sweeps go when no directory is given, relative to the
# working directory.
RUNS_ROOT = Path("runs")

_CHECKPOINT_PREFIX = "ckpt-"
_STEP_DIGITS = 9


class RunDir:
    """Paths of one run directory. Creating the object touches nothing on disk."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"RunDir({str(self.root)!r})"

    def __fspath__(self) -> str:
        return str(self.root)

    @property
    def config_path(self) -> Path:
        return self.root / "config.yaml"

    @property
    def overrides_path(self) -> Path:
        return self.root / "overrides.yaml"

    @property
    def metrics_path(self) -> Path:
        return self.root / "metrics.csv"

    @property
    def summary_path(self) -> Path:
        return self.root / "summary.json"

    @property
    def diagnostics_path(self) -> Path:
        return self.root / "diagnostics.csv"

    @property
    def diagnostics_scalars_path(self) -> Path:
        return self.root / "diagnostics_scalars.csv"

    @property
    def diagnostics_plot_path(self) -> Path:
        return self.root / "diagnostics.png"

    @property
    def curves_path(self) -> Path:
        return self.root / "curves.png"

    @property
    def weights_path(self) -> Path:
        return self.root / "model.weights.h5"

    @property
    def model_path(self) -> Path:
        return self.root / "model.keras"

    @property
    def environment_path(self) -> Path:
        return self.root / "environment.txt"

    @property
    def tensorboard_dir(self) -> Path:
        """The event files of ``logging.tensorboard``; a sweep's trials each have their own."""
        return self.root / "tensorboard"

    def export_path(self, fmt: str) -> Path:
        """Where ``adamctl export`` writes ``fmt`` (keras: a file, savedmodel: a folder)."""
        return self.root / "export" / ("model.keras" if fmt == "keras" else "saved_model")

    @property
    def best_weights_path(self) -> Path:
        """The best epoch's weights on the monitored validation metric (or early_stopping's)."""
        return self.root / "model.best.weights.h5"

    @property
    def lock_path(self) -> Path:
        return self.root / ".lock"

    @property
    def checkpoints_root(self) -> Path:
        return self.root / "checkpoints"

    @property
    def checkpoint_index_path(self) -> Path:
        return self.checkpoints_root / "index.json"

    def checkpoint_dir(self, step: int) -> Path:
        """The folder of the checkpoint taken after ``step`` optimizer calls."""
        return self.checkpoints_root / f"{_CHECKPOINT_PREFIX}{step:0{_STEP_DIGITS}d}"

    def checkpoint_dirs(self) -> list[Path]:
        """Existing checkpoint folders, oldest first (temporary ones and symlinks excluded)."""
        if self.checkpoints_root.is_symlink() or not self.checkpoints_root.is_dir():
            return []
        found = [
            path
            for path in self.checkpoints_root.iterdir()
            if path.is_dir() and not path.is_symlink() and path.name.startswith(_CHECKPOINT_PREFIX)
            and path.name[len(_CHECKPOINT_PREFIX):].isdigit()
        ]
        return sorted(found, key=lambda path: path.name)

    def has_run(self) -> bool:
        """Whether a run was already started here."""
        return self.config_path.exists() or self.summary_path.exists()

    def create(self) -> None:
        """Make the directory; refuse one that holds a run or anything else (:meth:`check_new`)."""
        self.check_new()
        self.root.mkdir(parents=True, exist_ok=True)

    def check_new(self) -> None:
        """Refuse, touching nothing, a place a new run must not go.

        A new run only goes into a directory that is absent or empty (or
        holds only a ``.lock`` left by a start that died), so it never
        overwrites, or later prunes, files it did not write.
        """
        check_run_dir_path(self.root)
        if self.has_run():
            raise UsageError(
                f'{self.root} already has a run; use "adamctl resume {self.root}" '
                "or choose another --run-dir"
            )
        if self.root.exists() and not self.root.is_dir():
            raise UsageError(f"{self.root} exists and is not a directory; choose another --run-dir")
        if self.root.is_dir() and any(p.name != ".lock" for p in self.root.iterdir()):
            raise UsageError(
                f"{self.root} is not empty and holds no adamctl run; choose a new or empty "
                "--run-dir (adamctl does not write into other files)"
            )


def check_run_dir_path(path: Path | str) -> None:
    """Refuse a run directory given as '' or a path that names no directory of its own.

    ``Path("")`` is ``.``: a run written there would be spread over the
    working directory; ``..`` and ``/`` are no better.
    """
    text = str(path)
    if not text.strip() or Path(text).name in ("", ".", ".."):
        raise UsageError(
            f"--run-dir {text!r} does not name a directory of its own; give a path such as "
            "runs/my-run"
        )


def mlflow_store(runs_root: Path = RUNS_ROOT) -> tuple[Path, Path]:
    """The default MLflow SQLite database and artifact folder: local files, no server."""
    root = Path(runs_root).resolve()
    return root / "mlflow.db", root / "mlflow-artifacts"


def sqlite_setup_lock(database: Path) -> Path:
    """The lock file beside a SQLite database that processes hold while one of them creates it."""
    return database.with_name(database.name + ".lock")


def new_run_dir(runs_root: Path, name: str, *, now: _dt.datetime | None = None) -> RunDir:
    """A fresh ``<runs_root>/<name>-<YYYYmmdd-HHMMSS>`` (``-2``, ``-3``... on a clash)."""
    return RunDir(stamped_path(runs_root, name, now=now))


def stamped_path(parent: Path, prefix: str, *, now: _dt.datetime | None = None) -> Path:
    """``<parent>/<prefix>-<YYYYmmdd-HHMMSS>``, with ``-2``, ``-3``... if that exists."""
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = Path(parent) / f"{prefix}-{stamp}"
    candidate, suffix = base, 1
    while candidate.exists():
        suffix += 1
        candidate = base.with_name(f"{base.name}-{suffix}")
    return candidate
