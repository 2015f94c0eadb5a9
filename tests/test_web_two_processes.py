"""Two real `xltemplates serve` processes on one PostgreSQL round database (issue 22): what one process does
is seen by the other — a bureau login, a rate limit, the order of two 正式报送 of one unit — and a restarted
process keeps the sessions. The desk's own tests cover the same with two apps in one process on SQLite
(test_web_shared_state.py); here each desk is its own server process, as behind a proxy."""

from __future__ import annotations

import http.cookiejar
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from returned import DEPT, YEAR, dept_data, returned
from web_kit import ME, OTHER, PASSWORD, USER

from xltemplates.round.db import open_db
from xltemplates.round.links import issue_links
from xltemplates.round.store import save_roster
from xltemplates.web.users import add_user

WAIT_SECONDS = 90.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Browser:
    """One browser: its own cookies, talking to whichever desk process it is given."""

    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def request(self, url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with opener.open(req, timeout=WAIT_SECONDS) as r:
                return int(r.status), r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return int(e.code), e.read().decode("utf-8", "replace")

    def csrf(self, url: str) -> str:
        status, html = self.request(url)
        m = re.search(r'name="csrf" value="([^"]+)"', html)
        assert status == 200 and m is not None, (status, html[:500])
        return m.group(1)

    def post(self, url: str, fields: dict[str, str]) -> tuple[int, str]:
        return self.request(url, urllib.parse.urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, url: str, fields: dict[str, str], name: str, content: bytes) -> tuple[int, str]:
        boundary = secrets.token_hex(16)
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def login(self, base: str, name: str = USER, password: str = PASSWORD) -> int:
        return self.post(f"{base}/login", {"csrf": self.csrf(f"{base}/login"), "name": name, "password": password})[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Desk:
    """One `xltemplates serve` process on the round database, on a port of its own."""

    def __init__(self, url: str, log: Path, port: int | None = None) -> None:
        self.url, self.log, self.port = url, log, port or _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Desk:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-c", "from xltemplates.cli import main; main()", "serve",
                                          "--db", self.url, "--port", str(self.port), "--jobs", "1"],
                                         stdout=out, stderr=out)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"{self.base}/login", timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"the desk on port {self.port} did not answer")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


@dataclass
class Round:
    url: str
    engine: sa.Engine
    token: str  # ME's link
    a: Desk
    b: Desk




@pytest.fixture
def two_desks(postgres_url: str, tmp_path: Path) -> Iterator[Round]:
    """A fresh round database on the server (ME and OTHER with links, the bureau's user) and two desks on it."""
    name = f"round_{secrets.token_hex(4)}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = sa.make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    engine = open_db(url)
    save_roster(engine, [ME, OTHER])
    token = issue_links(engine, [ME, OTHER], DEPT, YEAR)[ME.code]
    add_user(engine, USER, PASSWORD)
    a, b = Desk(url, tmp_path / "a.log"), Desk(url, tmp_path / "b.log")
    try:
        a.start()
        b.start()
        yield Round(url, engine, token, a, b)
    finally:
        a.stop()
        b.stop()
        engine.dispose()


def test_two_serve_processes__login_on_one__valid_on_the_other_and_after_a_restart(two_desks: Round) -> None:
    bureau = Browser()
    assert bureau.login(two_desks.a.base) == 303
    status, html = bureau.request(f"{two_desks.b.base}/bureau")
    assert status == 200 and ME.name in html  # the session made by A, on B
    assert Browser().request(f"{two_desks.b.base}/bureau")[0] == 303  # a browser without it: to the login page

    two_desks.a.stop()  # a restart of A, and of B: the session is in the database, not in a process
    two_desks.a.start()
    two_desks.b.stop()
    two_desks.b.start()
    for desk in (two_desks.a, two_desks.b):
        status, html = bureau.request(f"{desk.base}/bureau")
        assert status == 200 and ME.name in html
    # and a form made on one process is accepted by the other: logout through B ends the session on A
    assert bureau.post(f"{two_desks.b.base}/logout", {"csrf": bureau.csrf(f"{two_desks.a.base}/bureau")})[0] == 303
    assert bureau.request(f"{two_desks.a.base}/bureau")[0] == 303  # to the login page


def test_two_serve_processes__login_limit__counted_across_both(two_desks: Round) -> None:
    attacker = Browser()
    desks = [two_desks.a, two_desks.b]
    answers = [attacker.login(desks[i % 2].base, USER, "wrong password") for i in range(10)]
    assert answers == [401] * 10  # five failures on each process
    assert attacker.login(two_desks.a.base, USER, "wrong password") == 429  # the eleventh, on either
    assert attacker.login(two_desks.b.base, USER, PASSWORD) == 429  # even with the right password, for now


def test_two_serve_processes__concurrent_submissions_of_one_unit__both_stored_in_order_one_current(
        two_desks: Round) -> None:
    first = returned(DEPT, dept_data())
    second = returned(DEPT, {**dept_data(), "部门（单位）职责": "负责全镇经济社会发展（第二次报送）。"})
    assert first != second
    clerks = [(Browser(), two_desks.a, first, "第一版.xlsx"), (Browser(), two_desks.b, second, "第二版.xlsx")]
    forms = [c.csrf(f"{d.base}/u/{two_desks.token}") for c, d, _, _ in clerks]
    barrier, answers = threading.Barrier(2), [0, 0]

    def hand_in(i: int) -> None:
        clerk, desk, content, name = clerks[i]
        barrier.wait()
        answers[i] = clerk.upload(f"{desk.base}/u/{two_desks.token}", {"csrf": forms[i], "action": "submit"},
                                  name, content)[0]

    threads = [threading.Thread(target=hand_in, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=WAIT_SECONDS)
    assert answers == [303, 303]  # each to its result page: no error, nothing refused
    with two_desks.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, file_name, file_mtime, is_current, unit_source FROM submissions "
                                    "WHERE unit_code = :u ORDER BY id"), {"u": ME.code}).all()
    assert sorted(r.file_name for r in rows) == ["第一版.xlsx", "第二版.xlsx"]  # both stored, once each
    assert [r.is_current for r in rows].count(True) == 1
    newest = max(rows, key=lambda r: (r.file_mtime, r.id))  # the round's rule: newest, ties to the later import
    assert newest.is_current and {r.unit_source for r in rows} == {"identity"}
