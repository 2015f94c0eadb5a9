"""The one pool of check workers: worker processes driven from an event loop over socket pairs.

The desk awaits it (`WorkerPool.run`); collect and the benchmarks use its sync face (ordered.py), which
drives the same pool from an event loop of its own. Each worker is started the package's one way
(processes.py: forked by a fork server that has imported the reader and writer, else spawned; never a fork
of this possibly threaded process), is given its owner's environment, and is joined to its owner by a
socket pair. A call is one pickled request and one pickled reply (two for `run_then`: the desk's verdict,
then the annotated copy), each framed by its length, and the event loop reads and writes those sockets
itself: a call costs no thread hand-offs (concurrent.futures' ProcessPoolExecutor wakes a feeder and a
manager thread for every call, which on a two-core machine cost about as much as storing the file).

A worker runs one call at a time, and is sent the next one before it finishes (PIPELINE calls in flight
each, on the least busy worker): it starts the next file at once instead of waiting for the event loop to
read its reply and answer, which under load the loop, busy with other requests, does late.

Failures, one contract: a call whose worker dies raises WorkerDied; one that has not come back HARD_SECONDS
after its turn began (the check stops itself after FILE_SECONDS; this is for a file stuck where that signal
is not delivered) gets its worker killed and raises WorkerTimedOut. The worker is replaced; the call queued
behind the failed one on that worker never started, so it is sent again to another worker (a file that
kills its worker fails alone). Other workers' calls are not affected. A call whose request goes away (the
clerk closed the page) still completes. A worker whose owner is gone sees its socket close and exits; it
ignores Ctrl-C, which the owner handles. With ``jobs=0`` calls run in a thread of this process (tests).
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from ..limits import HARD_SECONDS
from ..processes import context
from .wire import FRAME, PROTOCOL, read_reply, recv_exactly, serve

T = TypeVar("T")
log = logging.getLogger(__name__)

PIPELINE = 2  # calls in flight per worker: the one it runs and the next, already in its socket
START_SECONDS = 60.0  # for a new worker to import what it needs and say it is ready (a loaded machine is slow)
RESENDS = 3  # times a call is sent again because the calls ahead of it on its worker failed


class WorkerFailed(RuntimeError):
    """The worker running a call died, timed out or sent back what could not be read; it was replaced."""


class WorkerDied(WorkerFailed):
    """The worker process died while running the call (a parser aborting it, the OOM killer, a kill)."""


class WorkerTimedOut(WorkerFailed):
    """The call neither finished nor stopped itself within the pool's hard_seconds; its worker was killed."""


class _NotStarted(Exception):
    """The call ahead of this one on its worker failed, so this one never ran: send it elsewhere."""


@dataclass(eq=False, slots=True)
class _Worker:
    process: BaseProcess
    sock: socket.socket  # the server's end, non-blocking once the worker is ready
    in_flight: int = 0
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)  # whole frames only, in the order of the calls
    last_read: asyncio.Future[None] | None = None  # done when the reply of the last call sent has been read


class WorkerPool:
    def __init__(self, jobs: int, warm: Callable[[], object] | None = None, hard_seconds: float = HARD_SECONDS) -> None:
        self.jobs = jobs
        self.hard_seconds = hard_seconds
        self._warm = warm  # run by each worker once before it reports ready (imports, caches)
        self._live: set[_Worker] = set()
        self._waiting: deque[asyncio.Future[_Worker]] = deque()  # calls waiting for a slot, first come first served
        self._starting = 0  # workers being started in the background (_top_up)
        self._starters: set[threading.Thread] = set()  # the threads starting them
        self._arrived: set[_Worker] = set()  # started, not yet taken into _live by the event loop
        self._lock = threading.Lock()  # _closed, _starters, _arrived: the starters' threads touch them too
        self._closed = False
        self._threads: ThreadPoolExecutor | None = None

    # -- the owner's side, outside the event loop

    def pids(self) -> list[int]:
        """The live workers' process ids (for logs and for tests that kill one)."""
        return sorted(w.process.pid for w in self._live if w.process.pid is not None)

    def busy(self) -> int:
        """Calls sent to workers and not yet answered."""
        return sum(w.in_flight for w in self._live)

    def start(self) -> None:
        """Start the workers now and wait until each is ready, not on the first clerk's upload."""
        while len(self._live) < self.jobs:
            self._live.add(self._spawn())

    def close(self) -> None:
        """Stop every worker: its socket closed (it exits when idle), killed if it has not after 5 s; workers
        still being started are waited for and stopped too (this may run after the event loop is gone)."""
        with self._lock:
            self._closed = True
            starters = set(self._starters)
        for t in starters:
            t.join()
        with self._lock:
            workers, self._live = self._live | self._arrived, set()
            self._arrived = set()
        for w in workers:
            w.sock.close()
        for w in workers:
            _stop(w.process)
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)
            self._threads = None

    def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        process = context().Process(target=serve, args=(theirs, self._warm, dict(os.environ)), daemon=True,
                                    name="xltemplates-check")
        try:
            process.start()
        finally:
            theirs.close()
        ours.settimeout(START_SECONDS)
        try:
            if recv_exactly(ours, 1) != b"+":  # the worker imported what it needs and is listening
                raise OSError("the worker exited while starting")
        except OSError:
            ours.close()
            process.kill()
            process.join(5)
            raise
        ours.setblocking(False)
        return _Worker(process, ours)

    # -- in the event loop

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in a worker process; what it raised is raised here (WorkerDied or WorkerTimedOut if its
        worker failed, WorkerFailed if its reply could not be read)."""
        if self.jobs <= 0:
            return await asyncio.get_running_loop().run_in_executor(self._thread_pool(), fn, *args)
        first, _ = await self._send(fn, args, 1)
        result: T = _unpickled(first)
        return result

    async def run_then(self, fn: Callable[..., Iterator[Any]], *args: Any) -> tuple[Any, asyncio.Future[Any]]:
        """The first step of iter(fn(*args)) in a worker process, and a future of its second step, which the
        same worker makes right after sending the first (from what the iterator still holds) and before it
        takes another call. The first raises here as run() does; the future fails the same ways (its worker
        may die or time out after the first step: the call behind it on that worker is then sent again)."""
        if self.jobs <= 0:
            loop = asyncio.get_running_loop()
            steps = iter(await loop.run_in_executor(self._thread_pool(), fn, *args))
            value = await loop.run_in_executor(self._thread_pool(), next, steps)
            return value, asyncio.ensure_future(loop.run_in_executor(self._thread_pool(), next, steps))
        first, second = await self._send(fn, args, 2)
        assert second is not None
        return _unpickled(first), asyncio.ensure_future(_unpickled_later(second))

    def _thread_pool(self) -> ThreadPoolExecutor:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(max_workers=2)
        return self._threads

    async def _send(self, fn: Callable[..., Any], args: tuple[Any, ...], replies: int
                    ) -> tuple[bytes, asyncio.Future[bytes] | None]:
        """The first reply to the call, and the task reading its second when it has two; the call is sent
        again while the calls ahead of it on its worker fail before it started (up to RESENDS)."""
        self._top_up()
        payload = pickle.dumps((fn, args, replies), PROTOCOL)
        loop = asyncio.get_running_loop()
        for _ in range(RESENDS):
            worker = await self._slot()
            first: asyncio.Future[bytes] | None = loop.create_future() if replies > 1 else None
            exchange = asyncio.ensure_future(self._exchange(worker, payload, first))
            exchange.add_done_callback(_retrieve)  # completes even when this request is cancelled
            if first is None:
                try:
                    return await asyncio.shield(exchange), None
                except _NotStarted:
                    continue
            await asyncio.wait([first, exchange], return_when=asyncio.FIRST_COMPLETED)
            if first.done():
                return first.result(), exchange
            try:
                exchange.result()  # failed before its first reply
            except _NotStarted:
                continue
        raise WorkerDied(f"the calls ahead of this one failed {RESENDS} times in a row")

    def _top_up(self) -> None:
        """Workers missing from `jobs` (not started yet, or replaced after a failure) are started in the
        background and take calls when ready, whoever is waiting by then."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._closed:
                return
            for _ in range(self.jobs - len(self._live) - self._starting):
                self._starting += 1
                starter = threading.Thread(target=self._start_one, args=(loop,), daemon=True,
                                           name="xltemplates-check-start")
                self._starters.add(starter)
                starter.start()

    def _start_one(self, loop: asyncio.AbstractEventLoop) -> None:
        """In a starter thread: start a worker and hand it to the event loop (or stop it, if the pool closed)."""
        worker: _Worker | None = None
        error: Exception | None = None
        try:
            worker = self._spawn()
        except Exception as exc:
            error = exc
        with self._lock:
            self._starters.discard(threading.current_thread())
            if not self._closed:
                if worker is not None:
                    self._arrived.add(worker)
                try:
                    loop.call_soon_threadsafe(self._started, worker, error)
                    return
                except RuntimeError:  # the event loop is gone: close() takes what arrived
                    return
        if worker is not None:
            worker.sock.close()
            _stop(worker.process)

    def _started(self, worker: _Worker | None, error: Exception | None) -> None:
        self._starting -= 1
        if worker is None:
            log.error("cannot start a check worker: %s", error)
            if not self._live and not self._starting:  # nothing will free a place: the waiting calls fail
                while self._waiting:
                    waiter = self._waiting.popleft()
                    if not waiter.done():
                        waiter.set_exception(WorkerFailed(f"no check worker could be started: {error}"))
            return
        with self._lock:
            if worker not in self._arrived:  # the pool was closed meanwhile, and the worker stopped
                return
            self._arrived.discard(worker)
        self._add(worker)

    def _add(self, worker: _Worker) -> None:
        self._live.add(worker)
        self._dispatch()

    async def _slot(self) -> _Worker:
        """A place in a worker's line: the least busy worker with fewer than PIPELINE calls, when there is one
        (calls wait as long as the line is; they fail only when no worker can be started)."""
        worker = self._least_busy()
        if worker is not None and not self._waiting:
            worker.in_flight += 1
            return worker
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        self._dispatch()
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed a worker just as the call was given up
                self._release(waiter.result())
            raise

    def _least_busy(self) -> _Worker | None:
        free = [w for w in self._live if w.in_flight < PIPELINE]
        return min(free, key=lambda w: w.in_flight) if free else None

    def _dispatch(self) -> None:
        """Hand free places to the calls waiting, in the order they came."""
        while self._waiting:
            worker = self._least_busy()
            if worker is None:
                return
            waiter = self._waiting.popleft()
            if not waiter.done():
                worker.in_flight += 1
                waiter.set_result(worker)

    def _release(self, worker: _Worker) -> None:
        worker.in_flight -= 1
        if worker not in self._live and worker.in_flight == 0:
            worker.sock.close()  # discarded, and no call uses its socket any more
        self._dispatch()

    async def _exchange(self, worker: _Worker, payload: bytes, first: asyncio.Future[bytes] | None) -> bytes:
        """Send a call to `worker`, then read its reply once the replies before it have been read. With
        `first` (a call with two replies), its first reply is set there as soon as it is read, and the
        second returned; each reply has hard_seconds."""
        loop = asyncio.get_running_loop()
        before, read = worker.last_read, loop.create_future()
        worker.last_read = read
        try:
            async with worker.sending:
                await loop.sock_sendall(worker.sock, FRAME.pack(len(payload)))
                await loop.sock_sendall(worker.sock, payload)
            if before is not None:
                try:
                    await before  # the worker answers in order: the call ahead of us is read first
                except WorkerFailed as ahead:
                    raise _NotStarted() from ahead
            reply = await asyncio.wait_for(read_reply(loop, worker.sock), self.hard_seconds)
            if first is not None:
                first.set_result(reply)
                reply = await asyncio.wait_for(read_reply(loop, worker.sock), self.hard_seconds)
        except (OSError, EOFError, TimeoutError, _NotStarted) as exc:
            if before is not None and not before.done():  # a dead socket: the call ahead sees it too
                await asyncio.wait([before])
            # a socket shut because the call ahead of us failed: ours never ran either
            cause: BaseException = _NotStarted() if _failed_ahead(before) else exc
            failed = self._failed(worker, cause)
            read.set_exception(failed)
            read.exception()  # seen: the call behind us, if any, is sent again
            raise (cause if isinstance(cause, _NotStarted) else failed) from exc
        finally:
            self._release(worker)
        read.set_result(None)
        return reply

    def _failed(self, worker: _Worker, exc: BaseException) -> WorkerFailed:
        """What the call on a failed worker raises; the worker is killed and replaced (once)."""
        if isinstance(exc, TimeoutError):
            failed: WorkerFailed = WorkerTimedOut(f"no reply after {self.hard_seconds:g} s")
        elif isinstance(exc, _NotStarted):
            failed = WorkerFailed("the call ahead of this one failed")
        else:
            failed = WorkerDied("the worker died")
        if worker in self._live:
            log.warning("check worker %s: %s; replaced", worker.process.pid, failed)
            self._discard(worker)
        return failed

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker that failed and start its replacement. Its socket is shut at once (the calls still
        using it wake up and fail) and closed when the last of them is done (_release)."""
        self._live.discard(worker)
        try:
            worker.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        worker.process.kill()
        worker.process.join(5)
        self._top_up()


def _stop(process: BaseProcess) -> None:
    """Wait up to 5 s for a worker whose socket was closed to exit by itself, then kill it."""
    process.join(5)
    if process.is_alive():
        process.kill()
        process.join(5)


def _unpickled(reply: bytes) -> Any:
    """A reply's value, or what the call raised, raised here."""
    try:
        ok, value = pickle.loads(reply)
    except Exception as exc:
        raise WorkerFailed(f"unreadable reply from a worker: {exc}") from exc
    if not ok:
        raise value
    return value


async def _unpickled_later(reply: asyncio.Future[bytes]) -> Any:
    return _unpickled(await reply)


def _failed_ahead(before: asyncio.Future[None] | None) -> bool:
    return before is not None and before.done() and not before.cancelled() and before.exception() is not None


def _retrieve(task: asyncio.Future[bytes]) -> None:
    """Mark the exchange's outcome as seen (its request may be gone; the failure was logged)."""
    if not task.cancelled():
        task.exception()
