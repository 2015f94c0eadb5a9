"""Checking files on all cores, results back in input order, surviving a worker that dies.

Results come back in the order the files went in (a bounded window of files in flight), so the parent
stores them in a deterministic order: ids, history and the current flag come out the same whether the
run was interrupted or not. Files travel in small chunks, so a worker and the parent wake up once per
chunk rather than once per file. A worker that dies outright (a parser aborting the process, the OOM
killer) breaks a ProcessPoolExecutor for every file in flight; those files are then re-run one by one,
each in a fresh single-worker pool, so only the file that kills a worker again is reported as failed.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from itertools import islice
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 4
WINDOW_PER_JOB = 3  # chunks in flight per worker: one running, the next ones queued


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
            yield item, _call(fn, item)
        return
    yield from _pooled(fn, iter(items), jobs)


def _call(fn: Callable[[T], R], item: T) -> R | Exception:
    try:
        return fn(item)
    except Exception as exc:  # one bad file never stops the batch
        return exc


def _chunk(fn: Callable[[T], R], chunk: list[T]) -> list[R | Exception]:
    return [_call(fn, item) for item in chunk]


def _pooled(fn: Callable[[T], R], items: Iterator[T], jobs: int) -> Iterator[tuple[T, R | Exception]]:
    window = jobs * WINDOW_PER_JOB
    pending: deque[tuple[list[T], Future[list[R | Exception]]]] = deque()
    work = partial(_chunk, fn)
    ex = ProcessPoolExecutor(max_workers=jobs)
    try:
        while True:
            while len(pending) < window:
                chunk = list(islice(items, CHUNK))
                if not chunk:
                    break
                pending.append((chunk, ex.submit(work, chunk)))
            if not pending:
                return
            chunk, fut = pending.popleft()
            try:
                results = fut.result()
            except BrokenProcessPool:
                retry = [*chunk, *(i for c, _ in pending for i in c)]
                pending.clear()
                ex.shutdown(wait=True, cancel_futures=True)
                for i in retry:
                    yield i, _isolated(fn, i)
                ex = ProcessPoolExecutor(max_workers=jobs)
                continue
            except Exception as exc:  # the chunk could not even be sent or returned (pickling)
                results = [exc] * len(chunk)
            yield from zip(chunk, results, strict=True)
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
