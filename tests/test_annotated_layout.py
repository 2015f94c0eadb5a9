"""The annotated copy keeps the clerk's layout, and its 问题清单 stands on paper (issue 18 item 4, issue 19 item 5).

A clerk inserted rows into a group and typed mistakes into an inserted row and into a row below that moved;
another renamed a spare project sheet. In the copy every value sits where the clerk left it, each finding's
cell is marked at the clerk's own cell (a thick frame for an error, dashed for a warning: not only colour), the
问题清单 names that one cell, errors first then in sheet and cell order, and checking the copy finds the same
cells again.
"""

from __future__ import annotations

import io

import openpyxl
from returned import DEPT, DEPT_SHEET, PROJECT, annotated_copy, context, dept_data, project_data, returned

from xltemplates.reader.check import check_bytes
from xltemplates.writer.emit import FINDINGS_SHEET
from xltemplates.writer.generate import generate_bytes

S = DEPT_SHEET


def _findings_rows(wb: openpyxl.Workbook) -> list[tuple[object, ...]]:
    return [r for r in wb[FINDINGS_SHEET].iter_rows(min_row=5, values_only=True)]


def test_copy__rows_inserted_by_the_clerk__every_value_and_mark_on_the_clerks_own_row() -> None:
    # 3 rows inserted above 16 (inside 产出); a wrong op typed into the middle inserted row (17), a wrong
    # 二级 into the satisfaction preset row, which moved from 23 to 26
    content = returned(DEPT, dept_data(), {"C17": "新增指标", "D17": "大约", "E17": "好", "B26": "数量指标"},
                       insert_rows_at=(16, 3))
    report = check_bytes(content, "returned.xlsx")
    cells = sorted((f.cell, f.code) for f in report.findings if f.sheet == S)
    assert ("D17", "E-LIST-VALUE") in cells
    copy = openpyxl.load_workbook(io.BytesIO(annotated_copy(content)))
    clerk = openpyxl.load_workbook(io.BytesIO(content))
    for r in range(10, 40):  # the table and the rows under it: the clerk's values on the clerk's rows
        assert [copy[S].cell(r, c).value for c in range(3, 6)] == [clerk[S].cell(r, c).value for c in range(3, 6)], r
    for f in report.findings:
        if f.sheet == S and f.cell:
            assert copy[S][f.cell].comment is not None and f.message in copy[S][f.cell].comment.text
    assert copy[S]["D17"].border.left.style == "thick"
    listed = _findings_rows(copy)
    assert [(r[2], r[3]) for r in listed if r[2] == S] == sorted(
        [(f.sheet, f.cell) for f in report.for_clerk if f.sheet == S],
        key=lambda sc: (int(sc[1][1:]), sc[1][0]))  # one cell reference, in row order
    again = check_bytes(annotated_copy(content), "copy.xlsx")
    assert sorted((f.cell, f.code) for f in again.findings if f.sheet == S) == cells


def test_copy__spare_project_sheet_renamed_by_the_clerk__keeps_the_name_it_came_back_with() -> None:
    issued = generate_bytes(PROJECT, context(), project_data(), allow_findings=True, spares=1).content
    wb = openpyxl.load_workbook(io.BytesIO(issued))
    spare = wb["项目2"]
    spare.title = "村道维修"
    for cell, v in {"B5": "13082325P00590110099X", "E5": "村道维修", "B6": 10, "B7": "维修村道", "E9": 10,
                    "B10": "完成维修", "A12": "产出指标", "B12": "数量指标", "C12": "维修里程", "E12": "≥2公里",
                    "A13": "效益指标", "B13": "社会效益指标", "C13": "通行条件", "E13": "有效提升",
                    "A14": "满意度指标", "B14": "服务对象满意度指标", "C14": "群众满意度", "E14": "≥95%",
                    "C9": 20}.items():  # C9: 6月底 above 12月底, a finding on the renamed sheet
        spare[cell] = v
    buf = io.BytesIO()
    wb.save(buf)
    content = buf.getvalue()
    report = check_bytes(content, "returned.xlsx")
    assert any(f.sheet == "村道维修" for f in report.errors)
    copy = openpyxl.load_workbook(io.BytesIO(annotated_copy(content)))
    assert "村道维修" in copy.sheetnames and "项目2" not in copy.sheetnames
    for f in report.errors:
        if f.sheet == "村道维修" and f.cell:
            assert copy["村道维修"][f.cell].comment is not None


def test_findings_sheet__errors_first_then_workbook_order() -> None:
    content = returned(DEPT, dept_data(), {"E13": "１００", "B6": None, "D14": "大约"})
    listed = _findings_rows(openpyxl.load_workbook(io.BytesIO(annotated_copy(content))))
    levels = [r[1] for r in listed]
    assert levels == sorted(levels, key=lambda x: x != "错误") and "提示" in levels
    errors = [(r[2], r[3]) for r in listed if r[1] == "错误"]
    assert errors == [(S, "B6"), (S, "D14")]
