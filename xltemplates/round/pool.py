"""Checking files on all cores, results back in input order, surviving a worker that dies.

Results come back in the order the files went in (a bounded window of files in flight), so the parent
stores them in a deterministic order: ids, history and the current flag come out the same whether the
run was interrupted or not. A worker that dies outright (a parser aborting the process, the OOM killer)
breaks a ProcessPoolExecutor for every file in flight; those files are then re-run one by one, each in
a fresh single-worker pool, so only the file that kills a worker again is reported as failed.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

WINDOW_PER_JOB = 4


class WorkerDied(RuntimeError):
    """The worker process checking this item died (it was re-run alone and died again)."""


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_ordered(fn: Callable[[T], R], items: Iterable[T], jobs: int) -> Iterator[tuple[T, R | Exception]]:
    """(item, fn(item) or the exception it raised), in input order. `fn` must be a picklable top-level
    function when jobs > 1; jobs == 1 runs in this process (no isolation: for debugging and baselines)."""
    if jobs <= 1:
        for item in items:
            try:
                yield item, fn(item)
            except Exception as exc:  # one bad file never stops the batch
                yield item, exc
        return
    yield from _pooled(fn, iter(items), jobs)


def _pooled(fn: Callable[[T], R], items: Iterator[T], jobs: int) -> Iterator[tuple[T, R | Exception]]:
    window = jobs * WINDOW_PER_JOB
    pending: deque[tuple[T, Future[R]]] = deque()
    ex = ProcessPoolExecutor(max_workers=jobs)
    try:
        while True:
            while len(pending) < window:
                item = next(items, _END)
                if item is _END:
                    break
                pending.append((item, ex.submit(fn, item)))  # type: ignore[arg-type]
            if not pending:
                return
            item, fut = pending.popleft()
            try:
                yield item, fut.result()
            except BrokenProcessPool:
                retry = [item, *(i for i, _ in pending)]
                pending.clear()
                ex.shutdown(wait=True, cancel_futures=True)
                for i in retry:
                    yield i, _isolated(fn, i)
                ex = ProcessPoolExecutor(max_workers=jobs)
            except Exception as exc:
                yield item, exc
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _isolated(fn: Callable[[T], R], item: T) -> R | Exception:
    with ProcessPoolExecutor(max_workers=1) as ex:
        try:
            return ex.submit(fn, item).result()
        except BrokenProcessPool:
            return WorkerDied("the worker process died while checking this file")
        except Exception as exc:
            return exc


_END = object()
