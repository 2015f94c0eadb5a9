"""Every refusal is the desk's Chinese page with the security headers (issue 23 items 15, 17): multipart errors,
unknown methods, a handler that fails, and NUL characters on PostgreSQL (never a 500).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from returned import DEPT, YEAR
from starlette.testclient import TestClient
from web_kit import ME, OTHER, PASSWORD, USER, login, make_desk, page_csrf

from xltemplates.round.db import open_db
from xltemplates.round.links import issue_links
from xltemplates.round.store import save_roster
from xltemplates.round.tables import metadata
from xltemplates.web import DeskConfig, create_app
from xltemplates.web.security import SECURITY_HEADERS
from xltemplates.web.users import add_user


def assert_desk_page(r: Any, status: int) -> None:
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in r.text
    for k in SECURITY_HEADERS:
        assert k.lower() in {h.lower() for h in r.headers}, k
    assert not any(w in r.text for w in ("Too many", "Maximum", "Internal Server Error", "Method Not Allowed",
                                          "Traceback"))


def test_multipart__two_files__the_desks_chinese_page(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    csrf = page_csrf(desk.client, f"/u/{desk.token}")
    r = desk.client.post(f"/u/{desk.token}", data={"csrf": csrf, "action": "check"},
                         files=[("file", ("a.xlsx", b"a")), ("file", ("b.xlsx", b"b"))])
    assert_desk_page(r, 400)
    assert "无法读取提交的表单" in r.text


def test_unknown_method__the_desks_chinese_page(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = desk.client.put("/login")
    assert_desk_page(r, 405)
    assert "不支持的操作" in r.text and "allow" in {h.lower() for h in r.headers}


def test_handler_fails__the_desks_chinese_500_page_with_the_headers(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    desk = make_desk(tmp_path)
    login(desk)
    from xltemplates.round import queries

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(queries, "unit_history", broken)
    client = TestClient(desk.client.app, raise_server_exceptions=False, cookies=dict(desk.client.cookies))
    r = client.get(f"/bureau/units/{ME.code}")
    assert_desk_page(r, 500)
    assert "服务器出错" in r.text and "a bug" not in r.text


# ---- NUL on PostgreSQL -------------------------------------------------------------------------------------------------



@pytest.fixture()
def pg_desk(postgres_url: str) -> Iterator[TestClient]:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        for table in [*reversed(metadata.sorted_tables), "schema_version"]:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {getattr(table, 'name', table)} CASCADE"))
    engine.dispose()
    engine = open_db(postgres_url)
    save_roster(engine, [ME, OTHER])
    issue_links(engine, [ME, OTHER], DEPT, YEAR)
    add_user(engine, USER, PASSWORD)
    client = TestClient(create_app(engine, DeskConfig(jobs=0)), raise_server_exceptions=False)
    yield client
    engine.dispose()


def test_postgresql__nul_in_login_name_path_and_form__never_500(pg_desk: TestClient) -> None:
    csrf = page_csrf(pg_desk)
    r = pg_desk.post("/login", data={"csrf": csrf, "name": "bu\x00reau", "password": "x"})
    assert_desk_page(r, 401)
    r = pg_desk.post("/login", data={"csrf": csrf, "name": USER, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    for path in ("/bureau/units/%00", "/bureau/units/001%00", "/bureau?state=%00", "/u/%00"):
        assert_desk_page(pg_desk.get(path), 404)
