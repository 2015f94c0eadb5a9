"""Workbooks edited and re-saved by a real client (LibreOffice) read back to the same data as the originals.

Headless conversion (xlsx -> xlsx/xls/ods) and UNO edits the way a clerk makes them: set cells, insert rows
among the grey preset rows, type a new row into an inserted one, delete blank rows, merge and unmerge,
remove the protection, type a formula (LibreOffice stores its computed value). Rows added on the protected
sheet, in the spare rows of each group, are in test_adding_rows.py. Every LibreOffice save turns the very-hidden identity sheet
into a plain hidden one, so W-METADATA-VISIBLE is the one finding an untouched re-save gives.
Returned .xls and .ods files are refused with their own code and no traceback.

All soffice runs happen once, in parallel, in a module-scoped fixture (each soffice has its own profile).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import convert, edit
from returned import DEPT, DEPT_SHEET, PROJECT, PROJECT_SHEET, assert_findings, dept_data, project_data, returned
from typer.testing import CliRunner

from xltemplates.cli import app
from xltemplates.findings.report import Report
from xltemplates.reader.check import check_file, check_file_and_evidence
from xltemplates.trust.identity import META_SHEET

pytestmark = pytest.mark.libreoffice

S, P = DEPT_SHEET, PROJECT_SHEET
HIDDEN = (META_SHEET, None, "W-METADATA-VISIBLE")
NEW_ROW = {"三级指标": "新增一行", "指标值类型": "定性", "指标值": "降低", "计量单位": "/", "指标解释": None, "评/扣分标准": None}


def _set(sheet: str, cell: str, **value: Any) -> dict[str, Any]:
    return {"op": "set", "sheet": sheet, "cell": cell, **value}


def _typed_row(row: int) -> list[dict[str, Any]]:
    return [_set(S, f"C{row}", value="新增一行"), _set(S, f"D{row}", value="定性"), _set(S, f"E{row}", value="降低"),
            _set(S, f"F{row}", value="/")]


EDITS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    # rows 12-13 go in among the grey 产出 rows (10-14)
    "dept-insert-rows": ("dept", [{"op": "insert_rows", "sheet": S, "row": 12, "count": 2}]),
    "dept-unprotect": ("dept", [{"op": "unprotect", "sheet": S}]),
    "dept-clerk": ("dept", [
        {"op": "unprotect", "sheet": S},
        {"op": "insert_rows", "sheet": S, "row": 28, "count": 1},  # among the grey 成本 rows 26-28
        *_typed_row(28),
        _set(S, "B6", value="负责全镇农业农村工作。"),
        _set(S, "E14", number=95),  # a number typed into the text cell of a preset row
        {"op": "delete_rows", "sheet": S, "row": 35, "count": 3},  # blank pre-allocated rows (34-38 by now)
    ]),
    "dept-merge-unmerge": ("dept", [  # an unprotected clerk merges grey groups, and undoes one
        {"op": "merge", "sheet": S, "range": "A10:A14"}, {"op": "merge", "sheet": S, "range": "A17:A20"},
        {"op": "unmerge", "sheet": S, "range": "A17:A20"},
    ]),
    "project-clerk": ("project", [
        {"op": "insert_rows", "sheet": P, "row": 13, "count": 2},
        _set(P, "B9", number=3),
        _set(P, "E12", formula='="≥"&"10次"'),
    ]),
}
CONVERSIONS = {"dept-xlsx": ("dept", "xlsx"), "project-xlsx": ("project", "xlsx"), "dept-xls": ("dept", "xls"),
               "dept-ods": ("dept", "ods")}


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every LibreOffice-saved file of this module, made once and in parallel."""
    work = tmp_path_factory.mktemp("lo-returned")
    (work / "src").mkdir()
    src = {"dept": work / "src" / "dept.xlsx", "project": work / "src" / "project.xlsx"}
    src["dept"].write_bytes(returned(DEPT, dept_data()))
    src["project"].write_bytes(returned(PROJECT, project_data()))
    jobs: dict[str, Callable[[], Path]] = {}
    for name, (which, fmt) in CONVERSIONS.items():
        jobs[name] = lambda which=which, fmt=fmt, name=name: convert(src[which], fmt, work / name)
    for name, (which, ops) in EDITS.items():
        jobs[name] = lambda which=which, ops=ops, name=name: edit(src[which], work / f"{name}.xlsx", ops)
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def check(path: Path) -> Report:
    return check_file(path)


def _with_row(data: dict[str, Any], at: int, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(data))
    out["绩效指标"].insert(at, row)
    return out


# ---- re-saved untouched ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data"), [("dept-xlsx", dept_data), ("project-xlsx", project_data)])
def test_libreoffice__resaved_as_xlsx__same_data_and_identity_sheet_now_hidden(
    saved: dict[str, Path], name: str, data: Callable[[], dict[str, Any]]
) -> None:
    report = check(saved[name])
    assert_findings(report, [HIDDEN])
    assert report.data == data()
    assert (report.unit_code, report.unit_name, report.year) == ("001", "测试单位", 2025)


@pytest.mark.parametrize("name", ["dept-xls", "dept-ods"])
def test_libreoffice__saved_as_old_or_open_format__read_directly_to_the_same_data(saved: dict[str, Path], name: str) -> None:
    report = check(saved[name])  # python-calamine (reader/legacy.py); tests/test_reader_legacy.py has the rest
    assert_findings(report, [HIDDEN])
    assert report.data == dept_data() and report.valid


def test_cli_check__xls_and_ods__exit_0_no_traceback(saved: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ["check", str(saved["dept-xls"]), str(saved["dept-ods"])])
    assert result.exit_code == 0, result.output
    assert result.output.count(": 通过") == 2 and "Traceback" not in result.output


# ---- UNO edits ------------------------------------------------------------------------------------------------

def test_uno__rows_inserted_among_grey_rows__same_data_no_false_findings(saved: dict[str, Path]) -> None:
    report, evidence = check_file_and_evidence(saved["dept-insert-rows"])
    assert_findings(report, [HIDDEN])
    assert report.data == dept_data()
    assert evidence.cells[("绩效指标", 2, "三级指标")] == (S, "C14")  # was C12: the rows really moved


def test_uno__protection_removed__same_data(saved: dict[str, Path]) -> None:
    report = check(saved["dept-unprotect"])
    assert_findings(report, [HIDDEN])
    assert report.data == dept_data()


def test_uno__groups_merged_and_unmerged__same_data(saved: dict[str, Path]) -> None:
    report = check(saved["dept-merge-unmerge"])
    assert_findings(report, [HIDDEN])
    assert report.data == dept_data()


def test_uno__clerk_edits__data_holds_exactly_the_edits(saved: dict[str, Path]) -> None:
    """Unprotect, insert a row among the grey 成本 rows and type a new indicator into it (一级/二级 blank:
    filled from the row above), retype 职责, type the number 95 into a preset's 指标值, delete three blank rows."""
    expected = _with_row(dept_data(), 12, {"一级指标": "成本指标", "二级指标": "社会成本指标", **NEW_ROW})
    expected["部门（单位）职责"] = "负责全镇农业农村工作。"
    expected["绩效指标"][4]["指标值"] = "95"
    report, evidence = check_file_and_evidence(saved["dept-clerk"])
    assert_findings(report, [HIDDEN])
    assert report.data == expected
    assert evidence.cells[("绩效指标", 12, "三级指标")] == (S, "C28")
    assert openpyxl.load_workbook(saved["dept-clerk"])[S].protection.sheet is False


def test_uno__project_rows_inserted_number_and_formula__formula_is_the_only_error(saved: dict[str, Path]) -> None:
    report = check(saved["project-clerk"])
    assert_findings(report, [HIDDEN, (P, "E12", "E-FORMULA")])
    expected = project_data()
    expected["项目"][0]["3月底"] = 3.0
    assert report.data == expected  # the formula's computed value is what the clerk saw: ≥10次
