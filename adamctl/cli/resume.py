"""``adamctl resume RUN_DIR``: continue a run from its newest valid checkpoint."""

from __future__ import annotations

from pathlib import Path

import click

from adamctl.cli.options import overrides_option, quiet_option
from adamctl.cli.render import metrics_table, progress_console, stdout_console

__all__ = ["command"]


@click.command("resume")
@click.argument("run_dir", metavar="RUN_DIR", type=click.Path(file_okay=False, path_type=Path))
@overrides_option
@click.option(
    "--allow-drift", is_flag=True,
    help="Resume even though the config differs from the checkpoint's; the change is "
    "recorded in summary.json.",
)
@quiet_option
def command(run_dir: Path, overrides: tuple[str, ...], allow_drift: bool, quiet: bool) -> None:
    """Continue a run from its newest valid checkpoint to the configured end.

    On CPU the result is bit-for-bit what the run would have given without
    the interruption. A damaged checkpoint is skipped with a warning. With
    --set, the run's config changes (for instance a lower learning rate for
    a fine-tune); that needs --allow-drift.

    \b
    Example:
      adamctl resume runs/quickstart-20260101-120000
      adamctl resume runs/x --set optimizer.learning_rate=0.0001 --allow-drift
    """
    from adamctl.training.resume import resume

    result = resume(
        run_dir, overrides=overrides, allow_drift=allow_drift,
        console=progress_console(quiet), warn=lambda message: click.echo(f"warning: {message}", err=True),
        notify=None if quiet else lambda message: click.echo(message, err=True),
    )
    if result.note:
        click.echo(result.note, err=True)
    if not quiet:
        stdout_console().print(metrics_table(result.run_dir.root))
    click.echo(str(result.run_dir.root))
