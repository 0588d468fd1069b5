"""``adamctl export RUN``: a finished run's model as a .keras file or a TF SavedModel."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["command"]


@click.command("export")
@click.argument("run_dir", metavar="RUN", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["keras", "savedmodel"]), default="keras",
              show_default=True,
              help="keras: the .keras file (load_model after import adamctl); savedmodel: an "
              "inference-only TensorFlow SavedModel.")
@click.option("--output", type=click.Path(path_type=Path),
              help="Where to write (default RUN/export/model.keras or RUN/export/saved_model).")
def command(run_dir: Path, fmt: str, output: Path | None) -> None:
    """Export a finished run's final model, for use outside adamctl.

    An existing output is never replaced. The last line printed is the path
    written.

    \b
    Example:
      adamctl export runs/quickstart-20260101-120000
      adamctl export runs/quickstart-20260101-120000 --format savedmodel --output serve/
    """
    from adamctl.training.export import export_run

    click.echo(str(export_run(run_dir, fmt=fmt, output=output)))
