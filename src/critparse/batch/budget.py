"""A time budget for parsing: `deadline(seconds)` raises `RecordTimeout` in the block when the
time is up (a SIGALRM interval timer).

Signals reach only the main thread of a process, so the budget applies where chunks run in a
main thread: the single-process engine and each pool worker. Elsewhere (a Dask worker's thread,
Windows) `available()` is False and parsing runs without a budget. Python delivers the signal
between bytecodes: a long call inside compiled code (a regex, spaCy's Cython loops) ends first,
which is why the super-linear paths themselves are made linear too.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator, Optional


class RecordTimeout(Exception):
    """The time budget of a record (or a batch of records) ran out."""


def available() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise RecordTimeout()


@contextmanager
def deadline(seconds: Optional[float]) -> Iterator[None]:
    """Raise RecordTimeout inside the block after `seconds` (no limit for None/0 or where
    alarms are not available). Timers do not nest: the inner one replaces the outer."""
    if not seconds or seconds <= 0 or not available():
        yield
        return
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
