"""What several desk processes must agree on lives in the round database (issue 22 item 1; issue 23 items 8,
9, 11): sessions, the signing key, rate limits, one-time tokens; CSRF bound to the session and the browser's
Sec-Fetch-Site/Origin. Two desks over one database stand for two `serve` processes (each its own engine).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient
from web_kit import ME, PASSWORD, USER, csrf_of, login, make_desk, page_csrf, upload

from xltemplates.round.db import open_db
from xltemplates.web import DeskConfig, create_app
from xltemplates.web.users import add_user

_ENGINES: list[sa.Engine] = []


@pytest.fixture(autouse=True)
def _dispose() -> Iterator[None]:
    yield
    while _ENGINES:
        _ENGINES.pop().dispose()


def second_process(db: Path, address: str = "testclient", **config: object) -> TestClient:
    """Another desk process on the same round database (its own engine, its own memory)."""
    engine = open_db(db, create=False)
    _ENGINES.append(engine)
    app = create_app(engine, DeskConfig(**{"jobs": 0, **config}))  # type: ignore[arg-type]
    return TestClient(app, base_url="http://testserver", client=(address, 50000))


def test_two_processes__login_on_one__valid_on_the_other_and_after_a_restart(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    login(desk)
    other = second_process(desk.db)
    other.cookies.set("xlt_session", desk.client.cookies["xlt_session"])
    assert other.get("/bureau", follow_redirects=False).status_code == 200
    restarted = second_process(desk.db)
    restarted.cookies.set("xlt_session", desk.client.cookies["xlt_session"])
    assert restarted.get("/bureau", follow_redirects=False).status_code == 200
    # and a form made by one process is accepted by the other (one signing key, kept in the database)
    csrf = page_csrf(desk.client, "/bureau")
    assert other.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303


def test_logout__the_old_cookie_no_longer_downloads_the_export_anywhere(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    login(desk)
    stolen = desk.client.cookies["xlt_session"]
    assert desk.client.get("/bureau/export.xlsx").status_code == 200
    desk.client.post("/logout", data={"csrf": page_csrf(desk.client, "/bureau")})
    for client in (TestClient(desk.client.app), second_process(desk.db)):
        client.cookies.set("xlt_session", stolen)
        assert client.get("/bureau/export.xlsx", follow_redirects=False).status_code == 303


def test_password_change__every_session_of_the_user_ends(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    login(desk)
    add_user(desk.engine, USER, "a new password 12345")
    assert desk.client.get("/bureau/export.xlsx", follow_redirects=False).status_code == 303
    r = desk.client.post("/login", data={"csrf": page_csrf(desk.client), "name": USER, "password": PASSWORD})
    assert r.status_code == 401


def test_login_limit__counted_across_processes(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, logins_per_window=3)
    other = second_process(desk.db, logins_per_window=3)
    statuses = []
    for client in (desk.client, other, desk.client, other):
        csrf = page_csrf(client)
        statuses.append(client.post("/login", data={"csrf": csrf, "name": USER, "password": "wrong"}).status_code)
    assert statuses == [401, 401, 401, 429]


def test_login_limit__an_attackers_failures_do_not_lock_the_bureau_out_from_its_own_machine(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    attacker = second_process(desk.db, address="203.0.113.7")
    for _ in range(12):
        attacker.post("/login", data={"csrf": page_csrf(attacker), "name": USER, "password": "guess"})
    r = attacker.post("/login", data={"csrf": page_csrf(attacker), "name": USER, "password": PASSWORD})
    assert r.status_code == 429  # the attacker's address is stopped, even with the right password
    login(desk)  # the bureau, from its own address, still signs in


def test_login_limit__spray_of_random_names__stopped_per_address_and_rows_bounded(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    attacker = second_process(desk.db, address="203.0.113.8")
    csrf = page_csrf(attacker)
    statuses = [attacker.post("/login", data={"csrf": csrf, "name": secrets.token_hex(32), "password": "x"}).status_code
                for _ in range(60)]
    assert statuses[:30] == [401] * 30 and set(statuses[30:]) == {429}
    long_name = attacker.post("/login", data={"csrf": csrf, "name": "n" * 60_000, "password": "x"})
    assert long_name.status_code == 401
    with desk.engine.connect() as conn:
        n, longest = conn.execute(sa.text("SELECT count(*), max(length(key_sha256)) FROM rate_events")).one()
    assert n == 3 * 30 and longest == 64  # three counters per counted attempt, each a hash


def test_upload_limit__per_link__counted_across_processes(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, uploads_per_window=2)
    other = second_process(desk.db, uploads_per_window=2)
    assert upload(desk, b"x", "check").status_code == 200
    csrf = csrf_of(other.get(f"/u/{desk.token}").text)
    r = other.post(f"/u/{desk.token}", data={"csrf": csrf, "action": "check"}, files={"file": ("a.xlsx", b"x")})
    assert r.status_code == 200
    assert upload(desk, b"x", "check").status_code == 429
    assert upload(desk, b"x", "check", token=desk.other_token).status_code == 200  # another link: its own count


def test_csrf__an_attackers_own_pair_beside_the_bureaus_session__refused(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    attacker = TestClient(desk.client.app)
    page = attacker.get("/login")
    seed, token = attacker.cookies["xlt_csrf"], csrf_of(page.text)
    login(desk)
    desk.client.cookies.delete("xlt_csrf")
    desk.client.cookies.set("xlt_csrf", seed)  # planted, e.g. from a sibling subdomain
    assert desk.client.cookies["xlt_csrf"] == seed
    confirm = desk.client.get(f"/bureau/links/{ME.code}").text
    once = re.search(r'name="once" value="([^"]+)"', confirm)
    assert once is not None
    r = desk.client.post(f"/bureau/links/{ME.code}", data={"csrf": token, "once": once.group(1)})
    assert r.status_code == 403
    assert desk.client.get(f"/u/{desk.token}").status_code == 200  # the unit's link still works


def test_csrf__cross_site_or_foreign_origin__refused_same_origin_accepted(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    csrf = page_csrf(desk.client)
    data = {"csrf": csrf, "name": USER, "password": PASSWORD}
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                    {"Origin": "http://evil.testserver"}, {"Origin": "null"}):
        r = desk.client.post("/login", data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403, headers
    r = desk.client.post("/login", data=data, headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
                         follow_redirects=False)
    assert r.status_code == 303


def test_confirmation__made_on_one_process__carried_out_once_on_either(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    login(desk)
    other = second_process(desk.db)
    other.cookies.set("xlt_session", desk.client.cookies["xlt_session"])
    page = desk.client.get(f"/bureau/links/{ME.code}").text
    once = re.search(r'name="once" value="([^"]+)"', page)
    assert once is not None
    fields = {"csrf": csrf_of(page), "once": once.group(1)}
    assert other.post(f"/bureau/links/{ME.code}", data=fields, follow_redirects=False).status_code == 303
    assert desk.client.post(f"/bureau/links/{ME.code}", data=fields).status_code == 409


def test_rate_events__expired_ones_deleted_on_a_timer__not_in_every_transaction(tmp_path: Path) -> None:
    from xltemplates.web.state import PRUNE_SECONDS, Limit, allow

    engine = open_db(tmp_path / "r.sqlite")
    _ENGINES.append(engine)
    now = [1000.0]
    lim = Limit(f"t-{secrets.token_hex(4)}", 2, 10.0)  # a bucket of its own: the timer is per process and bucket

    def rows() -> int:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM rate_events WHERE bucket = :b"),
                                    {"b": lim.bucket}).scalar_one())

    assert [allow(engine, [(lim, "k")], lambda: now[0]) for _ in range(3)] == [True, True, False]
    now[0] += lim.window + 1  # the two events have expired: they no longer count, but are not deleted yet
    assert allow(engine, [(lim, "k")], lambda: now[0]) and rows() == 3
    now[0] += PRUNE_SECONDS  # the timer is due: every expired event goes, the new one stays
    assert allow(engine, [(lim, "k")], lambda: now[0]) and rows() == 1
