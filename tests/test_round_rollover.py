"""rollover: next year's workbooks from this year's round; indicators carried, budgets only when given."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from round_kit import DEPT, DEPT_SHEET, OWN_ROW, PROJECT, YEAR, dept_data, roster_csv, stored_db, units
from typer.testing import CliRunner

from xltemplates.catalogue.registry import TEMPLATE_DIR
from xltemplates.cli import app
from xltemplates.findings.report import make_finding
from xltemplates.reader.check import check_bytes, check_bytes_and_evidence
from xltemplates.round.store import Record
from xltemplates.unit_files import Unit, unit_filename

FIXTURES = Path(__file__).with_name("fixtures")
UNITS = units(3)
NEXT = YEAR + 1


def _record(unit: Unit, data: dict[str, Any] | None, n: int, verdict: str = "accepted", template: str = DEPT,
            mtime: float = 1.0) -> Record:
    return Record(file_name=f"{unit.code}-{n}.xlsx", sha256=f"{n:064d}", file_mtime=mtime,
                  received_at=datetime(2025, 3, 1, tzinfo=UTC), unit_code=unit.code, unit_name=unit.name,
                  unit_source="identity", template=template, version="1.0", year=YEAR, data=data,
                  findings=[make_finding("E-REQUIRED-EMPTY", "整体绩效目标申报表", "B6")] if verdict == "rejected" else [])


def _db(tmp_path: Path, records: list[Record], roster: list[Unit] = UNITS) -> Path:
    return stored_db(tmp_path / "round-2025.sqlite", roster, records)


def _rollover(db: Path, out: Path, *extra: str) -> None:
    res = CliRunner().invoke(app, ["rollover", "--db", str(db), "--year", str(NEXT), "--out-dir", str(out), *extra])
    assert res.exit_code == 0, res.output


def _manifest(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text(encoding="utf-8-sig"))))


def _cell(ws: Worksheet, value: str) -> Any:
    return next(c for row in ws.iter_rows() for c in row if c.value == value)


def test_rollover__dept_round__last_years_rows_carried_presets_locked_own_rows_editable(tmp_path: Path) -> None:
    db = _db(tmp_path, [_record(UNITS[0], dept_data(UNITS[0]), 1)])
    _rollover(db, tmp_path / "next")
    content = (tmp_path / "next" / unit_filename(UNITS[0], DEPT)).read_bytes()
    report = check_bytes(content, "next.xlsx")
    assert "E-FINGERPRINT" not in {f.code for f in report.findings}
    assert (report.year, report.unit_code, report.unit_name) == (NEXT, "U001", "测试单位001")
    assert report.data is not None
    assert report.data["绩效指标"] == dept_data(UNITS[0])["绩效指标"]
    assert report.data["部门（单位）职责"] is None and report.data["年度总体目标"] is None  # written afresh each year
    ws = openpyxl.load_workbook(io.BytesIO(content))[DEPT_SHEET]
    assert _cell(ws, OWN_ROW["三级指标"]).protection.locked is False  # the unit's own row: editable start
    assert _cell(ws, "工作任务科学性").protection.locked is True  # a preset: grey and locked, as issued
    assert _cell(ws, f"（{NEXT}年度）") is not None


def test_rollover__accepted_and_later_rejected__starts_from_the_accepted_one(tmp_path: Path) -> None:
    good = dept_data(UNITS[0], 年度总体目标="通过的版本")
    good["绩效指标"][-1]["三级指标"] = "通过版本的指标"
    bad = dept_data(UNITS[0], 年度总体目标=None)
    bad["绩效指标"][-1]["三级指标"] = "退回版本的指标"
    db = _db(tmp_path, [_record(UNITS[0], good, 1, mtime=1.0), _record(UNITS[0], bad, 2, "rejected", mtime=2.0),
                        _record(UNITS[1], bad, 3, "rejected")])
    _rollover(db, tmp_path / "next")
    rows = {u.code: check_bytes((tmp_path / "next" / unit_filename(u, DEPT)).read_bytes(), "x").data["绩效指标"][-1]["三级指标"]
            for u in UNITS[:2]}
    assert rows == {"U001": "通过版本的指标", "U002": "退回版本的指标"}  # no accepted one: the latest
    assert [(m["单位编码"], m["来源文件"]) for m in _manifest(tmp_path / "next")] == [
        ("U001", "U001-1.xlsx"), ("U002", "U002-3.xlsx"), ("U003", "")]


def test_rollover__projects_without_budget_dir__money_left_blank(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "hebei-projects.json").read_text(encoding="utf-8"))
    db = _db(tmp_path, [_record(UNITS[0], data, 1, template=PROJECT)], roster=UNITS[:1])
    _rollover(db, tmp_path / "next")
    out = check_bytes((tmp_path / "next" / unit_filename(UNITS[0], PROJECT)).read_bytes(), "x").data
    assert out is not None
    assert [(p["项目编码"], p["项目名称"]) for p in out["项目"]] == [(p["项目编码"], p["项目名称"]) for p in data["项目"]]
    money = ["预算数", "财政资金", "其他资金", "3月底", "6月底", "10月底", "12月底"]
    assert {k: p[k] for p in out["项目"] for k in money} == dict.fromkeys(money)
    assert [p["资金用途"] for p in out["项目"]] == [None] * len(data["项目"])
    assert [p["绩效指标"] for p in out["项目"]] == [p["绩效指标"] for p in data["项目"]]


def test_rollover__budget_file__new_figures_filled_and_a_new_project_added(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "hebei-projects.json").read_text(encoding="utf-8"))
    first, second = data["项目"][0]["项目编码"], data["项目"][1]["项目编码"]
    db = _db(tmp_path, [_record(UNITS[0], data, 1, template=PROJECT)], roster=UNITS[:1])
    budgets = tmp_path / "budgets"
    budgets.mkdir()
    (budgets / "U001.json").write_text(json.dumps({"项目": [
        {"项目编码": second, "预算数": 20.0, "财政资金": 15.0, "其他资金": 5.0},
        {"项目编码": "NEW-2026-01", "项目名称": "2026年新增项目", "预算数": 3.0, "财政资金": 3.0},
    ]}, ensure_ascii=False), encoding="utf-8")
    _rollover(db, tmp_path / "next", "--budget-dir", str(budgets))
    out = check_bytes((tmp_path / "next" / unit_filename(UNITS[0], PROJECT)).read_bytes(), "x").data
    assert out is not None
    got = {p["项目编码"]: (p["预算数"], p["财政资金"], p["其他资金"]) for p in out["项目"]}
    assert got[first] == (None, None, None)
    assert got[second] == (20.0, 15.0, 5.0)
    assert got["NEW-2026-01"] == (3.0, 3.0, None)
    assert out["项目"][-1]["项目名称"] == "2026年新增项目"
    assert _manifest(tmp_path / "next")[0]["预算"] == "新预算"


def test_rollover__budget_file_with_a_non_money_key__that_unit_fails_with_the_path(tmp_path: Path) -> None:
    db = _db(tmp_path, [_record(UNITS[0], dept_data(UNITS[0]), 1)], roster=UNITS[:2])
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "U001.json").write_text('{"年度总体目标": "不是预算"}', encoding="utf-8")
    res = CliRunner().invoke(app, ["rollover", "--db", str(db), "--year", str(NEXT), "--out-dir", str(tmp_path / "n"),
                                   "--budget-dir", str(tmp_path / "b")])
    assert res.exit_code == 1
    assert "年度总体目标: not a budget figure" in res.stderr
    assert [(m["单位编码"], m["文件"] != "") for m in _manifest(tmp_path / "n")] == [("U001", False), ("U002", True)]


def test_rollover__value_the_template_no_longer_lists__left_out_and_noted(tmp_path: Path) -> None:
    data = dept_data(UNITS[0])
    data["绩效指标"][-1]["二级指标"] = "已撤销的二级指标"
    db = _db(tmp_path, [_record(UNITS[0], data, 1)], roster=UNITS[:1])
    _rollover(db, tmp_path / "next")
    out = check_bytes((tmp_path / "next" / unit_filename(UNITS[0], DEPT)).read_bytes(), "x").data
    assert out is not None and out["绩效指标"][-1]["二级指标"] is None
    assert out["绩效指标"][-1]["三级指标"] == OWN_ROW["三级指标"]
    [m] = _manifest(tmp_path / "next")
    assert m["备注"].startswith("绩效指标[13].二级指标: '已撤销的二级指标'") and m["备注"].endswith("（未带入）")


def test_rollover__new_roster__renamed_unit_new_name_and_new_unit_blank_form(tmp_path: Path) -> None:
    db = _db(tmp_path, [_record(UNITS[0], dept_data(UNITS[0]), 1)], roster=UNITS[:1])
    roster = roster_csv(tmp_path / "2026.csv", [Unit("U001", "测试单位（更名）"), Unit("U010", "新设单位")])
    _rollover(db, tmp_path / "next", "--roster", str(roster))
    renamed = check_bytes((tmp_path / "next" / unit_filename(Unit("U001", "测试单位（更名）"), DEPT)).read_bytes(), "x")
    fresh = check_bytes((tmp_path / "next" / unit_filename(Unit("U010", "新设单位"), DEPT)).read_bytes(), "x")
    assert renamed.data is not None and renamed.data["部门单位名称"] == "测试单位（更名）"
    assert renamed.data["绩效指标"][-1]["三级指标"] == OWN_ROW["三级指标"]
    assert fresh.data is not None and fresh.unit_code == "U010"
    assert len(fresh.data["绩效指标"]) == 13  # the presets only


@pytest.fixture()
def previous_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """dept-overall with a 上年指标值 column after 指标值 (a bureau's own form, by XLTEMPLATES_PATH)."""
    text = (TEMPLATE_DIR / f"{DEPT}.yaml").read_text(encoding="utf-8")
    text = text.replace(f"id: {DEPT}", "id: dept-prev", 1)
    text = text.replace("widths: [12, 18, 30, 10, 10, 10, 48, 26]", "widths: [12, 18, 30, 10, 10, 10, 10, 48, 26]", 1)
    line = next(ln for ln in text.splitlines() if re.match(r"\s+- \{key: 指标值, ", ln))
    indent = line[: len(line) - len(line.lstrip())]
    text = text.replace(line, f"{line}\n{indent}- {{key: 上年指标值, role: optional, previous: 指标值}}", 1)
    d = tmp_path / "forms"
    d.mkdir()
    (d / "dept-prev.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("XLTEMPLATES_PATH", str(d))
    return "dept-prev"


def test_rollover__template_with_a_previous_year_column__shows_last_years_value_locked(
        tmp_path: Path, previous_template: str) -> None:
    data = dept_data(UNITS[0])
    for row in data["绩效指标"]:
        row["上年指标值"] = None
    data["绩效指标"][-1]["指标值"] = "180"
    db = _db(tmp_path, [_record(UNITS[0], data, 1, template=previous_template)], roster=UNITS[:1])
    _rollover(db, tmp_path / "next")
    content = (tmp_path / "next" / unit_filename(UNITS[0], previous_template)).read_bytes()
    checked = check_bytes(content, "x")
    assert "E-FINGERPRINT" not in {f.code for f in checked.findings}  # 上年 values are part of what was issued
    out = checked.data
    assert out is not None
    assert [(r["指标值"], r["上年指标值"]) for r in out["绩效指标"]] == [(r["指标值"], r["指标值"]) for r in data["绩效指标"]]
    ws = openpyxl.load_workbook(io.BytesIO(content))[DEPT_SHEET]
    header = _cell(ws, "上年指标值")
    own = _cell(ws, OWN_ROW["三级指标"])
    assert ws.cell(own.row, header.column).value == "180"
    assert ws.cell(own.row, header.column).protection.locked is True
    assert ws.cell(own.row, header.column - 1).protection.locked is False  # this year's 指标值: editable


def test_rollover__into_the_2021_framework__cost_rows_moved_to_their_own_level1_and_reported(tmp_path: Path) -> None:
    """cn-legacy's 产出指标/成本指标 becomes cn-2021's 成本指标/经济成本指标; the workbook is read with cn-2021."""
    data = json.loads((FIXTURES / "hebei-projects.json").read_text(encoding="utf-8"))
    db = _db(tmp_path, [_record(UNITS[0], data, 1, template=PROJECT)], roster=UNITS[:1])
    _rollover(db, tmp_path / "next", "--framework", "cn-2021")
    report, evidence = check_bytes_and_evidence((tmp_path / "next" / unit_filename(UNITS[0], PROJECT)).read_bytes(), "x")
    assert evidence.context["framework"] == "cn-2021"
    assert not {"E-HIERARCHY", "E-LIST-VALUE", "E-FINGERPRINT"} & {f.code for f in report.findings}
    assert report.data is not None
    moved = [(i, j) for i, p in enumerate(data["项目"]) for j, r in enumerate(p["绩效指标"]) if r["二级指标"] == "成本指标"]
    assert moved
    for i, j in moved:
        row = report.data["项目"][i]["绩效指标"][j]
        assert (row["一级指标"], row["二级指标"]) == ("成本指标", "经济成本指标")
        assert row["三级指标"] == data["项目"][i]["绩效指标"][j]["三级指标"]
    [m] = _manifest(tmp_path / "next")
    i, j = moved[0]
    note = f"项目[{i}].绩效指标[{j}]: 产出指标/成本指标 → 成本指标/经济成本指标（按 cn-2021 指标体系移动）"
    assert note in m["备注"].split("；")
    assert len(m["备注"].split("；")) == len(moved)
