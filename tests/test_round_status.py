"""status: every roster unit's state from its current submission, with totals; --json equals the library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from round_kit import dept_data, put, returned, roster_csv, units, without_identity, workbook
from typer.testing import CliRunner

from xltemplates.cli import app
from xltemplates.round.collect import Collection, CollectOptions
from xltemplates.round.db import open_db
from xltemplates.round.sources import Inbox
from xltemplates.round.status import round_status

UNITS = units(5)


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    """U001 clean, U002 clean but without its identity sheet, U003 rejected, U004 not returned, U005 an
    unreadable file named for it; plus a unit not on the roster and a file nobody can be found for. Only a
    verified identity makes a file a unit's (attribution.py): U002's and U005's files wait for the bureau."""
    d = tmp_path / "in"
    returned(d, UNITS[0], dept_data(UNITS[0]))
    # pasted into a fresh workbook: W-NO-METADATA; its name in the data makes it a claim of U002, no more
    put(d, "U002.xlsx", without_identity(workbook(UNITS[1], dept_data(UNITS[1]))))
    returned(d, UNITS[2], None)
    put(d, "U005_测试单位005.xlsx", b"PK\x03\x04 not really a workbook")
    returned(d, units(9)[8], dept_data(units(9)[8]))
    put(d, "扫描件.jpg", b"\xff\xd8\xff\xe0 a photo")
    path = tmp_path / "r.sqlite"
    engine = open_db(path)
    Collection(engine, CollectOptions(jobs=1)).run(Inbox(d), roster=UNITS)
    engine.dispose()
    return path


def test_status__round__each_state_in_roster_order(db: Path) -> None:
    engine = open_db(db, create=False)
    with engine.connect() as conn:
        st = round_status(conn)
    engine.dispose()
    assert [(u.code, u.state, u.text) for u in st.units] == [
        ("U001", "accepted", "通过"),
        ("U002", "not-returned", "未返回"),
        ("U003", "rejected", "不通过（2 个错误）"),
        ("U004", "not-returned", "未返回"),
        ("U005", "not-returned", "未返回"),
    ]
    assert st.totals == {"units": 5, "not-returned": 3, "rejected": 1, "returned": 0, "accepted-warnings": 0,
                         "accepted": 1, "approved": 0,
                         "unlisted": 1, "unidentified_files": 1, "waiting_files": 2}
    assert [(u.code, [w["file"] for w in u.waiting]) for u in st.units if u.waiting] == [
        ("U002", ["U002.xlsx"]), ("U005", ["U005_测试单位005.xlsx"])]
    assert [u.code for u in st.unlisted] == ["U009"]
    assert [u["file"] for u in st.unidentified] == ["扫描件.jpg"]


def test_status_cli__json__equals_the_library_call(db: Path) -> None:
    res = CliRunner().invoke(app, ["status", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    engine = open_db(db, create=False)
    with engine.connect() as conn:
        expected = round_status(conn).to_json()
    engine.dispose()
    assert json.loads(res.stdout) == expected


def test_status_cli__human__a_line_per_unit_and_totals(db: Path) -> None:
    res = CliRunner().invoke(app, ["status", "--db", str(db)])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["单位编码", "单位名称", "状态", "文件"]
    assert lines[2].split() == ["U002", "测试单位002", "未返回"]
    assert lines[3].split() == ["U003", "测试单位003", "不通过（2", "个错误）", "U003_测试单位003_dept-overall.xlsx"]
    assert lines[4].split() == ["U004", "测试单位004", "未返回"]
    assert "合计 5 个单位：未返回 3，不通过 1，退回修改 0，通过（有提示） 0，通过 1，审核通过 0" in lines


def test_status_cli__other_roster_given__states_for_those_units(db: Path, tmp_path: Path) -> None:
    roster = roster_csv(tmp_path / "next.csv", [units(9)[8], UNITS[0]])
    res = CliRunner().invoke(app, ["status", "--db", str(db), "--roster", str(roster), "--json"])
    out = json.loads(res.stdout)
    assert [(u["code"], u["text"]) for u in out["units"]] == [("U009", "通过"), ("U001", "通过")]
    assert [u["code"] for u in out["unlisted"]] == ["U003"]  # U002's and U005's files are nobody's yet
    assert sorted(u["file"] for u in out["unidentified"]) == ["U002.xlsx", "U005_测试单位005.xlsx", "扫描件.jpg"]


def test_status_cli__no_database__error_exit_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["status", "--db", str(tmp_path / "none.sqlite")])
    assert res.exit_code == 2
    assert "no round database" in res.stderr
