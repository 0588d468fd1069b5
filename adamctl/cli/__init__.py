"""The ``adamctl`` command line: one group, one module per command.

Errors are turned into exit codes here and nowhere else: a bad config or
input exits 2, a failure while running exits 1, an interrupt 130 (SIGINT) or
143 (SIGTERM). One line goes to stderr; the traceback only with ``--debug``
or ``ADAMCTL_DEBUG=1``. A reader that closes stdout early (``| head -1``)
ends the command quietly with 141, as a process killed by SIGPIPE would:
what was printed stands, and ``set -o pipefail`` still sees the cut.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from adamctl import __version__
from adamctl.errors import AdamctlError, Interrupted
from adamctl.training.backend import debug_requested, skip_unused_framework_imports

__all__ = ["main", "cli"]

_EXIT_SIGPIPE = 141  # 128 + SIGPIPE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class OneLineUsageError(click.UsageError):
    """A click usage error shown as adamctl shows its own: one line, naming the option.

    click prints four lines (usage, a hint, a blank line, the error); the
    error line alone says what is wrong, and the hint fits beside it.
    """

    def __init__(self, error: click.UsageError) -> None:
        super().__init__(error.format_message(), error.ctx)
        self.exit_code = error.exit_code

    def show(self, file: Any = None) -> None:
        hint = f' (see "{self.ctx.command_path} --help")' if self.ctx is not None else ""
        click.echo(f"error: {self.format_message()}{hint}", err=True)


class AdamctlGroup(click.Group):
    """A click group that reports :class:`AdamctlError` as one line and an exit code.

    Every command it holds also takes ``--debug`` after its name, since that
    is where a user adds it when rerunning a failed command.
    """

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not any(param.name == "debug" for param in cmd.params):
            cmd.params.append(click.Option(
                ["--debug"], is_flag=True, expose_value=False, callback=_debug_callback,
                help="Show the full traceback of an error, and native library logs.",
            ))
        super().add_command(cmd, name)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as error:
            raise OneLineUsageError(error) from None

    def invoke(self, ctx: click.Context):
        debug = lambda: ctx.meta.get("adamctl.debug") or debug_requested()  # noqa: E731
        try:
            return super().invoke(ctx)
        except click.UsageError as error:  # a command's options: unknown, missing, invalid
            raise OneLineUsageError(error) from None
        except AdamctlError as error:
            if isinstance(error, Interrupted):
                _ignore_further_signals()
            if debug():
                traceback.print_exc()
            click.echo(f"{error.label}: {error}", err=True)
            ctx.exit(error.exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            _silence_stdout()
            ctx.exit(_EXIT_SIGPIPE)
        except KeyboardInterrupt:
            _ignore_further_signals()
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
    _debug_callback(ctx, None, debug)


def _debug_callback(ctx: click.Context, param: click.Parameter | None, debug: bool) -> None:
    """Turn debugging on for the rest of the command (``--debug`` before or after its name)."""
    if not debug:
        return
    ctx.meta["adamctl.debug"] = True
    if not debug_requested():
        # Code far from the CLI (native log hiding) reads the variable; it is
        # restored when the command ends, so one call does not leak into the next.
        os.environ["ADAMCTL_DEBUG"] = "1"
        ctx.call_on_close(lambda: os.environ.pop("ADAMCTL_DEBUG", None))


def _register() -> None:
    from adamctl.cli import compare, inspect_checkpoint, report, resume, sweep, train, validate
    from adamctl.cli import doctor, evaluate, export, runs

    for module in (train, validate, resume, inspect_checkpoint, sweep, report, compare, doctor):
        cli.add_command(module.command)
    for module in (runs, export, evaluate):
        cli.add_command(module.command)


_register()


def _ignore_further_signals() -> None:
    """After an interrupt was settled (checkpoint and status written), a second
    Ctrl-C or SIGTERM during the process's shutdown must not turn the exit
    code that reports the first one into a death by signal."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


def main() -> None:
    """Console-script entry point."""
    skip_unused_framework_imports()  # this process is adamctl's own
    stdout_at_start = _stdout_identity()
    try:
        cli.main(prog_name="adamctl")
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(_EXIT_SIGPIPE)
    except SystemExit as done:
        _flush_stdout()  # what is still buffered, while an EPIPE can still be handled
        # click (PacifyFlushWrapper) and rich (stdout moved to /dev/null) turn
        # a closed pipe into a silent exit 1; it is a cut pipe, not a failure.
        if done.code == 1 and (type(sys.stdout).__name__.endswith("PacifyFlushWrapper")
                               or _stdout_identity() != stdout_at_start):
            sys.exit(_EXIT_SIGPIPE)
        raise


def _stdout_identity() -> tuple[int, int] | None:
    try:
        found = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return found.st_dev, found.st_ino


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(_EXIT_SIGPIPE)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
