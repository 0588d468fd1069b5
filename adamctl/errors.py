"""The exceptions adamctl raises, and what each means for the exit code.

Library code raises these; :mod:`adamctl.cli` maps them to exit codes in one
place: bad configuration or input exits 2, a failure while running exits 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "AdamctlError",
    "CheckpointError",
    "ConfigError",
    "Interrupted",
    "InvalidArgument",
    "RunLocked",
    "TrainingDiverged",
    "UsageError",
]

_NOTHING = object()


class InvalidArgument(ValueError):
    """An argument of the optimizer or one of its parts is out of bounds.

    Raised by :mod:`adamctl.core` (it is a ``ValueError``, as the Keras API
    promises) and turned into a :class:`ConfigError` by the config loader,
    which adds the file and the key path.

    Attributes:
        argument: dotted name of the argument, e.g. ``"beta_1"`` or
            ``"learning_rate.decay_steps"``.
        value: the value received.
        allowed: what is allowed, phrased to follow "must be", e.g.
            ``"a float in [0, 1)"``.
        suggestion: for an unknown name, the closest valid one.
    """

    def __init__(
        self,
        argument: str,
        value: Any,
        allowed: str,
        *,
        suggestion: str | None = None,
    ) -> None:
        self.argument = argument
        self.value = value
        self.allowed = allowed
        self.suggestion = suggestion
        message = f"`{argument}` must be {allowed}. Received: {argument}={value!r}"
        if suggestion and suggestion != str(value):
            message += f' (did you mean "{suggestion}"?)'
        super().__init__(message)


class AdamctlError(Exception):
    """Base of every error adamctl reports to the user without a traceback."""

    exit_code = 1
    label = "error"


class UsageError(AdamctlError):
    """The command line asks for something that cannot be done."""

    exit_code = 2


class ConfigError(AdamctlError):
    """A config file, or an override of it, is wrong.

    The message reads ``FILE[:LINE]: KEY.PATH = VALUE: must be ALLOWED``,
    followed by ``(did you mean "x"?)`` when there is a close valid name.
    """

    exit_code = 2

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        key_path: str | None = None,
        value: Any = _NOTHING,
        line: int | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = None if file is None else str(file)
        self.key_path = key_path
        self.value = None if value is _NOTHING else value
        self._value_given = value is not _NOTHING
        self.line = line
        self.suggestion = suggestion
        parts = []
        if self.file is not None:
            parts.append(self.file if line is None else f"{self.file}:{line}")
        if key_path is not None:
            parts.append(key_path if value is _NOTHING else f"{key_path} = {_show(value)}")
        parts.append(problem)
        message = ": ".join(parts)
        # A refused name can be close to itself (a name Keras lists but will
        # not build): suggesting it back would read as "use what you used".
        if suggestion and suggestion != str(self.value):
            message += f' (did you mean "{suggestion}"?)'
        super().__init__(message)

    def with_file(self, file: str | Path | None) -> "ConfigError":
        """This error naming ``file``, when it names none yet."""
        if self.file is not None or file is None:
            return self
        value = self.value if self._value_given else _NOTHING
        return ConfigError(self.problem, file=file, key_path=self.key_path, value=value,
                           line=self.line, suggestion=self.suggestion)

    def with_line(self, line: int | None) -> "ConfigError":
        """This error naming ``line`` of its file, when it names none yet."""
        if self.line is not None or line is None:
            return self
        value = self.value if self._value_given else _NOTHING
        return ConfigError(self.problem, file=self.file, key_path=self.key_path, value=value,
                           line=line, suggestion=self.suggestion)

    @classmethod
    def from_invalid(
        cls,
        error: InvalidArgument,
        *,
        file: str | Path | None = None,
        prefix: str = "",
        line: int | None = None,
    ) -> "ConfigError":
        """Wrap an :class:`InvalidArgument`, placing it under ``prefix``."""
        key = f"{prefix}.{error.argument}" if prefix else error.argument
        return cls(
            f"must be {error.allowed}",
            file=file,
            key_path=key,
            value=error.value,
            line=line,
            suggestion=error.suggestion,
        )


class CheckpointError(AdamctlError):
    """A checkpoint is missing, damaged, or does not fit the run."""

    exit_code = 2


class RunLocked(AdamctlError):
    """Another live process is writing to the same run directory."""

    exit_code = 2


class Interrupted(AdamctlError):
    """Training stopped on SIGINT or SIGTERM after saving a checkpoint.

    The exit code is the shell's 128 + signal number: 130 for SIGINT, 143
    for SIGTERM.
    """

    label = "interrupted"

    def __init__(self, message: str, *, exit_code: int = 130) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class WriteFailed(AdamctlError):
    """The disk refused a write (full, read-only, file too large): names the path and operation."""

    exit_code = 1

    @classmethod
    def from_os_error(cls, operation: str, path: Any, error: OSError) -> "WriteFailed":
        import errno as _errno

        code = _errno.errorcode.get(error.errno or 0, "")
        reason = error.strerror or str(error)
        return cls(f"cannot {operation} {path}: {reason}" + (f" ({code})" if code else ""))


class TrainingDiverged(AdamctlError):
    """The loss became NaN or infinite."""

    exit_code = 1


def _show(value: Any) -> str:
    """Render a received value the way the user would have written it."""
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
