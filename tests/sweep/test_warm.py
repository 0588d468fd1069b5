"""The report's imports give way to the workers: a lower priority for their thread only."""

from __future__ import annotations

import os
import sys
import threading

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads have their own "
                    "priority on Linux only; elsewhere the imports keep the process's")
def test_the_report_imports_thread_runs_nicer_and_the_rest_of_the_process_does_not():
    from adamctl.sweep._warm import _NICENESS, _give_way

    seen: dict[str, int] = {}

    def thread() -> None:
        before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        _give_way()
        seen["before"] = before
        seen["after"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    main_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    worker = threading.Thread(target=thread)
    worker.start()
    worker.join()
    assert seen["after"] == max(seen["before"], _NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_before
