"""The wire between the pool and a worker process, and the worker's side of it.

A call is one pickled ``(fn, args, replies)`` and each reply one pickled ``(ok, value)``, each framed by its
length. A call has one reply (fn's value), or `replies` > 1: fn returns an iterator and each of its first
`replies` steps is sent back as soon as it is made (the desk's verdict first, the annotated copy after it,
made from the evidence the iterator still holds). A call always gets exactly `replies` replies: after a
step that raises, the replies left say what it raised. The worker runs calls one at a time, in the order
they came, until its owner closes the socket.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import socket
import struct
from collections.abc import Callable, Iterator
from typing import Any

FRAME = struct.Struct("!Q")  # the length of the pickle that follows
PROTOCOL = pickle.HIGHEST_PROTOCOL


def serve(sock: socket.socket, warm: Callable[[], object] | None, env: dict[str, str]) -> None:
    """A worker's life: take its owner's environment (a fork server's may be older), warm up, say ready, then
    answer calls until the server closes its end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle; it closes us
    os.environ.clear()
    os.environ.update(env)
    if warm is not None:
        warm()
    with sock:
        try:
            sock.sendall(b"+")
        except OSError:  # the server went away while we started
            return
        while (head := recv_exactly(sock, FRAME.size)) is not None:
            body = recv_exactly(sock, FRAME.unpack(head)[0])
            if body is None:
                return
            fn, args, replies = pickle.loads(body)
            for reply in _replies(fn, args, replies):
                try:
                    sock.sendall(FRAME.pack(len(reply)) + reply)
                except OSError:  # the server hung up while we worked
                    return


def _replies(fn: Callable[..., Any], args: tuple[Any, ...], count: int) -> Iterator[bytes]:
    """The `count` replies to one call, each made after the one before it has been sent."""
    if count == 1:
        try:
            value = fn(*args)
        except Exception as exc:
            yield _failure(exc)
            return
        yield _value(value)
        return
    steps: Iterator[Any] | None = None
    failed: bytes | None = None
    for _ in range(count):
        if failed is None:
            try:
                steps = iter(fn(*args)) if steps is None else steps
                value = next(steps)
            except Exception as exc:  # a step that raises ends the call: the replies left say so too
                failed = _failure(exc)
        yield _value(value) if failed is None else failed


def _value(value: Any) -> bytes:
    try:
        return pickle.dumps((True, value), PROTOCOL)
    except Exception as exc:
        return _failure(exc)


def _failure(exc: Exception) -> bytes:
    """What a call raised, for the caller to raise; one that cannot be pickled is told as a RuntimeError."""
    try:
        return pickle.dumps((False, exc), PROTOCOL)
    except Exception:
        return pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")), PROTOCOL)


def recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    """`size` bytes from a blocking socket, or None when it closes first."""
    buf = bytearray(size)
    view, got = memoryview(buf), 0
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            return None
        got += n
    return bytes(buf)


async def read_reply(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> bytes:
    (size,) = FRAME.unpack(await _receive(loop, sock, FRAME.size))
    return await _receive(loop, sock, size)


async def _receive(loop: asyncio.AbstractEventLoop, sock: socket.socket, size: int) -> bytes:
    buf = bytearray(size)
    view, got = memoryview(buf), 0
    while got < size:
        n = await loop.sock_recv_into(sock, view[got:])
        if n == 0:
            raise EOFError("the worker closed its socket")
        got += n
    return bytes(buf)
