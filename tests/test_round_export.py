"""export: the round's consolidated tables; user text always text, never a formula or a link."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from round_kit import DEPT, PROJECT, YEAR, dept_data, stored_db, units
from typer.testing import CliRunner

from xltemplates.cli import app
from xltemplates.findings.report import Finding, make_finding
from xltemplates.round.db import open_db
from xltemplates.round.export_tables import round_tables
from xltemplates.round.export_xlsx import MAX_WIDTH, write_xlsx
from xltemplates.round.store import Record

FIXTURES = Path(__file__).with_name("fixtures")
UNITS = units(3)
INJECTIONS = ["=1+1", "@SUM(A1)", "+86 138 0000 0000", "-5", "=HYPERLINK(\"http://evil.example\",\"点我\")",
              "http://evil.example/x"]


def _record(unit_code: str | None, name: str, data: dict[str, Any] | None, template: str | None = DEPT,
            findings: list[Finding] | None = None, n: int = 0) -> Record:
    return Record(file_name=name, sha256=f"{n:064d}", file_mtime=1.0 + n, received_at=datetime(2025, 3, 1, tzinfo=UTC),
                  unit_code=unit_code, unit_name=UNITS[n % 3].name if unit_code else None,
                  unit_source="identity" if unit_code else None, template=template, version="1.0", year=YEAR,
                  data=data, findings=findings or [])


def _db(tmp_path: Path, records: list[Record]) -> Path:
    return stored_db(tmp_path / "r.sqlite", UNITS, records)


def _export(db: Path, out: Path) -> openpyxl.Workbook:
    res = CliRunner().invoke(app, ["export", "--db", str(db), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return openpyxl.load_workbook(out)


def _widths(ws: Worksheet) -> dict[int, float]:
    """1-based column -> width (xlsxwriter writes one <col min max> for neighbours of equal width)."""
    return {i: d.width for d in ws.column_dimensions.values() for i in range(d.min, d.max + 1)}


def _rows(ws: Worksheet) -> list[dict[str, Any]]:
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], r, strict=True)) for r in values[1:]]


def test_export__formula_like_user_text__read_back_as_text_cells(tmp_path: Path) -> None:
    data = dept_data(UNITS[0], **{"部门（单位）职责": "=1+1", "年度总体目标": "@SUM(A1)"})
    data["绩效指标"][-1]["三级指标"] = INJECTIONS[2]
    data["绩效指标"][-1]["指标解释"] = INJECTIONS[4]
    data["绩效指标"][-1]["评/扣分标准"] = INJECTIONS[5]
    data["绩效指标"][-1]["指标值"] = INJECTIONS[3]
    wb = _export(_db(tmp_path, [_record("U001", "a.xlsx", data)]), tmp_path / "summary.xlsx")
    fields, rows = wb[f"{DEPT}.字段"], wb[f"{DEPT}.绩效指标"]
    cells = {c.value: c for row in [*fields.iter_rows(), *rows.iter_rows()] for c in row if c.value in INJECTIONS}
    assert set(cells) == set(INJECTIONS)
    assert {v: c.data_type for v, c in cells.items()} == dict.fromkeys(INJECTIONS, "s")
    assert all(c.hyperlink is None for c in cells.values())


def test_export__xml_illegal_characters__stripped_and_noted_in_the_row(tmp_path: Path) -> None:
    data = dept_data(UNITS[0], **{"年度总体目标": "完成\x07任务\x00\x1b", "部门（单位）职责": "正常\t文本\n第二行"})
    wb = _export(_db(tmp_path, [_record("U001", "a.xlsx", data)]), tmp_path / "summary.xlsx")
    [row] = _rows(wb[f"{DEPT}.字段"])
    assert row["年度总体目标"] == "完成任务\ufffd"  # NUL was stored as U+FFFD (PostgreSQL cannot hold it)
    assert row["部门（单位）职责"] == "正常\t文本\n第二行"  # TAB and LF are legal: kept
    assert row["备注"] == "已删除 XML 不允许的控制字符：年度总体目标（2 个）"


def test_export__every_sheet__frozen_header_autofilter_and_widths_fit_chinese(tmp_path: Path) -> None:
    data = dept_data(UNITS[0])
    wb = _export(_db(tmp_path, [_record("U001", "a.xlsx", data)]), tmp_path / "summary.xlsx")
    assert wb.sheetnames == ["单位", f"{DEPT}.字段", f"{DEPT}.绩效指标", "问题"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:"), ws.title
    ws = wb[f"{DEPT}.绩效指标"]
    header = [c.value for c in ws[1]]
    width = {header[i - 1]: w for i, w in _widths(ws).items()}
    assert width["二级指标"] == pytest.approx(2 * len("服务对象满意度指标") + 2, abs=1)  # CJK counts 2
    assert width["指标解释"] == pytest.approx(MAX_WIDTH, abs=1)  # the long explanations are capped
    assert width["行号"] == pytest.approx(6, abs=1)


def test_export__split_indicator_columns__parsed_beside_the_value(tmp_path: Path) -> None:
    wb = _export(_db(tmp_path, [_record("U001", "a.xlsx", dept_data(UNITS[0]))]), tmp_path / "summary.xlsx")
    rows = _rows(wb[f"{DEPT}.绩效指标"])
    header = list(rows[0])
    assert header[header.index("计量单位") + 1:header.index("指标解释")] == \
        ["符号（解析）", "数值（解析）", "单位（解析）", "日期（解析）", "类型（解析）"]
    pick = [(r["三级指标"], r["符号（解析）"], r["数值（解析）"], r["单位（解析）"], r["类型（解析）"]) for r in rows]
    assert ("年度工作目标达成率", "≥", 100, "%", "定量") in pick
    assert ("工作任务科学性", "定性", None, None, "定性") in pick
    assert ("组织培训人次", "≥", 200, "人次", "定量") in pick


def test_export__project_template__a_row_per_project_and_indicators_parsed(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "hebei-projects.json").read_text(encoding="utf-8"))
    wb = _export(_db(tmp_path, [_record("U001", "p.xlsx", data, template=PROJECT)]), tmp_path / "summary.xlsx")
    assert wb.sheetnames == ["单位", f"{PROJECT}.项目", f"{PROJECT}.项目.绩效指标", "问题"]
    projects = _rows(wb[f"{PROJECT}.项目"])
    assert [(p["项目序号"], p["项目编码"], p["预算数"]) for p in projects[:1]] == [(1, "13020824P000010100133", 4.92)]
    assert len(projects) == len(data["项目"])
    indicators = _rows(wb[f"{PROJECT}.项目.绩效指标"])
    first = data["项目"][0]["绩效指标"]
    assert [(r["项目序号"], r["行号"], r["指标值"]) for r in indicators[:len(first)]] == \
        [(1, i, row["指标值"]) for i, row in enumerate(first, start=1)]
    assert [(r["符号（解析）"], r["数值（解析）"], r["单位（解析）"], r["日期（解析）"], r["类型（解析）"])
            for r in indicators[:3]] == [("≥", 5, "次", None, "定量"), ("定性", None, None, None, "定性"),
                                         ("≤", None, None, "2024-12-31", "时限")]


def test_export__units_and_findings__state_per_unit_and_every_finding(tmp_path: Path) -> None:
    db = _db(tmp_path, [
        _record("U001", "a.xlsx", dept_data(UNITS[0])),
        _record("U002", "b.xlsx", dept_data(UNITS[1]), findings=[make_finding("E-REQUIRED-EMPTY", "整体绩效目标申报表", "B6",
                                                                               label="部门（单位）职责")], n=1),
        _record(None, "照片.jpg", None, template=None, findings=[make_finding("E-FILE-NOT-WORKBOOK", found="照片.jpg")], n=2),
    ])
    wb = _export(db, tmp_path / "summary.xlsx")
    assert [(u["单位编码"], u["状态"], u["错误数"]) for u in _rows(wb["单位"])] == [
        ("U001", "通过", 0), ("U002", "不通过（1 个错误）", 1), ("U003", "未返回", None)]
    assert [(f["单位编码"], f["文件"], f["代码"], f["级别"], f["单元格"]) for f in _rows(wb["问题"])] == [
        ("U002", "b.xlsx", "E-REQUIRED-EMPTY", "错误", "B6"), (None, "照片.jpg", "E-FILE-NOT-WORKBOOK", "错误", None)]


def test_export_cli__csv__one_file_per_sheet_same_rows_formula_text_inert(tmp_path: Path) -> None:
    data = dept_data(UNITS[0], **{"部门（单位）职责": "=1+1"})
    db = _db(tmp_path, [_record("U001", "a.xlsx", data)])
    res = CliRunner().invoke(app, ["export", "--db", str(db), "-o", str(tmp_path / "s.xlsx"), "--csv",
                                   str(tmp_path / "csv")])
    assert res.exit_code == 0, res.output
    files = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert files == sorted(f"{n}.csv" for n in openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames)
    text = (tmp_path / "csv" / f"{DEPT}.字段.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    [row] = list(csv.DictReader(text.decode("utf-8-sig").splitlines()))
    assert row["部门（单位）职责"] == "'=1+1"  # a spreadsheet opening the CSV shows =1+1 as text
    engine = open_db(db, create=False)
    with engine.connect() as conn:
        tables = round_tables(conn)
    engine.dispose()
    indicators = next(t for t in tables if t.name == f"{DEPT}.绩效指标")
    with (tmp_path / "csv" / f"{DEPT}.绩效指标.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.reader(fh))) == len(indicators.rows) + 1


def test_export__sheet_names__made_legal_and_unique(tmp_path: Path) -> None:
    from xltemplates.round.export_tables import Table
    from xltemplates.round.export_xlsx import sheet_names

    names = sheet_names([Table("a/b:c", [], []), Table("A_B_C", [], []), Table("x" * 40, [], [])])
    assert names == ["a_b_c", "A_B_C(2)", "x" * 31]
    write_xlsx([Table("a/b:c", ["列"], [["值"]])], tmp_path / "t.xlsx")
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == ["a_b_c"]


def test_export_cli__neither_xlsx_nor_csv__usage_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["export", "--db", str(tmp_path / "r.sqlite")])
    assert res.exit_code == 2
    assert "give -o summary.xlsx and/or --csv DIR" in res.stderr
