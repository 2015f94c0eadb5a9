"""Which form is this? Identity sheet present, hidden, damaged or gone; the wrong form, year or version; not ours.

The writer adds a very-hidden identity sheet; the reader trusts it when it decodes, and otherwise
recognises the form by its header rows and says so (W-NO-METADATA). Each case asserts the exact findings
and, where the workbook can be read, the same data as the clean return.
"""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pytest
from returned import (
    DEPT,
    DEPT_SHEET,
    PROJECT,
    PROJECT_SHEET,
    assert_findings,
    context,
    dept_data,
    evidence_of,
    full_data,
    paste_into_fresh,
    project_data,
    returned,
    save,
    signed_again,
    the_finding,
)

from xltemplates.findings.report import Report
from xltemplates.reader.check import check_bytes
from xltemplates.reader.identify import Expect
from xltemplates.trust.identity import META_SHEET

BOTH = pytest.mark.parametrize("template_id", [DEPT, PROJECT])


def check(content: bytes, template: str | None = None, year: int | None = None) -> Report:
    return check_bytes(content, "returned.xlsx", Expect(template=template, year=year))


# ---- the identity sheet ------------------------------------------------------------------------------------

def test_identity__present__names_form_year_and_unit() -> None:
    report = check(returned(DEPT, dept_data()))
    assert (report.template, report.version, report.year, report.unit_code, report.unit_name) == (
        "dept-overall", "1.0", 2025, "001", "测试单位")
    assert_findings(report, [])


def test_identity__sheet_deleted__no_metadata_warning_and_same_data() -> None:
    data = dept_data()
    report = check(returned(DEPT, data, delete_sheets=[META_SHEET]))
    assert_findings(report, [(None, None, "W-NO-METADATA")])
    assert report.data == data
    assert (report.template, report.year, report.unit_code) == ("dept-overall", 2025, None)
    assert "部门（单位）整体绩效目标申报表" in the_finding(report, "W-NO-METADATA").message


def test_identity__project_sheet_deleted__only_the_no_metadata_warning() -> None:
    """The unit is unknown without the identity sheet, so the blue unit line (填报单位：{{ unit_code }} ...)
    cannot be compared: no false E-LOCKED-CHANGED at 项目1!A4 (a bug these tests found, fixed in f78182f)."""
    data = project_data()
    report = check(returned(PROJECT, data, delete_sheets=[META_SHEET]))
    assert_findings(report, [(None, None, "W-NO-METADATA")])
    assert report.data == data


@BOTH
def test_identity__sheet_merely_hidden__metadata_visible_warning_and_same_data(template_id: str) -> None:
    data = full_data(template_id)
    report = check(returned(template_id, data, hide_identity=True))
    assert_findings(report, [(META_SHEET, None, "W-METADATA-VISIBLE")])
    assert report.data == data
    assert report.unit_code == "001"


@pytest.mark.parametrize(("cell", "value"), [("B1", "garbage"), ("B10", "{not json")], ids=["format", "issued-json"])
def test_identity__damaged__read_as_missing(cell: str, value: str) -> None:
    data = dept_data()
    report = check(returned(DEPT, data, {f"{META_SHEET}!{cell}": value}))
    assert_findings(report, [(None, None, "W-NO-METADATA")])
    assert report.data == data


def test_identity__other_version__wrong_version() -> None:
    report = check(signed_again(returned(DEPT, dept_data(), {f"{META_SHEET}!B3": "0.9"})))
    assert_findings(report, [(None, None, "E-WRONG-VERSION")])
    f = the_finding(report, "E-WRONG-VERSION")
    assert (f.expected, f.found) == ("1.0", "0.9")


# ---- what the caller expects ---------------------------------------------------------------------------------

def test_expect__template_project_on_dept_file__wrong_template() -> None:
    report = check(returned(DEPT, dept_data()), template="project")
    assert_findings(report, [(None, None, "E-WRONG-TEMPLATE")])
    f = report.findings[0]
    assert (f.expected, f.found) == ("project", "dept-overall")
    assert report.data is None and not report.valid


def test_expect__template_dept_on_project_file__wrong_template() -> None:
    report = check(returned(PROJECT, project_data()), template="dept-overall")
    assert_findings(report, [(None, None, "E-WRONG-TEMPLATE")])


def test_expect__year_2024_on_2025_file__wrong_year() -> None:
    report = check(returned(DEPT, dept_data()), year=2024)
    assert_findings(report, [(None, None, "E-WRONG-YEAR")])
    f = report.findings[0]
    assert (f.expected, f.found) == ("2024", "2025")


def test_expect__matching_template_and_year__clean() -> None:
    assert_findings(check(returned(DEPT, dept_data()), template="dept-overall", year=2025), [])


def test_expect__year_2024_on_2025_file_without_identity__wrong_year_from_the_title() -> None:
    report = check(returned(DEPT, dept_data(), delete_sheets=[META_SHEET]), year=2024)
    assert_findings(report, [(None, None, "E-WRONG-YEAR")])
    assert (report.findings[0].expected, report.findings[0].found) == ("2024", "2025")


def test_expect__template_project_on_dept_file_without_identity__wrong_template_naming_both() -> None:
    report = check(returned(DEPT, dept_data(), delete_sheets=[META_SHEET]), template="project")
    assert_findings(report, [(None, None, "E-WRONG-TEMPLATE")])
    f = report.findings[0]
    assert f.expected == "project" and "dept-overall" in (f.found or "")


def test_identity__missing__year_taken_from_the_title() -> None:
    report = check(returned(DEPT, dept_data(), delete_sheets=[META_SHEET], ctx=context(2024)))
    assert report.year == 2024
    assert_findings(report, [(None, None, "W-NO-METADATA")])


# ---- not one of ours -----------------------------------------------------------------------------------------

def _workbook(rows: list[list[Any]], title: str = "预算表") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for r in rows:
        ws.append(r)
    return save(wb)


def test_unknown__budget_table__unknown_template_naming_its_sheets() -> None:
    report = check(_workbook([["科目", "金额"], ["办公费", 12.5], ["差旅费", 3]]))
    assert_findings(report, [(None, None, "E-UNKNOWN-TEMPLATE")])
    assert "预算表" in (report.findings[0].found or "")
    assert report.data is None and report.template is None


def test_unknown__indicator_headers_only__unknown_template() -> None:
    """A few of our column names are not our form: recognition needs most of its fixed texts."""
    report = check(_workbook([["一级指标", "二级指标", "三级指标"], ["产出指标", "数量指标", "x"]], "Sheet1"))
    assert_findings(report, [(None, None, "E-UNKNOWN-TEMPLATE")])


def test_unknown__empty_workbook__unknown_template() -> None:
    assert_findings(check(_workbook([])), [(None, None, "E-UNKNOWN-TEMPLATE")])


# ---- content moved into other workbooks -----------------------------------------------------------------------

@pytest.mark.parametrize("keep_merges", [True, False], ids=["with-merges", "values-only"])
def test_fresh_workbook__dept_content_pasted__no_metadata_and_same_data(keep_merges: bool) -> None:
    data = dept_data()
    report = check(paste_into_fresh(returned(DEPT, data), keep_merges))
    assert_findings(report, [(None, None, "W-NO-METADATA")])
    assert report.data == data


def test_fresh_workbook__project_content_pasted__no_metadata_and_same_data() -> None:
    data = project_data()
    report = check(paste_into_fresh(returned(PROJECT, data)))
    assert_findings(report, [(None, None, "W-NO-METADATA")])
    assert report.data == data


def test_renamed_sheet__dept_form__found_by_its_content() -> None:
    data = dept_data()
    wb = openpyxl.load_workbook(io.BytesIO(returned(DEPT, data)))
    wb[DEPT_SHEET].title = "Sheet1"
    report = check(save(wb))
    assert_findings(report, [])
    assert report.data == data


def test_copied_project_sheet__filled_in__read_as_an_extra_project() -> None:
    data = project_data()
    new = {"项目1 (2)!B5": "13082325P00590110099X", "项目1 (2)!E5": "村道维修", "项目1 (2)!C12": "维修村道长度",
           "项目1 (2)!E12": "≥2公里"}
    content = returned(PROJECT, data, new, copy_sheet=(PROJECT_SHEET, "项目1 (2)"))
    report = check(content)
    assert_findings(report, [])
    assert report.data is not None
    first, second = report.data["项目"]
    assert first == data["项目"][0]
    assert (second["项目编码"], second["项目名称"]) == ("13082325P00590110099X", "村道维修")
    assert second["绩效指标"][0]["三级指标"] == "维修村道长度" and second["绩效指标"][0]["指标值"] == "≥2公里"
    assert evidence_of(content).cells[("项目", 1, "项目编码")] == ("项目1 (2)", "B5")


def test_copied_project_sheet__finding_on_the_copy__names_the_copy() -> None:
    report = check(returned(PROJECT, project_data(), {"项目1 (2)!E9": 8}, copy_sheet=(PROJECT_SHEET, "项目1 (2)")))
    # the copy still carries the issued 项目编码: it is the same project twice, not a new one
    assert_findings(report, [("项目1 (2)", "E9", "E-PLAN-TOTAL"), ("项目1 (2)", "B5", "E-SHEET-COPIED")])


def test_copied_blank_project_sheet__both_read() -> None:
    """A blank workbook carries one project sheet; a clerk copies it for a second project."""
    report = check(returned(PROJECT, None, {"项目1!E5": "修路", "项目1 (2)!E5": "饮水"},
                            copy_sheet=("项目1", "项目1 (2)")))
    assert report.data is not None
    assert [p["项目名称"] for p in report.data["项目"]] == ["修路", "饮水"]
    assert {f.sheet for f in report.findings} == {"项目1", "项目1 (2)"}  # each still needs filling in


def test_rejected__wrong_year_with_identity__still_names_the_unit() -> None:
    """The round needs to know who sent last year's form, even though it is not read."""
    report = check(returned(DEPT, dept_data()), year=2024)
    assert [f.code for f in report.findings] == ["E-WRONG-YEAR"]
    assert report.data is None and report.unit_code is not None and report.year == 2025


def _edit_identity(content: bytes, edit: Any) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb[META_SHEET]
    for row in ws.iter_rows():
        if row[0].value == "issued":
            issued = json.loads("".join(c.value or "" for c in row[1:]))
            edit(issued)
            row[1].value = json.dumps(issued, ensure_ascii=False)
            for c in row[2:]:
                c.value = None
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_fingerprint__grey_value_and_identity_sheet_both_changed__reported() -> None:
    """Changing a grey cell and the issued value in the identity sheet to match escapes the cell check,
    not the fingerprint of what was issued."""
    content = returned(DEPT, dept_data(), {"B5": "另一个单位"})
    report = check(_edit_identity(content, lambda issued: issued.update({"部门单位名称": "另一个单位"})))
    assert [f.code for f in report.findings] == ["E-FINGERPRINT"]


def test_fingerprint__untouched_identity_sheet__no_finding() -> None:
    assert check(returned(DEPT, dept_data())).findings == ()


def test_table_header__every_header_text_cleared__one_table_not_found_finding() -> None:
    report = check(returned(DEPT, dept_data(), {c: None for c in ("A9", "B9", "C9", "D9", "E9", "F9", "G9", "H9")}))
    assert [(f.sheet, f.cell, f.code) for f in report.findings] == [(DEPT_SHEET, "A9", "E-TABLE-NOT-FOUND")]
    assert report.data is not None and report.data["绩效指标"] == dept_data()["绩效指标"]
