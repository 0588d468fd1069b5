"""A sweep worker's signals: one stop when its parent dies, and none lost before its trial's loop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from adamctl.training.interrupts import StopOnSignal, stop_signals_noted


def test_a_parent_death_signalled_twice_stops_the_worker_once():
    """The kernel may send the parent-death signal once per exiting thread of the parent;
    a second SIGTERM would mean "stop now, without a checkpoint"."""
    script = textwrap.dedent("""
        import os, signal, time
        from adamctl.sweep._lifetime import watch_parent
        terms = []
        signal.signal(signal.SIGTERM, lambda s, f: terms.append(s))
        watch_parent(os.getppid())
        for _ in range(3):
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.05)
        print(len(terms), signal.getsignal(signal.SIGINT) is signal.SIG_IGN)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "True"]


def test_a_stop_noted_before_the_loop_stops_the_loop_at_once():
    before = signal.getsignal(signal.SIGTERM)
    with stop_signals_noted():
        os.kill(os.getpid(), signal.SIGTERM)  # noted: the process lives on
        with StopOnSignal() as stop:
            assert stop() and stop.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before
    with stop_signals_noted(), StopOnSignal() as stop:  # a new block starts clean
        assert not stop()
