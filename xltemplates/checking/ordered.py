"""The pool's sync face: checking many files on all cores, results back in input order (collect, benchmarks).

The same WorkerPool as the desk's, driven from an event loop in a thread of its own. Results come back in
the order the items went in (a bounded window in flight), so the caller stores them in a deterministic
order: ids, history and the current flag come out the same whether a run was interrupted or not. A worker
that dies or hangs fails only the item it was running (workers.py sends the items queued behind it again),
which comes back as WorkerDied or WorkerTimedOut; a function that raises comes back as what it raised.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Coroutine, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

from ..limits import HARD_SECONDS
from .workers import WorkerPool

T = TypeVar("T")
R = TypeVar("R")

WINDOW_PER_JOB = 3  # items in flight per worker: one running, one in its socket, one waiting


def run_ordered(fn: Callable[[T], R], items: Iterable[T], jobs: int, hard_seconds: float = HARD_SECONDS,
                inline: Callable[[T], bool] = lambda _item: False,
                warm: Callable[[], object] | None = None) -> Iterator[tuple[T, R | Exception]]:
    """(item, fn(item) or the exception it raised), in input order. `fn` must be a picklable top-level
    function when jobs > 1; jobs <= 1 runs in this process (no isolation and no hard time limit: for
    debugging and baselines). Items for which `inline` is true are cheap: fn runs on them here, without a
    round trip to a worker. `warm` runs once in each worker before it takes an item."""
    if jobs <= 1:
        for item in items:
            yield item, _call(fn, item)
        return
    with _Loop() as loop:
        pool = WorkerPool(jobs, warm=warm, hard_seconds=hard_seconds)
        try:
            yield from _pooled(loop, pool, fn, iter(items), jobs * WINDOW_PER_JOB, inline)
        finally:
            loop.wind_down()
            pool.close()


def _call(fn: Callable[[T], R], item: T) -> R | Exception:
    try:
        return fn(item)
    except Exception as exc:  # one bad file never stops the batch
        return exc


def _pooled(loop: _Loop, pool: WorkerPool, fn: Callable[[T], R], items: Iterator[T], window: int,
            inline: Callable[[T], bool]) -> Iterator[tuple[T, R | Exception]]:
    pending: deque[tuple[T, Future[R] | None]] = deque()  # None: an inline item, run when its turn comes
    started = False  # the workers start with the first item for them (a run of skipped files starts none)
    while True:
        while len(pending) < window and (item := next(items, _END)) is not _END:
            if inline(item):
                pending.append((item, None))
                continue
            if not started:
                pool.start()
                started = True
            pending.append((item, loop.submit(pool.run(fn, item))))
        if not pending:
            return
        item, fut = pending.popleft()
        yield item, _call(fn, item) if fut is None else _call(Future.result, fut)


_END: Any = object()


class _Loop:
    """An event loop running in a daemon thread, for the duration of a `with` block."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="xltemplates-pool", daemon=True)

    def __enter__(self) -> _Loop:
        self._thread.start()
        return self

    def submit(self, coro: Coroutine[Any, Any, R]) -> Future[R]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def wind_down(self) -> None:
        """Cancel the calls still running (a caller that stopped early) and wait until they have unwound."""
        self.submit(_wind_down()).result()

    def __exit__(self, *_exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


async def _wind_down() -> None:
    me = asyncio.current_task()
    others = [t for t in asyncio.all_tasks() if t is not me]
    for t in others:
        t.cancel()
    await asyncio.gather(*others, return_exceptions=True)
