"""Dates: a `date` type (Excel dates and the text forms forms use), a date check in the cell, and the rules
`date_order` (start ≤ end) and `date_in_year` (within, or overlapping, the round's year)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from returned import assert_findings, context, returned, the_finding

from xltemplates.catalogue.registry import get_template
from xltemplates.errors import TemplateError
from xltemplates.findings.codes import lookup
from xltemplates.grammar.dates import parse_date
from xltemplates.reader.check import check_bytes
from xltemplates.writer.generate import generate_bytes

PERIOD_FORM = """
id: period
version: "1.0"
title: 项目起止时间
sheets:
  - name: 项目
    widths: [14, 16, 14, 16]
    blocks:
      - grid:
          - cells:
              - {role: header, text: 项目名称}
              - {role: prefilled, field: 项目名称, span: 0}
          - cells:
              - {role: required, text: 开始日期}
              - {role: entry, field: 开始日期, type: date, required: true}
              - {role: required, text: 结束日期}
              - {role: entry, field: 结束日期, type: date, required: true}
          - cells:
              - {role: optional, text: 申报日期}
              - {role: entry, field: 申报日期, type: date, span: 0}
rules:
  - {rule: date_order, start: 开始日期, end: 结束日期}
  - {rule: date_in_year, start: 开始日期, end: 结束日期, overlap: true}
  - {rule: date_in_year, fields: [申报日期]}
"""
SHEET = "项目"


@pytest.fixture
def period(forms_dir: Path) -> str:
    (forms_dir / "period.yaml").write_text(PERIOD_FORM, encoding="utf-8")
    return "period"


@pytest.mark.parametrize(("text", "iso"), [
    ("20250101", "2025-01-01"), ("2025-01-01", "2025-01-01"), ("2025年1月1日", "2025-01-01"),
    ("2025/12/31", "2025-12-31"), ("2025.1.31", "2025-01-31"), ("２０２５年１２月３１日", "2025-12-31"),
    ("2025-01-01 00:00:00", "2025-01-01"),
])
def test_parse_date__forms_write__read_as_the_date(text: str, iso: str) -> None:
    found = parse_date(text)
    assert found is not None and found.isoformat() == iso


@pytest.mark.parametrize("text", ["2025.12", "2025年12月", "20251301", "2025-02-30", "明年", "12月底", "2025"])
def test_parse_date__not_a_whole_date__none(text: str) -> None:
    assert parse_date(text) is None


def test_parse_date__serials__only_where_the_cell_is_a_date() -> None:
    assert parse_date(45658) == datetime.date(2025, 1, 1)
    assert parse_date(45658, serial=False) is None
    assert parse_date(20250101, serial=False) == datetime.date(2025, 1, 1)


def test_date_field__written_as_an_excel_date_with_a_date_check(period: str) -> None:
    g = generate_bytes(period, context(), {"项目名称": "道路", "开始日期": "20250301", "结束日期": "2025年11月30日"})
    ws = openpyxl.load_workbook(io.BytesIO(g.content))[SHEET]
    assert ws["B2"].value == datetime.datetime(2025, 3, 1) and ws["B2"].number_format == "yyyy-mm-dd"
    checks = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert checks["D2"].type == "date" and checks["B3"].type == "date"
    report = check_bytes(g.content, "p.xlsx")
    assert report.findings == ()
    assert report.data == {"项目名称": "道路", "开始日期": "2025-03-01", "结束日期": "2025-11-30", "申报日期": None}


def test_date_field__typed_as_text_forms__normalised_with_a_warning(period: str) -> None:
    content = returned(period, {"项目名称": "道路"}, {"B2": "20250101", "D2": "2025年12月31日", "B3": "2025-06-30"})
    report = check_bytes(content, "p.xlsx")
    assert_findings(report, [(SHEET, "B2", "W-NORMALISED"), (SHEET, "D2", "W-NORMALISED")])
    assert report.data["开始日期"] == "2025-01-01" and report.data["结束日期"] == "2025-12-31"
    assert report.data["申报日期"] == "2025-06-30"


def test_date_field__year_and_month_only__not_a_date(period: str) -> None:
    content = returned(period, {"项目名称": "道路"}, {"B2": "20250101", "D2": "2025.12"})
    report = check_bytes(content, "p.xlsx")
    f = the_finding(report, "E-NOT-DATE")
    assert (f.sheet, f.cell) == (SHEET, "D2")
    assert f.message == "[项目!D2] " + lookup("E-NOT-DATE").template.format(label="结束日期", found="2025.12")


def test_date_order__end_before_start__found_at_the_end(period: str) -> None:
    content = returned(period, {"项目名称": "道路"}, {"B2": "20251231", "D2": "20250101"})
    report = check_bytes(content, "p.xlsx")
    assert_findings(report, [(SHEET, "D2", "E-DATE-ORDER")], errors_only=True)
    assert "「结束日期」（2025-01-01）早于「开始日期」（2025-12-31）" in report.errors[0].message


def test_date_in_year__period_outside_the_round__found_at_its_end(period: str) -> None:
    content = returned(period, {"项目名称": "道路"}, {"B2": "20230101", "D2": "20241231", "B3": "20260105"})
    report = check_bytes(content, "p.xlsx")
    assert_findings(report, [(SHEET, "D2", "E-PERIOD-YEAR"), (SHEET, "B3", "E-DATE-YEAR")], errors_only=True)


def test_date_in_year__period_overlapping_the_round__passes(period: str) -> None:
    content = returned(period, {"项目名称": "道路"}, {"B2": "20240701", "D2": "20260630"})
    assert check_bytes(content, "p.xlsx").errors == []


def test_date_rule__on_a_text_field__template_error(forms_dir: Path) -> None:
    (forms_dir / "period.yaml").write_text(PERIOD_FORM.replace("type: date, required: true}\n          - cells:",
                                                               "required: true}\n          - cells:", 1)
                                           .replace("{role: entry, field: 结束日期, type: date", "{role: entry, field: 结束日期"),
                                           encoding="utf-8")
    with pytest.raises(TemplateError, match=r"rules\[0\]\.end: '结束日期' is a text field"):
        get_template("period", context())


def test_date_preset__not_a_date__template_error_naming_the_key(forms_dir: Path) -> None:
    (forms_dir / "period.yaml").write_text(PERIOD_FORM.replace("{role: entry, field: 申报日期, type: date, span: 0}",
                                                               "{role: prefilled, field: 申报日期, type: date, span: 0, "
                                                               "default: '2025.12'}"), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"cells\[1\]\.default: expected a date"):
        get_template("period", context())
