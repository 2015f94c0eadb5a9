"""A check's time budget: FILE_SECONDS inside the worker, HARD_SECONDS from outside, and how many workers.

The worker stops its own file after FILE_SECONDS (`time_limit`: an interval timer whose signal raises
FileTimeout in the checking code, which job.py turns into E-FILE-TIMEOUT). A file stuck where that signal
is not delivered (inside one long C call) is the pool's to stop: a call that has not come back
HARD_SECONDS after its turn began gets its worker killed (workers.py), and the file the same finding.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class FileTimeout(BaseException):
    """Raised by `time_limit` in the code it interrupts. A BaseException, so that the checker's own
    "any bug becomes a finding" handlers (``except Exception``) do not swallow it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise FileTimeout in this block after `seconds` of wall-clock time (SIGALRM; main thread only,
    elsewhere the block runs unbounded and the pool's HARD_SECONDS still applies)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise FileTimeout(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def default_jobs() -> int:
    """Worker processes by default: one per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
