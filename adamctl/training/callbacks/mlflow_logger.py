"""`MlflowLogger`: the run's params, per-epoch metrics and files in an MLflow run.

MLflow is the optional extra ``adamctl[mlflow]`` and is imported only here,
when a run asks for it. With no ``tracking_uri`` the record goes to a local
SQLite database, ``runs/mlflow.db`` under the working directory (artifacts
beside it in ``runs/mlflow-artifacts/``): no server needed.

- params: the resolved config, flattened to dotted keys (``optimizer.beta_1``);
- metrics: every numeric column of each epoch's ``metrics.csv`` row, with
  MLflow's step = the 1-based epoch;
- at the end: the status as the tag ``adamctl.status``, the MLflow run
  ended as FINISHED, FAILED or KILLED, the final metrics as ``final.<name>``
  (completed runs), and ``config.yaml``, ``metrics.csv`` and ``summary.json``
  as artifacts.

The MLflow run id and tracking URI are kept in ``summary.json`` under
``mlflow``, so a resumed run continues the same MLflow run; epochs MLflow
already holds are not logged again. A sweep's trial is tagged with its
sweep (``adamctl.sweep``) and trial id (``adamctl.trial``), and nested
under one parent run per sweep, made by the sweep's first trial.
"""

from __future__ import annotations

import fcntl
import json
import logging
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import keras

from adamctl.config import config_to_dict
from adamctl.store.metrics import epoch_row
from adamctl.store.rundir import mlflow_store, sqlite_setup_lock
from adamctl.store.sweepdir import SweepDir

if TYPE_CHECKING:
    from adamctl.config.schema import Config, MlflowConfig
    from adamctl.store.rundir import RunDir
    from adamctl.store.summary import RunSummary
    from adamctl.training.loop import LoopState

__all__ = ["MlflowLogger", "flat_params"]

# MLflow's log_batch takes at most 100 params and 1000 metrics per call.
_PARAMS_PER_CALL = 100
_SQLITE_PREFIX = "sqlite:///"
_RUN_STATUS = {"completed": "FINISHED", "interrupted": "KILLED"}  # anything else: FAILED


class MlflowLogger(keras.callbacks.Callback):
    """Log one run to MLflow; :meth:`close_run` records how it ended.

    Args:
        settings: the config's ``logging.mlflow`` section.
        config: the resolved config (logged as params).
        run: the run directory (its files become artifacts).
        state: the loop's :class:`~adamctl.training.loop.LoopState`.
        summary: the run's summary, which keeps the MLflow run id.
    """

    def __init__(self, settings: MlflowConfig, config: Config, run: RunDir, state: LoopState,
                 summary: RunSummary) -> None:
        super().__init__()
        self.settings, self.config, self.run, self.state = settings, config, run, state
        self.summary = summary
        self.client: Any = None
        self.run_id: str | None = None
        self.logged_epochs: set[int] = set()

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        from mlflow import MlflowClient

        # Its table-creation notices would break the one-line-per-epoch output.
        logging.getLogger("mlflow.store.db.utils").setLevel(logging.WARNING)

        record = self.summary.data.get("mlflow") or {}
        uri = record.get("tracking_uri") or self._tracking_uri()
        self.run_id = record.get("run_id")
        with _setup_lock(uri):
            self.client = MlflowClient(tracking_uri=uri)
            if self.run_id is None:
                self.run_id = self._new_run()
                self.summary.data["mlflow"] = {"tracking_uri": uri, "run_id": self.run_id}
                self.summary.write()
            else:
                self.client.update_run(self.run_id, status="RUNNING")
                history = self.client.get_metric_history(self.run_id, "step")
                self.logged_epochs = {metric.step for metric in history}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        from mlflow.entities import Metric

        if epoch + 1 in self.logged_epochs:
            return
        row = epoch_row(epoch + 1, self.state.step, self.state.elapsed_s, logs or {})
        now = int(time.time() * 1000)
        metrics = [Metric(name, float(value), now, epoch + 1) for name, value in row.items()
                   if name != "epoch" and _is_number(value)]
        self.client.log_batch(self.run_id, metrics=metrics)
        self.logged_epochs.add(epoch + 1)

    def close_run(self, summary: dict[str, Any]) -> None:
        """Record the run's end: status, final metrics, the small files as artifacts."""
        if self.run_id is None:
            return
        status = summary.get("status", "failed")
        self.client.set_tag(self.run_id, "adamctl.status", status)
        if status == "completed":
            self._log_final(summary.get("final") or {}, summary.get("epochs_completed", 0))
        for path in (self.run.config_path, self.run.metrics_path, self.run.summary_path):
            if path.is_file():
                self.client.log_artifact(self.run_id, str(path))
        self.client.set_terminated(self.run_id, status=_RUN_STATUS.get(status, "FAILED"))

    def _tracking_uri(self) -> str:
        if self.settings.tracking_uri is not None:
            return self.settings.tracking_uri
        database, _ = mlflow_store()
        database.parent.mkdir(parents=True, exist_ok=True)
        return f"{_SQLITE_PREFIX}{database}"

    def _new_run(self) -> str:
        from mlflow.entities import Param

        experiment_id = self._experiment_id()
        tags = {"adamctl.run_dir": str(self.run.root.resolve())}
        sweep = SweepDir(self.run.root.parent.parent)
        if sweep.is_sweep():
            tags.update({"adamctl.sweep": sweep.root.name, "adamctl.trial": self.run.root.name})
            parent = self._sweep_parent(experiment_id, sweep)
            if parent is not None:
                tags["mlflow.parentRunId"] = parent
        created = self.client.create_run(experiment_id, run_name=self.run.root.name, tags=tags)
        params = [Param(key, value) for key, value in flat_params(config_to_dict(self.config))]
        for start in range(0, len(params), _PARAMS_PER_CALL):
            self.client.log_batch(created.info.run_id, params=params[start:start + _PARAMS_PER_CALL])
        return created.info.run_id

    def _sweep_parent(self, experiment_id: str, sweep: SweepDir) -> str | None:
        """The sweep's parent run, made by its first trial (under the setup lock for SQLite).

        Found by the sweep directory's absolute path in a tag; None for a path
        MLflow's filter syntax cannot quote, and the trial is then a top-level run.
        """
        where = str(sweep.root.resolve())
        if "'" in where:
            return None
        found = self.client.search_runs(
            [experiment_id], filter_string=f"tags.`adamctl.sweep_dir` = '{where}'", max_results=1
        )
        if found:
            return found[0].info.run_id
        parent = self.client.create_run(
            experiment_id, run_name=sweep.root.name,
            tags={"adamctl.sweep_dir": where, "adamctl.sweep": sweep.root.name},
        )
        # A container for the trials: its own status says nothing about them.
        self.client.set_terminated(parent.info.run_id, status="FINISHED")
        return parent.info.run_id

    def _experiment_id(self) -> str:
        """The experiment's id, made if missing (another process may make it first)."""
        from mlflow.exceptions import MlflowException

        name = self.settings.experiment
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        location = None
        if self.settings.tracking_uri is None:
            _, artifacts = mlflow_store()
            location = artifacts.as_uri()
        try:
            return self.client.create_experiment(name, artifact_location=location)
        except MlflowException:
            return self.client.get_experiment_by_name(name).experiment_id

    def _log_final(self, final: dict[str, Any], epoch: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [Metric(f"final.{name}", float(value), now, epoch)
                   for name, value in final.items() if _is_number(value)]
        if metrics:
            self.client.log_batch(self.run_id, metrics=metrics)


@contextmanager
def _setup_lock(uri: str) -> Iterator[None]:
    """Hold a lock beside a SQLite store while this process first touches it.

    MLflow creates and migrates a new SQLite database on first use; two
    sweep workers doing so at once break each other's migration.
    """
    if not uri.startswith(_SQLITE_PREFIX):
        yield
        return
    lock = sqlite_setup_lock(Path(uri[len(_SQLITE_PREFIX):]))
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def flat_params(config: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``config`` as (dotted key, text) pairs: strings as they are, other values as JSON."""
    pairs: list[tuple[str, str]] = []
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            pairs.extend(flat_params(value, f"{name}."))
        else:
            pairs.append((name, value if isinstance(value, str) else json.dumps(value)))
    return pairs


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
