"""``adamctl doctor RUN``: what Adam's diagnostics say about a run, in a few sentences."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["command"]


@click.command("doctor")
@click.argument("run_dir", metavar="RUN", type=click.Path(exists=True, file_okay=False,
                                                           path_type=Path))
def command(run_dir: Path) -> None:
    """Explain a run's Adam diagnostics: epsilon dominance, saturation, warm-up, betas.

    The run needs training.diagnostics_every. Each sentence comes from a rule
    with a documented threshold and source (docs/diagnostics.md); "healthy"
    when none applies.

    \b
    Example:
      adamctl train configs/quickstart.yaml --set training.diagnostics_every=50
      adamctl doctor runs/quickstart-20260101-120000
    """
    from adamctl.report.doctor import doctor

    for sentence in doctor(run_dir):
        click.echo(f"- {sentence}")
