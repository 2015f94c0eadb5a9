"""A whole collection round of 200 units, end to end, with LibreOffice as the clerks' spreadsheet program.

generate 200 → six units fill theirs in LibreOffice (two clean, three broken, one clean saved as .xls), the
others return clean workbooks, four never answer → collect (with annotated copies for the rejected) →
status → export → the rejected units fix theirs (one in LibreOffice on its annotated copy) and send
again → collect → status shows them accepted with their history → rollover to next year.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import edit
from round_kit import DEPT, DEPT_SHEET, T0, YEAR, dept_data, dump, put, roster_csv, rows, units, workbook
from typer.testing import CliRunner

from xltemplates.a1 import a1
from xltemplates.catalogue.registry import get_template
from xltemplates.cli import app
from xltemplates.layout import build_layout
from xltemplates.reader.check import check_bytes
from xltemplates.unit_files import Unit, unit_filename
from xltemplates.writer.generate import make_context

pytestmark = pytest.mark.libreoffice

N = 200
UNITS = units(N)
SILENT = UNITS[-4:]  # never answer
BY_LIBREOFFICE = UNITS[:6]
LO_CLEAN, LO_ROW_ADDED, LO_CLEARED, LO_HEADER, LO_LIST, LO_XLS = BY_LIBREOFFICE
BROKEN = [LO_CLEARED, LO_HEADER, LO_LIST]


def cli(*args: str) -> str:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.stdout


class Form:
    """Where things are on the issued dept-overall form, as the clerk sees them (A1), from the layout."""

    def __init__(self) -> None:
        sheet = build_layout(get_template(DEPT, make_context(YEAR, "", "")), {}).sheets[0]
        self.fields = {c.field: a1(c.row, c.col) for c in sheet.cells.values() if c.field}
        table = next(b.table for b in sheet.blocks if b.table is not None)
        self.header_row = table.header_row
        self.cols = table.cols
        self.blank_row = table.end_row - table.spec.blank_rows  # first pre-allocated blank row

    def cell(self, column: str, row: int) -> str:
        return a1(row, self.cols[column])


def clerk_edits(form: Form) -> dict[Unit, tuple[list[dict[str, Any]], str]]:
    def put_(cell: str, value: str) -> dict[str, Any]:
        return {"op": "set", "sheet": DEPT_SHEET, "cell": cell, "value": value}

    fill = [put_(form.fields["部门（单位）职责"], "负责本单位业务。"), put_(form.fields["年度总体目标"], "完成年度任务。")]
    r = form.blank_row
    own_row = [put_(form.cell("一级指标", r), "产出指标"), put_(form.cell("二级指标", r), "数量指标"),
               put_(form.cell("三级指标", r), "组织培训人次"), put_(form.cell("指标值类型", r), "≥"),
               put_(form.cell("指标值", r), "200"), put_(form.cell("计量单位", r), "人次")]
    wrong_list = [dict(own_row[0], value="其他指标"), *own_row[1:]]
    new = form.header_row + 3  # 0-based: a row inserted between the second and third preset rows
    return {
        LO_CLEAN: ([*fill, *own_row], "xlsx"),
        LO_ROW_ADDED: ([*fill, {"op": "insert_rows", "sheet": DEPT_SHEET, "row": new + 1, "count": 1},  # 1-based
                        put_(form.cell("三级指标", new), "新增指标"), put_(form.cell("指标值类型", new), "定性"),
                        put_(form.cell("指标值", new), "有效提升")], "xlsx"),
        LO_CLEARED: ([*fill, {"op": "clear", "sheet": DEPT_SHEET, "cell": form.fields["年度总体目标"]}], "xlsx"),
        LO_HEADER: ([*fill, put_(form.cell("一级指标", form.header_row), "一级")], "xlsx"),
        LO_LIST: ([*fill, *wrong_list], "xlsx"),
        LO_XLS: (fill, "xls"),  # "Save as" the old format
    }


def test_round__200_units__collect_status_export_fix_collect_rollover(tmp_path: Path) -> None:
    form = Form()
    roster = roster_csv(tmp_path / "units.csv", UNITS)
    db = str(tmp_path / "round-2025.sqlite")

    # -- issue the forms ------------------------------------------------------------------------------------
    cli("generate", DEPT, "--year", str(YEAR), "--roster", str(roster), "--out-dir", str(tmp_path / "issued"))
    issued = {u: tmp_path / "issued" / unit_filename(u, DEPT) for u in UNITS}
    assert all(p.is_file() for p in issued.values())

    # -- the units answer ---------------------------------------------------------------------------------
    inbox = tmp_path / "returns"
    inbox.mkdir()
    edits = clerk_edits(form)

    def by_libreoffice(u: Unit) -> Path:
        ops, fmt = edits[u]
        return edit(issued[u], inbox / f"{issued[u].stem}.{fmt}", ops, fmt=fmt)

    with ThreadPoolExecutor(len(BY_LIBREOFFICE)) as pool:
        edited = list(pool.map(by_libreoffice, BY_LIBREOFFICE))
    edits_out = dict(zip(BY_LIBREOFFICE, edited, strict=True))
    assert [p.suffix for p in edited] == [".xlsx"] * 5 + [".xls"]
    for i, u in enumerate(UNITS[6:-4]):
        put(inbox, unit_filename(u, DEPT), workbook(u, dept_data(u)), mtime=T0 + i)

    # -- collect, status, export ------------------------------------------------------------------------
    annotated = tmp_path / "annotated"
    out = cli("collect", str(inbox), "--db", db, "--roster", str(roster), "--template", DEPT, "--year", str(YEAR),
              "--annotate-dir", str(annotated))
    assert out.startswith(f"{N - 4} 个文件：新导入 {N - 4}（通过 {N - 7}，不通过 3），已导入过 0")
    copies = {u: annotated / f"{unit_filename(u, DEPT).removesuffix('.xlsx')}_批注.xlsx" for u in BROKEN}
    assert sorted(annotated.iterdir()) == sorted(copies.values())
    status = json.loads(cli("status", "--db", db, "--json"))
    states = {u["code"]: (u["state"], u["text"]) for u in status["units"]}
    assert status["totals"] == {"units": N, "not-returned": 4, "rejected": 3, "returned": 0,
                                "accepted-warnings": 0, "accepted": N - 7, "approved": 0,
                                "unlisted": 0, "unidentified_files": 0, "waiting_files": 0}
    one_error = ("rejected", "不通过（1 个错误）")  # LibreOffice's W-METADATA-VISIBLE is for the bureau, not counted
    assert {u.code: states[u.code] for u in BROKEN} == {
        LO_CLEARED.code: one_error, LO_HEADER.code: one_error, LO_LIST.code: one_error}
    # W-METADATA-VISIBLE only; the .xls is read directly (python-calamine), its identity verified
    assert {states[u.code] for u in (LO_CLEAN, LO_ROW_ADDED, LO_XLS)} == {("accepted", "通过")}
    assert {states[u.code][0] for u in SILENT} == {"not-returned"}
    assert rows(db, "SELECT coalesce(s.unit_code, s.claimed_unit) AS u, f.code, f.cell FROM findings f "
                    "JOIN submissions s ON s.id = f.submission_id WHERE f.severity = 'error' ORDER BY u") == [
        (LO_CLEARED.code, "E-REQUIRED-EMPTY", form.fields["年度总体目标"]),
        (LO_HEADER.code, "E-LOCKED-CHANGED", form.cell("一级指标", form.header_row)),
        (LO_LIST.code, "E-LIST-VALUE", form.cell("一级指标", form.blank_row))]
    assert rows(db, f"SELECT unit_source FROM submissions WHERE unit_code = '{LO_XLS.code}'") == [("identity",)]

    cli("export", "--db", db, "-o", str(tmp_path / "summary.xlsx"), "--csv", str(tmp_path / "csv"))
    wb = openpyxl.load_workbook(tmp_path / "summary.xlsx", read_only=True)
    assert wb.sheetnames == ["单位", f"{DEPT}.字段", f"{DEPT}.绩效指标", "问题"]
    assert wb["单位"].max_row == N + 1
    assert wb[f"{DEPT}.字段"].max_row == N - 4 + 1  # the silent four have no data
    own_rows = [r for r in wb[f"{DEPT}.绩效指标"].iter_rows(values_only=True) if r[6] == "组织培训人次"]
    assert len(own_rows) == N - 10 + 2  # the programmatic returns, LO_CLEAN and LO_LIST each added one
    wb.close()

    # -- the rejected units fix their workbooks and send them again ----------------------------------------
    before = dump(db)
    marked = check_bytes(copies[LO_CLEARED].read_bytes(), "批注.xlsx")
    assert [(f.code, f.cell) for f in marked.errors] == [("E-REQUIRED-EMPTY", form.fields["年度总体目标"])]
    fixed_copy = edit(copies[LO_CLEARED], inbox / f"{LO_CLEARED.code}_修改后.xlsx",
                      [{"op": "set", "sheet": DEPT_SHEET, "cell": form.fields["年度总体目标"], "value": "完成年度任务。"}])
    os.utime(fixed_copy, (time.time() + 60, time.time() + 60))  # sent later
    for u in BROKEN[1:]:
        put(inbox, f"{u.code}_修改后.xlsx", workbook(u, dept_data(u)), mtime=time.time() + 60)
    cli("collect", str(inbox), "--db", db, "--annotate-dir", str(annotated))
    assert list(annotated.iterdir()) == []  # every unit fixed its workbook: no copy left to send out
    broken = {u.code for u in BROKEN}
    assert [r for r in dump(db)["submissions"] if r[1] not in broken] == \
        [r for r in before["submissions"] if r[1] not in broken]  # nobody else's submissions changed
    codes = ", ".join(f"'{c}'" for c in sorted(broken))
    assert rows(db, "SELECT coalesce(unit_code, claimed_unit) AS u, file_name, verdict, is_current FROM submissions "
                    f"WHERE coalesce(unit_code, claimed_unit) IN ({codes}) ORDER BY u, id") == [
        row for u in BROKEN for row in (
            (u.code, Path(edits_out[u]).name, "rejected", False),
            (u.code, f"{u.code}_修改后.xlsx", "accepted", True))]
    status = json.loads(cli("status", "--db", db, "--json"))
    fixed = {u["code"]: (u["text"], u["files"]) for u in status["units"] if u["code"] in {b.code for b in BROKEN}}
    assert fixed == {u.code: ("通过", 2) for u in BROKEN}
    assert status["totals"]["rejected"] == 0 and status["totals"]["not-returned"] == 4

    # -- next year -----------------------------------------------------------------------------------------
    cli("rollover", "--db", db, "--year", str(YEAR + 1), "--out-dir", str(tmp_path / "2026"))
    made = sorted(p.name for p in (tmp_path / "2026").glob("*.xlsx"))
    assert len(made) == N and (tmp_path / "2026" / "manifest.csv").is_file()
    nxt = check_bytes((tmp_path / "2026" / unit_filename(LO_CLEAN, DEPT)).read_bytes(), "2026.xlsx")
    assert (nxt.year, nxt.unit_code) == (YEAR + 1, LO_CLEAN.code)
    assert nxt.data is not None and nxt.data["绩效指标"][-1]["三级指标"] == "组织培训人次"
    assert nxt.data["年度总体目标"] is None

