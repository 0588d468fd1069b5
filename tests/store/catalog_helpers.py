"""A runs folder holding two runs, a sweep of two trials and two broken runs, written by the store."""

from __future__ import annotations

from pathlib import Path

from adamctl.store import RunDir, SweepDir
from adamctl.store.summary import RunSummary


def write_run(run: RunDir, name: str, losses: list[float], *, status: str = "completed",
              validation: bool = True) -> None:
    """A run's config.yaml and summary.json, one epoch per loss (3 steps each)."""
    run.root.mkdir(parents=True)
    run.config_path.write_text(f"name: {name}\n")
    summary = RunSummary.start(run.summary_path, name=name, run_dir=str(run.root))
    for epoch, loss in enumerate(losses, start=1):
        logs = {"loss": loss + 1.0, "learning_rate": 0.01}
        if validation:
            logs["val_loss"] = loss
        summary.record_epoch(epoch, 3 * epoch, 1.5 * epoch, logs)
    if status != "running":
        summary.finish(status)


def make_runs_folder(root: Path) -> Path:
    """``root`` with runs alpha (val_loss 0.5 then 0.7), beta (no validation, running),
    sweep sw (trials t0: val_loss best 0.2, t1: best 0.4), broken (no summary.json)
    and corrupt (summary.json cut short)."""
    write_run(RunDir(root / "alpha-1"), "alpha", [0.5, 0.7])
    write_run(RunDir(root / "beta-1"), "beta", [0.9], status="running", validation=False)
    sweep = SweepDir(root / "sw-sweep-1")
    sweep.create({"name": "sw", "metric": "val_loss", "mode": "min",
                  "trials": [{"id": "t0"}, {"id": "t1"}]})
    write_run(sweep.trial("t0"), "sw", [0.3, 0.2])
    write_run(sweep.trial("t1"), "sw", [0.4, 0.6])
    broken = RunDir(root / "broken-1")
    broken.root.mkdir()
    broken.config_path.write_text("name: broken\n")
    corrupt = RunDir(root / "corrupt-1")
    write_run(corrupt, "corrupt", [0.1])
    corrupt.summary_path.write_text(corrupt.summary_path.read_text()[:40])
    (root / "notes").mkdir()  # neither a run nor a sweep: not listed
    return root
