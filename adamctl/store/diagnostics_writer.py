"""`DiagnosticsWriter`: a run's diagnostics files, kept formatted, written off the training thread.

Each file is still rewritten whole and atomically (temporary sibling, fsync,
rename, fsync of the folder: :mod:`adamctl._atomic`), with the bytes
:func:`adamctl.store.diagnostics.write_rows` gives. Two things make that
cheap enough to do every checkpoint:

- rows are formatted once, as they arrive, and the text is kept: a rewrite
  formats nothing (700 rows took 7 ms to format, as long as the write);
- a write may run on a background thread while training goes on, so the
  four fsyncs (about 8 ms on the shared disk this was measured on) overlap
  the steps or the validation before the next checkpoint. :meth:`write`
  waits for it, so the caller still knows the rows are on disk before it
  lets a checkpoint be written.
"""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path
from typing import Any

from adamctl._atomic import atomic_write_text
from adamctl.store.diagnostics import (DIAGNOSTICS_COLUMNS, SCALAR_COLUMNS, format_cell,
                                       rows_up_to)

__all__ = ["DiagnosticsWriter"]


class _Text:
    """One CSV file's content: the header and every row, already formatted."""

    def __init__(self, path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        self.path, self.columns = Path(path), columns
        self._buffer = io.StringIO()
        self._writer = csv.DictWriter(self._buffer, fieldnames=list(columns), lineterminator="\n")
        self._writer.writeheader()
        self.add(rows)

    def add(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._writer.writerow({key: format_cell(row.get(key)) for key in self.columns})

    def value(self) -> str:
        return self._buffer.getvalue()


class DiagnosticsWriter:
    """``diagnostics.csv`` and ``diagnostics_scalars.csv`` of a run resumed at ``step``.

    Rows already in the files are kept up to ``step`` (a fresh run: none), so
    the first :meth:`write` cuts what a killed session measured past its
    checkpoint. Rows are added with :meth:`add`; :meth:`start_write` begins
    writing both files in the background, :meth:`write` returns once both
    are on disk with every row added so far.

    Raises (from :meth:`write`):
        WriteFailed: the disk refused either file, in the background or not.
    """

    def __init__(self, path: Path, scalars_path: Path, *, step: int) -> None:
        self._texts = (_Text(path, DIAGNOSTICS_COLUMNS, rows_up_to(path, step)),
                       _Text(scalars_path, SCALAR_COLUMNS, rows_up_to(scalars_path, step)))
        self._changed = True  # the resume's cut (or a fresh run's empty files) is written once
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, rows: list[dict[str, Any]], scalars: dict[str, Any]) -> None:
        """Append one diagnostics step: its rows and its scalars row."""
        self._texts[0].add(rows)
        self._texts[1].add([scalars])
        self._changed = True

    def start_write(self) -> None:
        """Begin writing both files on a background thread, unless one is writing already."""
        if not self._changed or self._thread is not None:
            return
        contents = self._snapshot()
        self._thread = threading.Thread(target=self._write_in_background, args=(contents,),
                                        name="diagnostics-writer", daemon=True)
        self._thread.start()

    def write(self) -> None:
        """Wait for a background write, then write what it did not cover; both files are on disk."""
        self._wait()
        if self._changed:
            _write(self._snapshot())

    def _snapshot(self) -> list[tuple[Path, str]]:
        self._changed = False
        return [(text.path, text.value()) for text in self._texts]

    def _write_in_background(self, contents: list[tuple[Path, str]]) -> None:
        try:
            _write(contents)
        except BaseException as error:  # re-raised on the training thread by _wait
            self._error = error

    def _wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            self._changed = True  # nothing is known to be on disk: write again next time
            raise error


def _write(contents: list[tuple[Path, str]]) -> None:
    for path, text in contents:
        atomic_write_text(path, text)
