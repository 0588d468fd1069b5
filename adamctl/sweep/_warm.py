"""The report's libraries, imported on a thread while a sweep's workers start and train.

A sweep ends by writing report.md and its plots, whose modules (matplotlib
above all) take most of a second to import; done at the end, that second
comes after the last trial. The sweep's own process mostly waits on its
workers meanwhile, so the imports run then, on a thread; :meth:`wait` joins
it before the report is written, so that no two threads import the same
modules at once. A failed import here is left for the report to raise.
"""

from __future__ import annotations

import threading

__all__ = ["ReportImports"]


class ReportImports:
    """Import the report's modules in the background once :meth:`start` is called."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=_import, name="adamctl-report-imports",
                                            daemon=True)
            self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()


def _import() -> None:
    try:
        import adamctl.report.sweep_report  # noqa: F401 - imported for later
        import matplotlib

        matplotlib.use("Agg")  # as the plots choose it: no display needed
        import matplotlib.pyplot  # noqa: F401
    except Exception:  # noqa: BLE001 - the report, written later, raises it
        pass
