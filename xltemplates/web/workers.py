"""The desk's worker processes, driven straight from the event loop.

Each worker is a spawned process (spawn, not fork: the server has threads, which fork would copy
half-locked) joined to the server by a socket pair. A call is one pickled request and one pickled reply,
each framed by its length, and the event loop reads and writes those sockets itself: an upload costs the
server no thread hand-offs (concurrent.futures' ProcessPoolExecutor wakes a feeder and a manager thread for
every call, which on a two-core machine cost about as much as storing the file).

A worker serves one call at a time. A call whose worker dies, or that has not come back after HARD_SECONDS
(the reader stops itself after FILE_SECONDS; this is for a file stuck where that signal is not delivered),
gets its worker killed and replaced, and raises WorkerFailed; other calls are not affected. A call whose
request goes away (the clerk closed the page) still completes, and its worker returns to the pool. A
worker whose server is gone sees its socket close and exits; it ignores Ctrl-C, which the server handles.
With ``jobs=0`` calls run in a thread of this process instead (tests).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import pickle
import signal
import socket
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from ..round.pool import HARD_SECONDS

T = TypeVar("T")
log = logging.getLogger(__name__)

_FRAME = struct.Struct("!Q")  # the length of the pickle that follows
_PROTOCOL = pickle.HIGHEST_PROTOCOL


class WorkerFailed(RuntimeError):
    """The worker running a call died, timed out or sent back what could not be read; it was replaced."""


@dataclass(eq=False, slots=True)
class _Worker:
    process: BaseProcess
    sock: socket.socket  # the server's end, non-blocking once the worker is ready


class WorkerPool:
    def __init__(self, jobs: int, warm: Callable[[], object] | None = None, hard_seconds: float = HARD_SECONDS) -> None:
        self.jobs = jobs
        self.hard_seconds = hard_seconds
        self._warm = warm  # run by each worker once before it reports ready (imports, caches)
        self._spawned: list[_Worker] = []  # started by start(), handed to the event loop on its first call
        self._idle: asyncio.Queue[_Worker] | None = None
        self._live: set[_Worker] = set()
        self._starting = 0  # workers being started in the background (_top_up)
        self._closed = False
        self._threads: ThreadPoolExecutor | None = None

    # -- the server's side, outside the event loop

    def start(self) -> None:
        """Start the workers now and wait until each is ready, not on the first clerk's upload."""
        while self.jobs > 0 and len(self._spawned) + len(self._live) < self.jobs:
            self._spawned.append(self._spawn())

    def close(self) -> None:
        """Stop every worker: its socket closed (it exits when idle), killed if it has not after 5 s."""
        self._closed = True
        workers = [*self._spawned, *self._live]
        self._spawned, self._live = [], set()
        for w in workers:
            _hang_up(w)
        for w in workers:
            w.process.join(5)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(5)
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)
            self._threads = None

    def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        process = multiprocessing.get_context("spawn").Process(target=_serve, args=(theirs, self._warm), daemon=True,
                                                               name="xltemplates-check")
        try:
            process.start()
        finally:
            theirs.close()
        ours.settimeout(self.hard_seconds)
        try:
            if _recv_exactly(ours, 1) != b"+":  # the worker imported what it needs and is listening
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
        """fn(*args) in a worker process; what it raised is raised here (WorkerFailed if the worker failed)."""
        if self.jobs <= 0:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(max_workers=2)
            return await asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)
        idle = self._top_up()
        payload = pickle.dumps((fn, args), _PROTOCOL)
        try:  # bounded: a pool that cannot start workers fails its calls rather than hanging them
            worker = await asyncio.wait_for(idle.get(), self.hard_seconds)
        except TimeoutError:
            raise WorkerFailed(f"no check worker free after {self.hard_seconds:g} s") from None
        exchange = asyncio.ensure_future(self._exchange(worker, payload))
        exchange.add_done_callback(_retrieve)  # completes even when this request is cancelled
        reply = await asyncio.shield(exchange)
        try:
            ok, value = pickle.loads(reply)
        except Exception as exc:
            raise WorkerFailed(f"unreadable reply from a worker: {exc}") from exc
        if not ok:
            raise value
        result: T = value
        return result

    def _top_up(self) -> asyncio.Queue[_Worker]:
        """The queue of idle workers; workers missing from `jobs` (not started yet, or replaced after a
        failure) are started in the background and join it when ready, whoever is waiting by then."""
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._spawned:
                self._add(worker)
            self._spawned = []
        for _ in range(self.jobs - len(self._live) - self._starting):
            self._starting += 1
            asyncio.ensure_future(asyncio.to_thread(self._spawn)).add_done_callback(self._started)
        return self._idle

    def _started(self, spawned: asyncio.Future[_Worker]) -> None:
        self._starting -= 1
        if spawned.cancelled():
            return
        exc = spawned.exception()
        if exc is not None:
            log.error("cannot start a check worker: %s", exc)
        elif self._closed:
            _hang_up(spawned.result())
        else:
            self._add(spawned.result())

    def _add(self, worker: _Worker) -> None:
        assert self._idle is not None
        self._live.add(worker)
        self._idle.put_nowait(worker)

    async def _exchange(self, worker: _Worker, payload: bytes) -> bytes:
        try:
            reply = await asyncio.wait_for(self._call(worker, payload), self.hard_seconds)
        except (OSError, EOFError, TimeoutError) as exc:
            self._discard(worker)
            why = f"no reply after {self.hard_seconds:g} s" if isinstance(exc, TimeoutError) else "the worker died"
            log.warning("check worker %s: %s; replaced", worker.process.pid, why)
            raise WorkerFailed(why) from exc
        assert self._idle is not None
        self._idle.put_nowait(worker)
        return reply

    async def _call(self, worker: _Worker, payload: bytes) -> bytes:
        loop = asyncio.get_running_loop()
        await loop.sock_sendall(worker.sock, _FRAME.pack(len(payload)))
        await loop.sock_sendall(worker.sock, payload)
        (size,) = _FRAME.unpack(await _receive(loop, worker.sock, _FRAME.size))
        return await _receive(loop, worker.sock, size)

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker that failed and start its replacement."""
        self._live.discard(worker)
        _hang_up(worker)
        worker.process.kill()
        worker.process.join(5)
        self._top_up()


def _hang_up(worker: _Worker) -> None:
    """Close the server's end of a worker's socket (the worker exits when it sees that)."""
    worker.sock.close()


async def _receive(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    buf = bytearray(size)
    view, got = memoryview(buf), 0
    while got < size:
        n = await loop.sock_recv_into(sock, view[got:])
        if n == 0:
            raise EOFError("the worker closed its socket")
        got += n
    return bytes(buf)


def _retrieve(task: asyncio.Future[bytes]) -> None:
    """Mark the exchange's outcome as seen (its request may be gone; the failure was logged)."""
    if not task.cancelled():
        task.exception()


def _serve(sock: socket.socket, warm: Callable[[], object] | None) -> None:
    """A worker's life: warm up, say ready, then answer calls until the server closes its end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle; it closes us
    if warm is not None:
        warm()
    with sock:
        sock.sendall(b"+")
        while (head := _recv_exactly(sock, _FRAME.size)) is not None:
            body = _recv_exactly(sock, _FRAME.unpack(head)[0])
            if body is None:
                return
            fn, args = pickle.loads(body)
            try:
                reply = pickle.dumps((True, fn(*args)), _PROTOCOL)
            except Exception as exc:  # the caller raises it; a reply that cannot be pickled says what it was
                try:
                    reply = pickle.dumps((False, exc), _PROTOCOL)
                except Exception:
                    reply = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")), _PROTOCOL)
            try:
                sock.sendall(_FRAME.pack(len(reply)) + reply)
            except OSError:  # the server hung up while we worked
                return


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    """`size` bytes from a blocking socket, or None when it closes first."""
    buf = bytearray(size)
    view, got = memoryview(buf), 0
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            return None
        got += n
    return bytes(buf)
