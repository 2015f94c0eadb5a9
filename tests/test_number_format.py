"""A date- or percent-formatted cell in a money/number field is a finding at the cell (issue 23 item 14): the
clerk sees 2025-03-31 or 25%, the round would read 45747 万元 or 0.25 万元.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from returned import PROJECT, PROJECT_SHEET, evidence_of, project_data, returned

from xltemplates.findings.codes import lookup
from xltemplates.reader.check import check_bytes


def _cell_of(content: bytes, field: str) -> str:
    return next(cell for path, (_sheet, cell) in evidence_of(content).cells.items() if path[-1] == field)


def _formatted(field: str, value: float, number_format: str) -> tuple[bytes, str]:
    clean = returned(PROJECT, project_data())
    ref = _cell_of(clean, field)
    wb = openpyxl.load_workbook(io.BytesIO(clean))
    ws = wb[PROJECT_SHEET]
    ws[ref] = value
    ws[ref].number_format = number_format
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), ref


@pytest.mark.parametrize(("value", "fmt", "shown", "kind"), [
    (45747, 'yyyy"年"m"月"d"日"', "2025-03-31", "日期"),
    (45747, "m/d/yy", "2025-03-31", "日期"),
    (0.25, "0%", "25%", "百分比"),
])
def test_money_cell_formatted_as_date_or_percent__error_at_the_cell(value: float, fmt: str, shown: str,
                                                                   kind: str) -> None:
    content, ref = _formatted("3月底", value, fmt)
    report = check_bytes(content, "r.xlsx")
    found = [f for f in report.findings if f.code == "E-NUMBER-FORMAT"]
    assert [(f.sheet, f.cell) for f in found] == [(PROJECT_SHEET, ref)]
    assert shown in found[0].message and kind in found[0].message and not report.valid
    assert lookup("E-NUMBER-FORMAT").severity == "error"


def test_money_cell_with_a_number_format__no_finding() -> None:
    content, _ = _formatted("3月底", 2.5, "#,##0.00")
    assert not [f for f in check_bytes(content, "r.xlsx").findings if f.code == "E-NUMBER-FORMAT"]
