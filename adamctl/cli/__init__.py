"""The ``adamctl`` command line: one group, one module per command.

Errors are turned into exit codes here and nowhere else: a bad config or
input exits 2, a failure while running exits 1, an interrupt 130 (SIGINT) or
143 (SIGTERM). One line goes to stderr; the traceback only with ``--debug``
or ``ADAMCTL_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from adamctl import __version__
from adamctl.errors import AdamctlError
from adamctl.training.backend import debug_requested

__all__ = ["main", "cli"]


class AdamctlGroup(click.Group):
    """A click group that reports :class:`AdamctlError` as one line and an exit code."""

    def invoke(self, ctx: click.Context):
        debug = lambda: ctx.meta.get("adamctl.debug") or debug_requested()  # noqa: E731
        try:
            return super().invoke(ctx)
        except AdamctlError as error:
            if debug():
                traceback.print_exc()
            click.echo(f"{error.label}: {error}", err=True)
            ctx.exit(error.exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as error:  # a failure with no message of ours: still one line
            if debug():
                raise
            click.echo(f"error: {type(error).__name__}: {' '.join(str(error).split())[:500]} "
                       "(run with --debug for the traceback)", err=True)
            ctx.exit(1)


@click.group(cls=AdamctlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="adamctl")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Train, checkpoint, resume, sweep and report experiments with the Adam optimizer.

    \b
    Example:
      adamctl train configs/quickstart.yaml
      adamctl train configs/quickstart.yaml --set optimizer.beta_1=0.95
    """
    ctx.meta["adamctl.debug"] = debug
    if debug and not debug_requested():
        # Code far from the CLI (native log hiding) reads the variable; it is
        # restored when the command ends, so one call does not leak into the next.
        os.environ["ADAMCTL_DEBUG"] = "1"
        ctx.call_on_close(lambda: os.environ.pop("ADAMCTL_DEBUG", None))


def _register() -> None:
    from adamctl.cli import compare, inspect_checkpoint, report, resume, sweep, train, validate
    from adamctl.cli import doctor

    for module in (train, validate, resume, inspect_checkpoint, sweep, report, compare, doctor):
        cli.add_command(module.command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="adamctl")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
