"""The wire between the pool and a worker process, and the worker's side of it.

A call is one pickled ``(fn, args)`` and its reply one pickled ``(ok, value)``, each framed by its length.
The worker runs calls one at a time, in the order they came, until its owner closes the socket.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import socket
import struct
from collections.abc import Callable

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
            fn, args = pickle.loads(body)
            try:
                reply = pickle.dumps((True, fn(*args)), PROTOCOL)
            except Exception as exc:  # the caller raises it; a reply that cannot be pickled says what it was
                try:
                    reply = pickle.dumps((False, exc), PROTOCOL)
                except Exception:
                    reply = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")), PROTOCOL)
            try:
                sock.sendall(FRAME.pack(len(reply)) + reply)
            except OSError:  # the server hung up while we worked
                return


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
