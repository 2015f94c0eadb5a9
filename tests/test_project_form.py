"""The project form (项目支出绩效目标表): one sheet per project, each read, checked and located on its own."""

from __future__ import annotations

import io

import openpyxl
from returned import PROJECT, annotated_copy, assert_findings, context, evidence_of, project_data, project_item, returned, save

from xltemplates.findings.report import Report
from xltemplates.reader.check import check_bytes
from xltemplates.writer.generate import generate_bytes


def check(content: bytes) -> Report:
    return check_bytes(content, "project.xlsx")


def test_generate__blank_project_form__issued_with_one_project_sheet() -> None:
    """Completeness rules judge the unit's answers, not the bureau's empty prefill (a bug these tests found:
    generate refused the blank form with three E-LEVEL1-MISSING; fixed in f78182f)."""
    g = generate_bytes(PROJECT, context())
    assert [f for f in g.findings if f.severity == "error"] == []
    assert openpyxl.load_workbook(io.BytesIO(g.content)).sheetnames[0] == "项目1"


def test_three_projects__one_sheet_each__read_in_order_with_their_cells() -> None:
    data = project_data(3)
    content = returned(PROJECT, data)
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames[:3] == ["项目1号", "项目2号", "项目3号"]
    report = check(content)
    assert_findings(report, [])
    assert report.data == data
    cells = evidence_of(content).cells
    assert cells[("项目", 1, "预算数")] == ("项目2号", "B6")
    assert cells[("项目", 2, "绩效指标", 5, "指标值")] == ("项目3号", "E17")


def test_three_projects__finding_on_the_second__names_its_sheet() -> None:
    report = check(returned(PROJECT, project_data(3), {"项目2号!E9": 9, "项目3号!E17": "≥101%"}))
    assert_findings(report, [("项目2号", "E9", "E-PLAN-TOTAL"), ("项目3号", "E17", "E-PERCENT-OVER-100")])


def test_three_projects__issued_sheet_deleted__sheet_missing_and_the_others_read() -> None:
    data = project_data(3)
    report = check(returned(PROJECT, data, delete_sheets=["项目2号"]))
    assert_findings(report, [("项目2号", None, "E-SHEET-MISSING")])
    assert report.data is not None
    assert report.data["项目"] == [data["项目"][0], data["项目"][2]]


def test_three_projects__issued_sheet_renamed__matched_by_its_grey_content() -> None:
    data = project_data(3)
    wb = openpyxl.load_workbook(io.BytesIO(returned(PROJECT, data)))
    wb["项目2号"].title = "防火经费"
    report = check(save(wb))
    assert_findings(report, [])
    assert report.data == data


def test_three_projects__issued_sheet_renamed_and_its_code_changed__both_reported() -> None:
    data = project_data(3)
    wb = openpyxl.load_workbook(io.BytesIO(returned(PROJECT, data)))
    wb["项目2号"].title = "防火经费"
    wb["防火经费"]["B5"] = "X-CHANGED"
    report = check(save(wb))
    assert_findings(report, [("项目2号", None, "E-SHEET-MISSING")])


def test_money__blank_parts_and_plan_checkpoints__count_as_zero_and_skipped() -> None:
    item = project_item()
    item.update({"财政资金": None, "其他资金": 10.0, "3月底": None, "6月底": None, "10月底": None})
    data = {"项目": [item]}
    report = check(returned(PROJECT, data))
    assert_findings(report, [])
    assert report.data == data


def test_money__amounts_that_binary_floats_cannot_add__compared_exactly() -> None:
    """0.1 + 0.2 != 0.3 in floats; the money rules compare in Decimal, so nothing is reported."""
    item = project_item()
    item.update({"预算数": 0.3, "财政资金": 0.1, "其他资金": 0.2, "3月底": 0.1, "6月底": 0.2, "10月底": 0.3, "12月底": 0.3})
    item["绩效指标"][3]["指标值"] = "≤0.3万元"
    data = {"项目": [item]}
    report = check(returned(PROJECT, data))
    assert_findings(report, [])
    assert report.data == data


def test_money__an_amount_past_28_digits__a_sum_finding_not_a_crash() -> None:
    """Decimal.quantize raises past the context's 28 digits; the finding's text must still be written."""
    item = project_item()
    item["预算数"] = 1.0000002100820871e26
    report = check(returned(PROJECT, {"项目": [item]}))
    assert "E-READ-FAILED" not in [f.code for f in report.findings]
    assert "E-SUM" in [f.code for f in report.findings]


def test_annotate__copied_and_edited_project_sheets__copy_keeps_the_issued_fingerprint() -> None:
    """The annotated copy of a return with an extra (copied) project sheet is still the issued form."""
    data = project_data(2)
    wb = openpyxl.load_workbook(io.BytesIO(returned(PROJECT, data)))
    wb["项目2号"]["B5"] = "改过的编码"
    wb.copy_worksheet(wb["项目1号"]).title = "项目1 (2)"
    edited = save(wb)
    assert_findings(check(edited), [("项目2号", "B5", "E-PREFILLED-CHANGED"), ("项目1 (2)", "B5", "E-SHEET-COPIED")])
    again = check(annotated_copy(edited))
    # the grey code is restored from what was issued; the duplicated project is still reported on its sheet,
    # under the name the clerk's file gave it (the copy keeps the clerk's layout and sheet names)
    assert_findings(again, [("项目1 (2)", "B5", "E-SHEET-COPIED")])
