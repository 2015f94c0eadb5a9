"""Functions the pool tests send to worker processes. Not a test module: a worker imports it to run a call,
so it imports nothing heavy (a spawned worker's first call would otherwise spend its time on imports)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Any


def stuck_on_one(item: int) -> int:
    if item == 1:  # stuck where the worker's own alarm never arrives (a C call that does not return)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(120)
    return item * 10


def check_or_die(item: int) -> int:
    if item == 3:
        os._exit(1)  # a parser aborting the whole process
    if item == 5:
        raise ValueError("bad input")
    return item * 10


#: a returned file carrying this (in its zip comment) makes a worker warmed with `dying_checks` die on it
DIE_MARK = b"xlt-test: the worker dies on this file"
#: ... and one warmed with `slow_checks` take SLOW_SECONDS longer over it
SLOW_MARK = b"xlt-test: the worker is slow on this file"
SLOW_SECONDS = 1.0


def dying_checks() -> None:
    """A worker's warm-up that makes it die (as a parser aborting the process would) on a DIE_MARK file."""
    _wrap_check(lambda content: os._exit(70) if DIE_MARK in content else None)


def raising_checks() -> None:
    """A worker's warm-up that makes the check raise (as a template the bureau broke does) on a DIE_MARK file."""
    _wrap_check(_raise_on_mark)


def _raise_on_mark(content: bytes) -> None:
    if DIE_MARK in content:
        raise RuntimeError("模板有误")


def slow_checks() -> None:
    """A worker's warm-up that makes it sleep SLOW_SECONDS before checking a SLOW_MARK file."""
    _wrap_check(lambda content: time.sleep(SLOW_SECONDS) if SLOW_MARK in content else None)


def _wrap_check(before: Callable[[bytes], object]) -> None:
    from xltemplates.checking import job

    real = job.check_bytes_and_evidence

    def check_bytes(content: bytes, *args: Any, **kwargs: Any) -> Any:
        before(content)
        return real(content, *args, **kwargs)

    job.check_bytes_and_evidence = check_bytes  # type: ignore[assignment]


def dying_copies() -> None:
    """A worker's warm-up that makes it die (as the OOM killer would) whenever it makes an annotated copy."""
    _wrap_annotate(lambda: os._exit(70))


def slow_copies() -> None:
    """A worker's warm-up that makes each annotated copy take SLOW_SECONDS longer."""
    _wrap_annotate(lambda: time.sleep(SLOW_SECONDS))


def _wrap_annotate(before: Callable[[], object]) -> None:
    from xltemplates.checking import job

    real = job.annotate

    def annotate(*args: Any, **kwargs: Any) -> Any:
        before()
        return real(*args, **kwargs)

    job.annotate = annotate  # type: ignore[assignment]


def marked(content: bytes, mark: bytes) -> bytes:
    """A workbook with `mark` as its zip comment: the same workbook to every reader."""
    import io
    import zipfile

    buf = io.BytesIO(content)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.comment = mark
    return buf.getvalue()
