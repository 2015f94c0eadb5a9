"""Findings in the order a person reads the workbook: sheet by sheet in tab order, cell by cell down each sheet.

Two projects whose names sort the other way round by code point (乙 U+4E59 < 甲 U+7532), with a problem on
each: `check` lists 甲项目's first, as its tab comes first, and within a sheet row by row, errors first.
"""

from __future__ import annotations

from pathlib import Path

from returned import PROJECT, project_item, returned
from typer.testing import CliRunner

from xltemplates.cli import app
from xltemplates.findings.order import cell_position, in_workbook_order, sheet_order
from xltemplates.reader.check import check_bytes_and_evidence

FIRST, SECOND = "甲项目", "乙项目"


def two_projects(**edits: object) -> bytes:
    data = {"项目": [project_item("13082325P00590110011F", FIRST), project_item("13082325P00590110012F", SECOND)]}
    return returned(PROJECT, data, dict(edits))


def test_sheet_order__two_projects__the_workbooks_tab_order_not_code_points() -> None:
    _, evidence = check_bytes_and_evidence(two_projects(), "p.xlsx")
    assert sheet_order(evidence)[:2] == [FIRST, SECOND]
    assert sorted([FIRST, SECOND]) == [SECOND, FIRST]  # what a sort by name would give


def test_check_cli__findings_on_two_sheets__listed_in_tab_order_then_row_order(tmp_path: Path) -> None:
    content = two_projects(**{f"{SECOND}!B7": None, f"{FIRST}!B10": None, f"{FIRST}!B7": None})
    src = tmp_path / "p.xlsx"
    src.write_bytes(content)
    out = CliRunner().invoke(app, ["check", str(src)]).output
    at = [out.index(f"[{s}!{c}]") for s, c in ((FIRST, "B7"), (FIRST, "B10"), (SECOND, "B7"))]
    assert at == sorted(at), out
    assert out.index(f"工作表「{FIRST}」") < out.index(f"工作表「{SECOND}」")


def test_in_workbook_order__errors_first__then_sheet_then_cell() -> None:
    content = two_projects(**{f"{SECOND}!B7": None, f"{FIRST}!E12": "≥ 10次", f"{FIRST}!B10": None})
    report, evidence = check_bytes_and_evidence(content, "p.xlsx")
    got = [(f.severity, f.sheet, f.cell) for f in in_workbook_order(report.findings, sheet_order(evidence), errors_first=True)
           if f.sheet in (FIRST, SECOND)]
    assert got == [("error", FIRST, "B10"), ("error", SECOND, "B7"), ("warning", FIRST, "E12")]
    assert cell_position("AA3") == (2, 26) and cell_position(None) == (-1, -1)
