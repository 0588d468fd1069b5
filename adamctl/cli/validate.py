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

    config = load_config(config_path, overrides)
    _check_names(config, file=config_path)
    click.echo(dump_config_yaml(config), nl=False)


# Names Keras is known to accept; anything else is checked by Keras itself.
_KNOWN_LOSSES = frozenset({
    "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
    "mean_squared_error", "mean_absolute_error", "mse", "mae", "huber", "log_cosh",
})
_KNOWN_METRICS = frozenset({
    "accuracy", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy",
    "mean_squared_error", "mean_absolute_error", "mse", "mae", "root_mean_squared_error",
})
_KNOWN_ACTIVATIONS = frozenset({"relu", "tanh", "sigmoid", "gelu", "elu", "selu", "swish",
                                "silu", "softplus", "linear", "leaky_relu"})


def _check_names(config, *, file: Path) -> None:
    """Check the model's names, importing Keras only for names it must judge."""
    model = config.model
    if (
        model.layers is None
        and model.loss in _KNOWN_LOSSES
        and set(model.metrics or ()) <= _KNOWN_METRICS
        and model.activation in _KNOWN_ACTIVATIONS
    ):
        return
    from adamctl.models import check_model_config

    check_model_config(model, file=file)
