"""``adamctl inspect CHECKPOINT_OR_RUN``: what a checkpoint holds."""

from __future__ import annotations

import json
from pathlib import Path

import click

__all__ = ["command"]


@click.command("inspect")
@click.argument("path", metavar="CHECKPOINT_OR_RUN",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the description as JSON.")
def command(path: Path, as_json: bool) -> None:
    """Show a checkpoint's step, epoch, Adam settings, and per variable the norms of w, m, v.

    Given a run directory, its newest valid checkpoint is shown; with
    training.diagnostics_every, also the run's latest Adam diagnostics per variable.

    \b
    Example:
      adamctl inspect runs/quickstart-20260101-120000
      adamctl inspect runs/quickstart-20260101-120000/checkpoints/ckpt-000000052 --json
    """
    from adamctl.store.inspect import load_description

    checkpoint, description = load_description(
        path, warn=lambda message: click.echo(f"warning: {message}", err=True))
    if as_json:
        click.echo(json.dumps({"checkpoint": str(checkpoint), **description}, indent=2))
        return
    from adamctl.cli.render import stdout_console

    console = stdout_console()
    console.print(f"checkpoint {checkpoint}")
    console.print(f"step {description['step']}, epoch {description['epoch']} "
                  f"(+{description['step_in_epoch']} steps), {description['elapsed_s']:.1f} s")
    settings = ", ".join(f"{k}={v}" for k, v in description["optimizer"].items() if v is not None)
    console.print(f"optimizer: {settings}")
    console.print(_variables_table(description["variables"]))
    if description.get("diagnostics"):
        console.print(_diagnostics_table(description["diagnostics"]))


def _variables_table(rows: list[dict]):
    from rich.table import Table

    columns = ["norm", "momentum_norm", "velocity_norm", "velocity_hat_norm", "average_norm"]
    shown = [c for c in columns if any(c in row for row in rows)]
    table = Table(title="variables (L2 norms)")
    table.add_column("variable")
    table.add_column("shape", justify="right")
    for column in shown:
        table.add_column({"norm": "w"}.get(column, column.removesuffix("_norm")), justify="right")
    for row in rows:
        table.add_row(row["path"], "x".join(map(str, row["shape"])) or "scalar",
                      *(f"{row[c]:.4g}" if c in row else "" for c in shown))
    return table


_DIAGNOSTIC_HEADERS = {"epsilon_dominated": "eps-dom", "effective_lr_p01": "lr p01",
                       "effective_lr_p50": "lr p50", "effective_lr_p99": "lr p99",
                       "update_to_weight": "upd/w", "update_saturated": "saturated",
                       "update_alignment": "align", "grad_to_v": "g2/v", "vhat_gap": "vhat gap"}


def _diagnostics_table(diagnostics: dict):
    from rich.table import Table

    rows = diagnostics["rows"]
    shown = [c for c in _DIAGNOSTIC_HEADERS if any(row.get(c) is not None for row in rows)]
    table = Table(title=f"Adam diagnostics at step {diagnostics['step']}")
    table.add_column("variable")
    for column in shown:
        table.add_column(_DIAGNOSTIC_HEADERS[column], justify="right")
    for row in rows:
        table.add_row(row["variable"], *(_cell(row.get(c)) for c in shown))
    return table


def _cell(value) -> str:
    return "" if value is None else f"{value:.3g}"
