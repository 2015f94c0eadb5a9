"""The web desk from the command line: links issued by generate/rollover, bureau users by serve --add-user."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from round_kit import DEPT, YEAR, dept_data, roster_csv, stored_db, units
from starlette.testclient import TestClient
from typer.testing import CliRunner
from web_kit import csrf_of, opened_db, rows

from xltemplates.cli import app
from xltemplates.round.db import open_db
from xltemplates.round.links import token_sha256
from xltemplates.round.store import Record
from xltemplates.web import DeskConfig, create_app

UNITS = units(3)


def _manifest(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text(encoding="utf-8-sig"))))


def _token(url: str, base: str) -> str:
    assert url.startswith(f"{base}/u/")
    return url.removeprefix(f"{base}/u/")


def test_generate_roster_with_db__each_unit_a_link_in_the_manifest_only_its_hash_stored(tmp_path: Path) -> None:
    db, out = tmp_path / "round.sqlite", tmp_path / "forms"
    res = CliRunner().invoke(app, ["generate", DEPT, "--year", str(YEAR), "--roster", str(roster_csv(tmp_path / "u.csv", UNITS)),
                                   "--out-dir", str(out), "--db", str(db), "--link-base", "https://desk.example/"])
    assert res.exit_code == 0, res.output
    manifest = _manifest(out)
    tokens = {m["单位编码"]: _token(m["填报链接"], "https://desk.example") for m in manifest}
    assert sorted(tokens) == [u.code for u in UNITS] and len(set(tokens.values())) == 3
    assert all(len(t) >= 43 for t in tokens.values())  # 32 random bytes
    engine = open_db(db)
    assert rows(engine, "SELECT unit_code, token_sha256, template, year FROM unit_links ORDER BY unit_code") == [
        (code, token_sha256(t), DEPT, YEAR) for code, t in sorted(tokens.items())]
    assert rows(engine, "SELECT code FROM units ORDER BY position") == [(u.code,) for u in UNITS]
    client = TestClient(create_app(engine, DeskConfig(jobs=0)))
    assert UNITS[1].name in client.get(f"/u/{tokens[UNITS[1].code]}").text
    engine.dispose()
    assert not any(t.encode() in db.read_bytes() for t in tokens.values())


def test_generate_roster_without_db__no_links(tmp_path: Path) -> None:
    out = tmp_path / "forms"
    res = CliRunner().invoke(app, ["generate", DEPT, "--year", str(YEAR), "--roster", str(roster_csv(tmp_path / "u.csv", UNITS)),
                                   "--out-dir", str(out)])
    assert res.exit_code == 0, res.output
    assert [m["填报链接"] for m in _manifest(out)] == ["", "", ""]


def test_rollover_with_new_db__next_rounds_roster_and_links(tmp_path: Path) -> None:
    old = stored_db(tmp_path / "round-2025.sqlite", UNITS, [Record(
        file_name="a.xlsx", sha256="1" * 64, file_mtime=1.0, received_at=datetime(2025, 3, 1, tzinfo=UTC),
        unit_code=UNITS[0].code, unit_name=UNITS[0].name, unit_source="identity", template=DEPT, version="1.0",
        year=YEAR, data=dept_data(UNITS[0]))])
    new, out = tmp_path / "round-2026.sqlite", tmp_path / "next"
    res = CliRunner().invoke(app, ["rollover", "--db", str(old), "--year", str(YEAR + 1), "--out-dir", str(out),
                                   "--new-db", str(new)])
    assert res.exit_code == 0, res.output
    tokens = {m["单位编码"]: _token(m["填报链接"], "http://127.0.0.1:8000") for m in _manifest(out)}
    engine = open_db(new)
    assert rows(engine, "SELECT unit_code, token_sha256, year FROM unit_links ORDER BY unit_code") == [
        (code, token_sha256(t), YEAR + 1) for code, t in sorted(tokens.items())]
    assert rows(engine, "SELECT count(*) FROM submissions") == [(0,)]
    # as generate: each unit's issued workbook kept for its page, and the send list beside the manifest
    issued = dict(rows(engine, "SELECT unit_code, file_name FROM issued"))
    assert issued == {m["单位编码"]: m["文件"] for m in _manifest(out) if m["文件"]}
    assert (out / "填报链接发送清单.csv").read_text(encoding="utf-8-sig").count("/u/") == len(tokens)
    engine.dispose()
    assert rows(opened_db(old), "SELECT count(*) FROM unit_links") == [(0,)]


def test_serve_add_user__password_from_stdin__can_log_in(tmp_path: Path) -> None:
    db = tmp_path / "round.sqlite"
    res = CliRunner().invoke(app, ["serve", "--db", str(db), "--add-user", "科长"], input="a long enough password\n")
    assert res.exit_code == 0 and "added user 科长" in res.output
    res = CliRunner().invoke(app, ["serve", "--db", str(db), "--add-user", "科长"], input="another long password\n")
    assert res.exit_code == 0 and "updated the password of user 科长" in res.output
    engine = opened_db(db)
    client = TestClient(create_app(engine, DeskConfig(jobs=0)))
    r = client.post("/login", data={"csrf": csrf_of(client.get("/login").text), "name": "科长",
                                    "password": "another long password"}, follow_redirects=False)
    assert r.status_code == 303
    stored = rows(engine, "SELECT password_hash FROM web_users")
    assert len(stored) == 1 and "another long password" not in stored[0][0]


def test_serve_add_user__short_password_or_bad_name__refused_nothing_stored(tmp_path: Path) -> None:
    db = tmp_path / "round.sqlite"
    res = CliRunner().invoke(app, ["serve", "--db", str(db), "--add-user", "chief"], input="short\n")
    assert res.exit_code == 2 and "at least 10 characters" in res.output
    res = CliRunner().invoke(app, ["serve", "--db", str(db), "--add-user", " chief"], input="a long enough password\n")
    assert res.exit_code == 2
    assert not db.exists() or rows(opened_db(db), "SELECT count(*) FROM web_users") == [(0,)]


def test_serve__no_such_database__refused_before_listening(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "typo.sqlite")])
    assert res.exit_code == 2 and "no round database" in res.output
