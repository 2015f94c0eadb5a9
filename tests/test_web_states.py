"""One judgement: every state a unit can be in, worded by judgement.py and printed the same on every surface
(CLI status, the export, the bureau's status and unit pages, the unit's own page)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient
from typer.testing import CliRunner
from web_kit import PASSWORD, USER, page_csrf

from xltemplates.cli import app
from xltemplates.findings.judgement import STATE_LABEL, STATES, Review, Standing, judge, judged, standing
from xltemplates.findings.report import make_finding
from xltemplates.round.db import open_db, write_connection
from xltemplates.round.export_tables import round_tables
from xltemplates.round.links import issue_links
from xltemplates.round.review import add_review
from xltemplates.round.store import Record, save_roster, store
from xltemplates.unit_files import Unit
from xltemplates.web import DeskConfig, create_app
from xltemplates.web.users import add_user

SHEET = "整体绩效目标申报表"
#: unit -> the codes of its current file's findings (None: nothing returned)
FILES: dict[Unit, list[str] | None] = {
    Unit("U6", "退回单位"): ["W-NORMALISED"],
    Unit("U7", "人工通过单位"): ["E-LIST-VALUE"],
    Unit("U1", "未交单位"): None,
    Unit("U2", "有错单位"): ["E-LIST-VALUE", "E-REQUIRED-EMPTY", "W-NORMALISED"],
    Unit("U3", "有提示单位"): ["W-NORMALISED"],
    Unit("U4", "通过单位"): [],
    Unit("U5", "读不了单位"): ["E-FILE-CORRUPT"],
}


#: the bureau's review of the unit's current file (review.py)
REVIEWS: dict[str, Review] = {"U6": "returned", "U7": "approved"}


def expected(u: Unit) -> Standing:
    codes = FILES[u]
    if codes is None:
        return standing(None)
    j = judge(codes)
    return standing(j.verdict, j.n_errors, j.n_warnings, REVIEWS.get(u.code)) if u.code in REVIEWS else judged(j)


def _round(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    db = tmp_path / "r.sqlite"
    engine = open_db(db)
    save_roster(engine, list(FILES))
    with write_connection(engine) as conn:
        for i, (u, codes) in enumerate(FILES.items()):
            if codes is None:
                continue
            findings = [make_finding(c, SHEET, f"D{13 + j}", found="x", label="指标值") for j, c in enumerate(codes)]
            store(conn, Record(f"{u.code}.xlsx", f"{i:064d}", time.time(), datetime.now(UTC), u.code, u.name,
                               "identity", "dept-overall", "1", 2025, None, findings))
    tokens = issue_links(engine, list(FILES), "dept-overall", 2025)
    add_user(engine, USER, PASSWORD)
    for code, action in REVIEWS.items():
        assert add_review(engine, code, action, "理由", USER) is not None
    engine.dispose()
    return db, tokens


def test_every_state__the_registrys_words__on_every_surface(tmp_path: Path) -> None:
    db, tokens = _round(tmp_path)
    words = {u.code: expected(u).text for u in FILES}
    assert {expected(u).state for u in FILES} == set(STATES)  # every state the registry has
    assert words["U2"] == "不通过（2 个错误，1 条提示）" and words["U3"] == "通过（1 条提示）"

    cli = CliRunner().invoke(app, ["status", "--db", str(db)])
    assert cli.exit_code == 0
    for u in FILES:
        assert any(u.code in line and words[u.code] in line for line in cli.output.splitlines())
    assert all(f"{STATE_LABEL[s]} " in cli.output for s in STATES)  # totals name every state

    engine = open_db(db)
    with engine.connect() as conn:
        units = round_tables(conn)[0]
    assert {r[0]: r[2] for r in units.rows} == words

    client = TestClient(create_app(engine, DeskConfig(jobs=0)))
    client.post("/login", data={"csrf": page_csrf(client), "name": USER, "password": PASSWORD})
    status = client.get("/bureau").text
    for u in FILES:
        assert f'<td class="state {expected(u).state}">{words[u.code]}</td>' in status
        assert f'状态：<strong class="state {expected(u).state}">{words[u.code]}</strong>' in \
            client.get(f"/bureau/units/{u.code}").text
        own = client.get(f"/u/{tokens[u.code]}").text
        assert f'当前状态：\n  <strong class="state {expected(u).state}">{words[u.code]}</strong>' in own or \
            f'<strong class="state not-returned">{words[u.code]}</strong>' in own
        assert "条提示，" not in own and "条提示）</strong>，" not in own  # counted once, by judgement.py
    engine.dispose()
