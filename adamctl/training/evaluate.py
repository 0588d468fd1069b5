"""`evaluate_run`: a finished run's final model, measured again on its data or other data.

The dataset is rebuilt from the run's own ``config.yaml``, so by default the
numbers are those of the run's validation split, split with the same seed.
``data.*`` overrides point it at other data (another file, another split
fraction); any other override is refused, because it would change the model
being evaluated rather than the data. The model is compiled exactly as for
training (same loss and metrics) and given the run's final weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from adamctl.errors import ConfigError, UsageError
from adamctl.store.rundir import RunDir

__all__ = ["SPLITS", "evaluate_run"]

SPLITS = ("validation", "train")


def evaluate_run(run_dir: Path | str, *, overrides: Sequence[str] = (),
                 split: str = "validation") -> dict[str, float]:
    """Loss and metrics of ``run_dir``'s final weights on ``split`` of its (overridden) data.

    Raises:
        UsageError: not a finished run, an override outside ``data.``, or an empty split.
        ConfigError: the overridden data does not fit the model.
    """
    from adamctl.config import load_config
    from adamctl.training.session import prepare

    run = RunDir(run_dir)
    _check_run(run)
    overrides = _data_only(overrides)
    config = load_config(run.config_path, overrides)
    session = prepare(config, file=run.config_path)
    _load_final_weights(session.model, run)
    x, y = _split(session.dataset, split, run)
    logs = session.model.evaluate(x, y, batch_size=config.data.batch_size, verbose=0,
                                  return_dict=True)
    return {name: float(value) for name, value in logs.items()}


def _check_run(run: RunDir) -> None:
    if not run.config_path.is_file():
        raise UsageError(f"{run.root} is not a run directory (it has no config.yaml)")
    if not run.weights_path.is_file():
        raise UsageError(f"{run.root} has no final weights (the run did not complete); "
                         f'finish it with "adamctl resume {run.root}"')


def _data_only(overrides: Sequence[str]) -> list[str]:
    """The overrides, refused outside ``data.``; a relative ``data.path`` taken from here."""
    kept = []
    for text in overrides:
        key, _, value = text.partition("=")
        key = key.strip()
        if not key.startswith("data."):
            raise UsageError(f"--set {text}: evaluate takes only data.* keys (the model and its "
                             "weights are the run's); for example --set data.path=other.csv")
        if key == "data.path" and value.strip() and not Path(value.strip()).is_absolute():
            text = f"data.path={Path(value.strip()).resolve()}"
        kept.append(text)
    return kept


def _load_final_weights(model, run: RunDir) -> None:
    try:
        model.load_weights(run.weights_path)
    except ValueError as error:
        raise ConfigError(f"the data does not fit the run's model: {' '.join(str(error).split())[:300]}",
                          file=run.config_path, key_path="data") from None


def _split(dataset, split: str, run: RunDir):
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}. Received: split={split!r}")
    x, y = (dataset.x_val, dataset.y_val) if split == "validation" else (dataset.x_train,
                                                                          dataset.y_train)
    if len(x) == 0:
        raise UsageError(f"{run.root}: the {split} split is empty; use --split train, or "
                         "--set data.validation_split=0.2")
    return x, y
