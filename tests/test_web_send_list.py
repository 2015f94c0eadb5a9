"""Links reach people: the send list (a link and a QR code per unit) at issue time and from the links page."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner
from web_kit import PASSWORD, USER, csrf_of, page_csrf

from xltemplates.cli import app
from xltemplates.round.db import open_db
from xltemplates.round.links import issue_links
from xltemplates.round.store import save_roster
from xltemplates.trust.keys import ENV_KEY_FILE, init_key
from xltemplates.unit_files import Unit
from xltemplates.web import DeskConfig, create_app
from xltemplates.web.users import add_user

N = 150


def test_links_page__150_units__send_list_opens_in_openpyxl_with_a_link_and_qr_per_unit(tmp_path: Path) -> None:
    engine = open_db(tmp_path / "r.sqlite")
    units = [Unit(f"{i:03d}", f"第{i}乡镇人民政府") for i in range(1, N + 1)]
    save_roster(engine, units)
    issue_links(engine, [], "dept-overall", 2025)  # the round's form and year, as generate --roster --db records
    add_user(engine, USER, PASSWORD)
    client = TestClient(create_app(engine, DeskConfig(jobs=0)), base_url="https://desk.example.gov.cn")
    client.post("/login", data={"csrf": page_csrf(client), "name": USER, "password": PASSWORD})
    confirm = client.get("/bureau/links/*").text
    once = re.search(r'name="once" value="([^"]+)"', confirm)
    assert once is not None and f"……共 {N} 个单位" in confirm
    where = client.post("/bureau/links/*", data={"csrf": csrf_of(confirm), "once": once.group(1)},
                        follow_redirects=False).headers["location"]
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"{where}/send-list.xlsx").content))
    ws = book.active
    listed = [[c.value for c in row][:3] for row in ws.iter_rows(min_row=2)]
    assert [r[:2] for r in listed] == [[u.code, u.name] for u in units]
    assert all(re.fullmatch(r"https://desk\.example\.gov\.cn/u/[A-Za-z0-9_-]{43}", r[2]) for r in listed)
    assert len({r[2] for r in listed}) == N
    assert sorted(i.anchor._from.row for i in ws._images) == list(range(1, N + 1))
    assert {i.anchor._from.col for i in ws._images} == {3}
    for r in listed[:3]:  # each link opens its own unit's page
        assert client.get(r[2].removeprefix("https://desk.example.gov.cn")).status_code == 200
    engine.dispose()


def test_generate_roster_db__send_list_beside_the_manifest__and_a_warning_without_link_base(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init_key(tmp_path / "bureau.key")
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "bureau.key"))
    roster = tmp_path / "units.csv"
    roster.write_text("单位编码,单位名称\n001,甲镇\n002,=乙镇\n", encoding="utf-8")
    out = tmp_path / "forms"
    args = ["generate", "dept-overall", "--year", "2025", "--roster", str(roster), "--out-dir", str(out),
            "--db", str(tmp_path / "r.sqlite")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "warning: no --link-base" in res.stderr
    ws = openpyxl.load_workbook(out / "填报链接发送清单.xlsx").active
    manifest = list(csv.DictReader((out / "manifest.csv").read_text(encoding="utf-8-sig").splitlines()))
    links = [m["填报链接"] for m in manifest]
    assert [[c.value for c in row][:3] for row in ws.iter_rows(min_row=2)] == [
        ["001", "甲镇", links[0]], ["002", "=乙镇", links[1]]]
    assert len(ws._images) == 2
    sent = list(csv.reader((out / "填报链接发送清单.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert sent[1:] == [["001", "甲镇", links[0]], ["002", "'=乙镇", links[1]]]  # a formula made inert
    engine = open_db(tmp_path / "r.sqlite")  # the unit's page offers its issued workbook again
    client = TestClient(create_app(engine, DeskConfig(jobs=0)))
    path = links[0].removeprefix("http://127.0.0.1:8000")
    assert "下载本单位的申报表" in client.get(path).text
    workbook = client.get(f"{path}/workbook")
    assert workbook.status_code == 200 and workbook.content == (out / manifest[0]["文件"]).read_bytes()
    engine.dispose()
    res = CliRunner().invoke(app, [*args, "--link-base", "https://desk.example.gov.cn"])
    assert res.exit_code == 0 and "warning" not in res.stderr
    engine = open_db(tmp_path / "r.sqlite")  # new links on the desk start where units reach it
    add_user(engine, USER, PASSWORD)
    client = TestClient(create_app(engine, DeskConfig(jobs=0)), base_url="http://127.0.0.1:8000")
    client.post("/login", data={"csrf": page_csrf(client), "name": USER, "password": PASSWORD})
    assert "<code>https://desk.example.gov.cn/u/…</code>" in client.get("/bureau/links").text
    confirm = client.get("/bureau/links/001").text
    once = re.search(r'name="once" value="([^"]+)"', confirm)
    assert once is not None
    shown = client.post("/bureau/links/001", data={"csrf": csrf_of(confirm), "once": once.group(1)}).text
    assert re.search(r'<code class="link-url">https://desk\.example\.gov\.cn/u/[^<]+</code>', shown)
    engine.dispose()


def test_bureau_pages__no_identity_key__every_page_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "missing.key"))
    engine = open_db(tmp_path / "r.sqlite")
    add_user(engine, USER, PASSWORD)
    client = TestClient(create_app(engine, DeskConfig(jobs=0)))
    client.post("/login", data={"csrf": page_csrf(client), "name": USER, "password": PASSWORD})
    for path in ("/bureau", "/bureau/links"):
        assert "本机没有财政局的标识密钥" in client.get(path).text
    monkeypatch.undo()
    client = TestClient(create_app(engine, DeskConfig(jobs=0)))
    client.post("/login", data={"csrf": page_csrf(client), "name": USER, "password": PASSWORD})
    assert "本机没有财政局的标识密钥" not in client.get("/bureau").text
    engine.dispose()
