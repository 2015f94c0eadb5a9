"""Helpers for the web desk's tests: a round database with links and a user, the test client, forms.

Not a test module. The desk runs with jobs=0 (checks in a thread of the test process) except where a test
says otherwise; the browser test runs the real `xltemplates serve`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from opened import for_this_test
from returned import DEPT, UNIT_CODE, UNIT_NAME, YEAR, dept_data, returned
from starlette.testclient import TestClient

from xltemplates.round.db import open_db, round_db
from xltemplates.round.links import issue_links
from xltemplates.round.store import save_roster
from xltemplates.unit_files import Unit
from xltemplates.web import DeskConfig, create_app
from xltemplates.web.users import add_user

OTHER = Unit("002", "乙单位")
ME = Unit(UNIT_CODE, UNIT_NAME)
USER, PASSWORD = "bureau", "correct horse battery"
#: D13 is the first own-row's 指标值类型, a dropdown (定性、>、≥、<、≤、=)
DROPDOWN_CELL = "D13"


@dataclass
class Desk:
    client: TestClient
    engine: sa.Engine
    token: str  # ME's link
    other_token: str  # OTHER's link
    db: Path


def make_desk(tmp_path: Path, base_url: str = "http://testserver", **config: Any) -> Desk:
    db = tmp_path / "round.sqlite"
    engine = open_db(db)
    save_roster(engine, [ME, OTHER])
    tokens = issue_links(engine, [ME, OTHER], DEPT, YEAR)
    add_user(engine, USER, PASSWORD)
    app = create_app(engine, DeskConfig(**{"jobs": 0, **config}))
    # entered, so the desk's lifespan runs: it ends with the test, closing the desk's threads and connections
    client = for_this_test(TestClient(app, base_url=base_url))
    return Desk(client, engine, tokens[ME.code], tokens[OTHER.code], db)


def opened_db(db: Path, create: bool = True) -> sa.Engine:
    """The round database at `db`, its connections closed when the test ends."""
    return for_this_test(round_db(db, create))


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m is not None, "the page has no form with a CSRF token"
    return m.group(1)


def page_csrf(client: TestClient, path: str = "/login") -> str:
    return csrf_of(client.get(path).text)


def upload(desk: Desk, content: bytes, action: str = "check", name: str = "申报表.xlsx", token: str | None = None,
           csrf: str | None = None, follow_redirects: bool = True) -> Any:
    token = token or desk.token
    csrf = csrf if csrf is not None else page_csrf(desk.client, f"/u/{token}")
    return desk.client.post(f"/u/{token}", data={"csrf": csrf, "action": action}, files={"file": (name, content)},
                            follow_redirects=follow_redirects)


def login(desk: Desk) -> None:
    r = desk.client.post("/login", data={"csrf": page_csrf(desk.client), "name": USER, "password": PASSWORD},
                         follow_redirects=False)
    assert r.status_code == 303, r.text


def clean() -> bytes:
    return returned(DEPT, dept_data())


def wrong_dropdown(value: str = "大约") -> bytes:
    return returned(DEPT, dept_data(), edits={DROPDOWN_CELL: value})


def codes(html: str) -> list[str]:
    """The finding codes of a page's findings, in order: the clerk's cards carry them as an attribute, the
    bureau's tables as a column."""
    pattern = r'data-code="([EW]-[A-Z0-9-]+)"|<td><code>([EW]-[A-Z0-9-]+)</code></td>'
    return [a or b for a, b in re.findall(pattern, html)]


def rows(engine: sa.Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]
