"""``adamctl validate CONFIG``: check a config and print it fully resolved."""

from __future__ import annotations

from pathlib import Path

import click

from adamctl.cli.options import config_argument, overrides_option

__all__ = ["command"]


@click.command("validate")
@config_argument
@overrides_option
def command(config_path: Path, overrides: tuple[str, ...]) -> None:
    """Check a config and print it with every default filled in.

    Exits 0 when the config is valid, 2 with the reason when not. Keras is
    imported only when a name (a layer, a loss, a metric) needs it to be checked.

    \b
    Example:
      adamctl validate configs/quickstart.yaml --set optimizer.beta_2=0.99
    """
    from adamctl.config import dump_config_yaml, load_config
    from adamctl.models import check_model_names
    from adamctl.training.backend import native_start_up_hidden

    config = load_config(config_path, overrides)
    with native_start_up_hidden():
        check_model_names(config.model, file=config_path)
    click.echo(dump_config_yaml(config), nl=False)
