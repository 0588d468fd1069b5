"""``adamctl train CONFIG``: train one experiment into a new run directory."""

from __future__ import annotations

from pathlib import Path

import click

from adamctl.cli.options import config_argument, overrides_option, quiet_option
from adamctl.cli.render import metrics_table, progress_console, stdout_console

__all__ = ["command"]


@click.command("train")
@config_argument
@overrides_option
@click.option(
    "--run-dir", type=click.Path(file_okay=False, path_type=Path),
    help="Write the run here instead of runs/<name>-<YYYYmmdd-HHMMSS>/.",
)
@quiet_option
def command(config_path: Path, overrides: tuple[str, ...], run_dir: Path | None, quiet: bool) -> None:
    """Train the model a YAML config describes, with Adam, into a run directory.

    The last line printed is the run directory's path.

    \b
    Example:
      adamctl train configs/quickstart.yaml
      adamctl train configs/digits.yaml --set optimizer.amsgrad=true --run-dir runs/digits-ams
    """
    from adamctl.config import load_config
    from adamctl.training import train

    config = load_config(config_path, overrides)
    result = train(
        config, file=config_path, run_dir=run_dir, overrides=overrides,
        console=progress_console(quiet),
    )
    if not quiet:
        stdout_console().print(metrics_table(result.run_dir.root))
    click.echo(str(result.run_dir.root))
