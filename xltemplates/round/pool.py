"""Checking files on all cores, results back in input order, surviving a worker that dies.

Results come back in the order the files went in (a bounded window of files in flight), so the parent
stores them in a deterministic order: ids, history and the current flag come out the same whether the
run was interrupted or not. Files travel in small chunks, so a worker and the parent wake up once per
chunk rather than once per file. A worker that dies outright (a parser aborting the process, the OOM
killer) breaks a ProcessPoolExecutor for every file in flight; those files are then re-run one by one,
each in a fresh single-worker pool, so only the file that kills a worker again is reported as failed.

Time is bounded twice. A worker stops its own file after FILE_SECONDS (`time_limit`, an interval timer
whose signal raises FileTimeout in the checking code; job.py turns it into a finding). A file stuck where
that signal is not delivered (inside one long C call) is caught by the parent: a chunk that has not come
back HARD_SECONDS per file after the parent started waiting for it gets its workers killed, and its files
are re-run alone, each killed after HARD_SECONDS (WorkerTimedOut).
"""

from __future__ import annotations

import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from types import FrameType
from typing import TypeVar

from ..limits import FILE_SECONDS

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 4
WINDOW_PER_JOB = 3  # chunks in flight per worker: one running, the next ones queued
HARD_SECONDS = 2 * FILE_SECONDS + 10
"""Per file, for the parent: past this a worker did not even stop at its own time limit."""


class WorkerDied(RuntimeError):
    """The worker process checking this item died (it was re-run alone and died again)."""


class WorkerTimedOut(RuntimeError):
    """The worker checking this item neither finished nor stopped itself in time, and was killed."""


class FileTimeout(BaseException):
    """Raised by `time_limit` in the code it interrupts. A BaseException, so that the checker's own
    "any bug becomes a finding" handlers (``except Exception``) do not swallow it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise FileTimeout in this block after `seconds` of wall-clock time (SIGALRM; main thread only,
    elsewhere the block runs unbounded and the parent's HARD_SECONDS still applies)."""
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
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_ordered(fn: Callable[[T], R], items: Iterable[T], jobs: int, hard_seconds: float = HARD_SECONDS,
                inline: Callable[[T], bool] = lambda _item: False) -> Iterator[tuple[T, R | Exception]]:
    """(item, fn(item) or the exception it raised), in input order. `fn` must be a picklable top-level
    function when jobs > 1; jobs == 1 runs in this process (no isolation and no hard time limit: for
    debugging and baselines). A worker still busy with an item after `hard_seconds` is killed. Items for
    which `inline` is true are cheap: fn runs on them here, without a round trip to a worker."""
    if jobs <= 1:
        for item in items:
            yield item, _call(fn, item)
        return
    yield from _pooled(fn, iter(items), jobs, hard_seconds, inline)


def _call(fn: Callable[[T], R], item: T) -> R | Exception:
    try:
        return fn(item)
    except Exception as exc:  # one bad file never stops the batch
        return exc


def _chunk(fn: Callable[[T], R], chunk: list[T]) -> list[R | Exception]:
    return [_call(fn, item) for item in chunk]


def _chunks(fn: Callable[[T], R], items: Iterator[T],
            inline: Callable[[T], bool]) -> Iterator[tuple[list[T], Future[list[R | Exception]] | None]]:
    """Chunks of up to CHUNK items for the workers (future None: to submit), and each inline item alone
    with its result already computed here."""
    chunk: list[T] = []
    for item in items:
        if inline(item):
            if chunk:
                yield chunk, None
                chunk = []
            done: Future[list[R | Exception]] = Future()
            done.set_result([_call(fn, item)])
            yield [item], done
            continue
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk, None
            chunk = []
    if chunk:
        yield chunk, None


def _pooled(fn: Callable[[T], R], items: Iterator[T], jobs: int, hard_seconds: float,
            inline: Callable[[T], bool]) -> Iterator[tuple[T, R | Exception]]:
    window = jobs * WINDOW_PER_JOB
    pending: deque[tuple[list[T], Future[list[R | Exception]]]] = deque()
    work = partial(_chunk, fn)
    chunks = _chunks(fn, items, inline)
    ex = ProcessPoolExecutor(max_workers=jobs)
    try:
        while True:
            while len(pending) < window:
                nxt = next(chunks, None)
                if nxt is None:
                    break
                chunk, done = nxt
                pending.append((chunk, done if done is not None else ex.submit(work, chunk)))
            if not pending:
                return
            chunk, fut = pending.popleft()
            try:
                results = fut.result(timeout=hard_seconds * len(chunk))
            except (BrokenProcessPool, FutureTimeout) as exc:
                if isinstance(exc, FutureTimeout):
                    _kill_workers(ex)
                retry = [*chunk, *(i for c, _ in pending for i in c)]
                pending.clear()
                ex.shutdown(wait=True, cancel_futures=True)
                for i in retry:
                    yield i, _isolated(fn, i, hard_seconds)
                ex = ProcessPoolExecutor(max_workers=jobs)
                continue
            except Exception as exc:  # the chunk could not even be sent or returned (pickling)
                results = [exc] * len(chunk)
            yield from zip(chunk, results, strict=True)
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _isolated(fn: Callable[[T], R], item: T, hard_seconds: float) -> R | Exception:
    with ProcessPoolExecutor(max_workers=1) as ex:
        try:
            return ex.submit(fn, item).result(timeout=hard_seconds)
        except FutureTimeout:
            _kill_workers(ex)
            return WorkerTimedOut(f"the worker checking this file was still busy after {hard_seconds:g} s")
        except BrokenProcessPool:
            return WorkerDied("the worker process died while checking this file")
        except Exception as exc:
            return exc


def _kill_workers(ex: ProcessPoolExecutor) -> None:
    """ProcessPoolExecutor cannot cancel a running call (Python 3.14 adds kill_workers()); kill its
    processes, which breaks the pool so that shutdown() returns."""
    processes = getattr(ex, "_processes", None) or {}
    for process in list(processes.values()):
        process.kill()
