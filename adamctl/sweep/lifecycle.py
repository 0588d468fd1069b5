"""The sweep lifecycle: what ``sweep --resume`` checks first, and the two changes made on purpose.

A sweep is its plan (``sweep.yaml``) plus one run directory per trial. The
contract, as the README's "Sweep lifecycle" section states it:

- ``--resume`` continues the plan that was started, or refuses: an edited
  ``sweep.yaml`` (:func:`check_unchanged`), a CONFIG/--grid/--seeds/--set
  given beside ``--resume`` that plans another sweep (:func:`check_same_plan`),
  or a trial whose ``config.yaml`` no longer is its planned config
  (:func:`check_trial_configs`) are named and nothing runs.
- ``--rerun failed,diverged`` (:func:`rerun`) runs those trials again from
  scratch under new ids (``p003-s0-r2``) in new directories; the old
  directories stay, listed in the plan's ``history``. No id is reused and
  no directory is written twice.
- ``--extend training.epochs=N`` (:func:`extend`) raises the plan's epochs;
  every trial then resumes from its newest checkpoint and trains on to N,
  which on CPU is bit for bit what N epochs from the start give (a
  checkpoint holds every variable that changes in training).
- Trials that a killed sweep left ``running`` are found by their dead lock
  holder and resumed by the next ``--resume``, never left dangling.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from adamctl.errors import ConfigError, UsageError
from adamctl.store import SweepDir

__all__ = ["RERUNNABLE", "check_unchanged", "check_same_plan", "check_trial_configs",
           "rerun", "extend", "EXTENDABLE"]

RERUNNABLE = ("failed", "diverged", "pruned")
EXTENDABLE = "training.epochs"
_SHOWN_CHANGES = 4


def check_unchanged(sweep_dir: SweepDir, data: Mapping[str, Any]) -> None:
    """Refuse a ``sweep.yaml`` (read as ``data``) that is not the plan adamctl last wrote.

    A ``sweep.yaml`` that a kill left one write behind its record is adamctl's
    own and is brought up to date; a sweep without a record (made before
    plans were recorded) is taken as it is.

    Raises:
        ConfigError: naming sweep.yaml and what differs from the recorded plan.
    """
    from adamctl.config import diff_mappings

    recorded = sweep_dir.read_recorded_plan()
    if recorded is None:
        return
    plan, replaced = recorded
    if dict(data) == plan:
        return
    if replaced:  # killed between the record and sweep.yaml: finish that write
        sweep_dir.update_plan(plan)
        return
    raise ConfigError(f"was changed since the sweep wrote it ({_shown(diff_mappings(plan, data))}); "
                      "restore it, or start a new sweep; to train longer use "
                      "--resume --extend, to retry trials --resume --rerun",
                      file=sweep_dir.plan_path)


def check_same_plan(recorded: Mapping[str, Any], prepared: Mapping[str, Any],
                    sweep_dir: SweepDir) -> None:
    """Refuse a CONFIG (with --grid, --seeds, --set...) beside ``--resume`` that plans another sweep.

    The trials themselves, a search's study name and storage, and the
    history are left out: they are made by running, not by the command line.

    Raises:
        UsageError: naming what differs between the sweep's plan and the command's.
    """
    from adamctl.config import diff_mappings

    changes = diff_mappings(_definition(recorded), _definition(prepared))
    if changes:
        raise UsageError(f"--resume {sweep_dir.root}: the command plans another sweep than the "
                         f"one started there ({_shown(changes)}); resume with the same CONFIG and "
                         "options, or with --resume alone")


def check_trial_configs(sweep_dir: SweepDir, planned: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse a started trial whose ``config.yaml`` is not its planned config.

    ``training.epochs`` may be lower than planned: that trial resumes after
    ``--extend``.

    Raises:
        ConfigError: naming the trial's config.yaml and what differs.
    """
    import yaml

    from adamctl.config import diff_mappings

    for trial_id, config in planned.items():
        path = sweep_dir.trial(trial_id).config_path
        if not path.is_file():
            continue
        try:
            on_disk = yaml.safe_load(path.read_text())
        except yaml.YAMLError:
            raise ConfigError("is not valid YAML; restore it, or rerun that trial "
                              "(--resume --rerun)", file=path) from None
        changes = [change for change in diff_mappings(dict(config), on_disk or {})
                   if not _extension_pending(change)]
        if changes:
            raise ConfigError(f"differs from the sweep's plan ({_shown(changes)}); restore it: "
                              "a sweep's trials run the configs in its sweep.yaml", file=path)


def rerun(plan: Any, sweep_dir: SweepDir, statuses: Sequence[str],
          notify: Callable[[str], None] | None = None) -> Any:
    """``plan`` with every trial whose files say one of ``statuses`` given a new attempt.

    The new attempt's id and directory are ones never used in this sweep;
    the old directory is left as it is and named in the plan's history.
    """
    from adamctl._clock import now_iso
    from adamctl.store.summary import summary_of
    from adamctl.sweep.plan import replan
    from adamctl.sweep.run import status_on_disk

    moved: list[dict[str, Any]] = []
    attempts: dict[tuple[str, int], int] = {}
    for trial in plan.trials:
        run = sweep_dir.trial(trial.id)
        status = status_on_disk(run, summary_of(run))
        if status not in statuses:
            continue
        again = trial.again()
        while sweep_dir.trial(again.id).root.exists():
            again = again.again()
        attempts[(trial.point.id, trial.seed)] = again.attempt
        moved.append({"id": trial.id, "status": status, "rerun_as": again.id})
    if not moved:
        _say(notify, f"no trial is {' or '.join(statuses)}: nothing to rerun")
        return plan
    _say(notify, f"rerunning {len(moved)} trial(s) from scratch: "
         + ", ".join(f"{m['id']} ({m['status']}) as {m['rerun_as']}" for m in moved))
    return replan(plan, attempts=attempts,
                  event={"event": "rerun", "at": now_iso(), "trials": moved})


def extend(plan: Any, assignment: str, notify: Callable[[str], None] | None = None) -> Any:
    """``plan`` with ``training.epochs`` raised as ``assignment`` (``training.epochs=N``) says.

    Raises:
        UsageError: another key, or an N that is not more than the plan's epochs.
    """
    from adamctl._clock import now_iso
    from adamctl.config.overrides import set_path
    from adamctl.sweep.plan import replan

    key, _, text = assignment.partition("=")
    if key.strip() != EXTENDABLE:
        raise UsageError(f"--extend {assignment}: only {EXTENDABLE}=N can be extended (a trial "
                         "continues from its checkpoint; other changes need a new sweep)")
    current = int(plan.base["training"]["epochs"])
    try:
        epochs = int(text)
    except ValueError:
        epochs = None
    if epochs is None or epochs <= current:
        raise UsageError(f"--extend {assignment}: N must be an integer above the sweep's "
                         f"{current} epochs")
    _say(notify, f"extending every trial from {current} to {epochs} epochs")
    return replan(plan, base=set_path(plan.base, ("training", "epochs"), epochs),
                  event={"event": "extend", "at": now_iso(), "key": EXTENDABLE,
                         "from": current, "to": epochs})


def _definition(plan: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a plan a command line decides (how its trials run is not one of them)."""
    definition = {key: value for key, value in plan.items()
                  if key not in ("trials", "history", "search", "source", "execution")}
    search = plan.get("search")
    if isinstance(search, Mapping):
        definition["search"] = {key: value for key, value in search.items()
                                if key not in ("study", "storage")}
    return definition


def _extension_pending(change: tuple[str, Any, Any]) -> bool:
    """A trial configured for fewer epochs than planned: it trains on when resumed."""
    key, planned, on_disk = change
    return (key == EXTENDABLE and isinstance(planned, int) and isinstance(on_disk, int)
            and on_disk < planned)


def _shown(changes: list[tuple[str, Any, Any]]) -> str:
    shown = "; ".join(f"{key}: {_short(old)} -> {_short(new)}"
                      for key, old, new in changes[:_SHOWN_CHANGES])
    more = len(changes) - _SHOWN_CHANGES
    return shown + (f"; and {more} more" if more > 0 else "")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _say(notify: Callable[[str], None] | None, message: str) -> None:
    if notify is not None:
        notify(message)
