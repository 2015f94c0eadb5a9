"""`serve` without a proxy (issue 23 items 10, 16): bounded header size, header deadline, connection count;
and it stops at once, with one line, on a key file or database it cannot use.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from xltemplates.round.db import open_db
from xltemplates.trust.keys import init_key
from xltemplates.web import server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _hello(_request: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


@pytest.fixture()
def bounded(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A bounded server (header deadline 0.5 s, 20 connections) on a free port, in a thread."""
    monkeypatch.setattr(server.BoundedH11, "header_timeout", 0.5)
    port = _free_port()
    srv = uvicorn.Server(server.server_config(Starlette(routes=[Route("/", _hello)]), "127.0.0.1", port,
                                              max_connections=20))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield port
    srv.should_exit = True
    t.join(10)


def _get(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return s.recv(4096)


def _closed_within(s: socket.socket, seconds: float) -> bool:
    s.settimeout(seconds)
    try:
        return s.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_half_sent_request__closed_after_the_header_deadline(bounded: int) -> None:
    s = socket.create_connection(("127.0.0.1", bounded), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
    assert _closed_within(s, 3.0)
    s.close()
    assert _get(bounded).startswith(b"HTTP/1.1 200")


def test_keep_alive_then_a_slow_second_head__closed(bounded: int) -> None:
    s = socket.create_connection(("127.0.0.1", bounded), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert s.recv(4096).startswith(b"HTTP/1.1 200")
    s.sendall(b"GET / HTTP/1.1\r\n")
    assert _closed_within(s, 3.0)
    s.close()


def test_header_line_over_the_bound__refused_without_reading_it_all(bounded: int) -> None:
    s = socket.create_connection(("127.0.0.1", bounded), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
    sent = 0
    try:
        while sent < 8 * 1024 * 1024:
            s.sendall(b"a" * 65536)
            sent += 65536
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert sent < 8 * 1024 * 1024  # the server stopped reading and closed long before
    s.close()


def test_connections_over_the_bound__closed_at_once_and_others_served_later(bounded: int) -> None:
    held = [socket.create_connection(("127.0.0.1", bounded), timeout=5) for _ in range(40)]
    closed = sum(_closed_within(s, 0.3) for s in held[25:])
    assert closed == len(held[25:])  # over 20 open: closed at once
    for s in held:
        s.close()
    time.sleep(0.2)
    assert _get(bounded).startswith(b"HTTP/1.1 200")


# ---- start-up: the key and the database are checked before listening -------------------------------------------------

def _serve(tmp_path: Path, db: Path, key: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XLTEMPLATES_KEY": str(key)}
    return subprocess.run([sys.executable, "-c", "from xltemplates.cli import main; main()", "serve", "--db", str(db), "--port",
                           str(_free_port()), "--jobs", "1"], env=env, capture_output=True, text=True, timeout=60)


def test_serve__key_file_readable_by_others__one_line_error_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    open_db(db).dispose()
    key = tmp_path / "bureau.key"
    init_key(key)
    key.chmod(0o640)
    r = _serve(tmp_path, db, key)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "key" in r.stderr, r.stderr
    assert "web desk on" not in r.stderr


def test_serve__not_a_database__one_line_error_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    db.write_bytes(b"this is not a database, just text " * 100)
    key = tmp_path / "bureau.key"
    init_key(key)
    r = _serve(tmp_path, db, key)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "database" in r.stderr, r.stderr
