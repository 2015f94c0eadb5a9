"""Layouts of other provinces' forms, stated in a template file: a two-row table header (a group header over
the columns below it), a label column down the left of a table, and decimal places per number/money field.

Each is checked in the layout (cells, merges, validations), in the file (formats, as openpyxl reads them),
and through check: an untouched return is clean and round-trips, a changed header text is reported, and the
fingerprint covers the new texts.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from xltemplates.catalogue.load import build_template
from xltemplates.catalogue.registry import get_template
from xltemplates.errors import TemplateError
from xltemplates.layout import build_layout
from xltemplates.reader.check import check_bytes
from xltemplates.writer.generate import generate_bytes

CTX = {"year": 2025, "unit_code": "001", "unit_name": "测试单位"}

FUNDS = """
id: funds
version: "1.0"
title: 项目资金表
sheets:
  - name: 资金
    widths: [12, 16, 12, 12, 12]
    blocks:
      - grid:
          - cells: [{role: title, text: 项目资金表, span: 0}]
          - cells:
              - {role: header, text: 预算数（万元）}
              - {role: entry, field: 预算数, type: money, decimals: 2, span: 0}
      - table:
          name: 资金
          side_label: 资金来源
          blank_rows: 3
          columns:
            - {key: 项目, role: required}
            - {key: 财政拨款, type: money, group: 年度资金（万元）}
            - {key: 其他资金, type: number, decimals: 1, group: 年度资金（万元）}
            - {key: 备注}
      - grid:
          - cells: [{role: header, text: 填表说明, span: 0}]
"""

# the sheet as laid out: A1 title, row 2 the budget, rows 3-4 the two-row header, data from row 5
HEADER, SUB, FIRST = 2, 3, 4


def _write(directory: Path, source: str = FUNDS) -> None:
    (directory / "funds.yaml").write_text(source, encoding="utf-8")


@pytest.fixture
def bureau(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _write(tmp_path)
    monkeypatch.setenv("XLTEMPLATES_PATH", str(tmp_path))
    return tmp_path


DATA: dict[str, Any] = {"预算数": 16.606, "资金": [{"项目": "道路", "财政拨款": 12.5, "其他资金": 3.25, "备注": None}]}


def _sheet(data: dict[str, Any] | None = None) -> Any:
    g = generate_bytes("funds", CTX, data if data is not None else DATA)
    return openpyxl.load_workbook(io.BytesIO(g.content))["资金"]


# ---- layout ------------------------------------------------------------------------------------------------

def test_two_row_header__layout__group_spans_its_columns_and_ungrouped_labels_span_both_rows(bureau: Path) -> None:
    sheet = build_layout(get_template("funds", CTX), DATA).sheets[0]
    texts = {(r, c): cell.value for (r, c), cell in sheet.cells.items() if r in (HEADER, SUB) and cell.value}
    assert texts == {(HEADER, 0): "资金来源", (HEADER, 1): "项目", (HEADER, 2): "年度资金（万元）",
                     (SUB, 2): "财政拨款", (SUB, 3): "其他资金", (HEADER, 4): "备注"}
    assert {(HEADER, 1, SUB, 1), (HEADER, 2, HEADER, 3), (HEADER, 4, SUB, 4)} <= set(sheet.merges)
    table = sheet.blocks[1].table
    assert table is not None and (table.header_row, table.first_row) == (HEADER, FIRST)
    assert table.cols == {"项目": 1, "财政拨款": 2, "其他资金": 3, "备注": 4}


def test_side_label__layout__merged_down_the_header_and_every_row(bureau: Path) -> None:
    sheet = build_layout(get_template("funds", CTX), DATA).sheets[0]
    last = FIRST + 1 + 3 - 1  # one data row, three blank rows
    assert (HEADER, 0, last, 0) in sheet.merges
    assert all(sheet.cells[(r, 0)].locked for r in range(HEADER, last + 1))
    assert sheet.cells[(last + 1, 0)].value == "填表说明"  # the next block starts below it


def test_decimals__layout__number_validation_at_the_field_precision(bureau: Path) -> None:
    sheet = build_layout(get_template("funds", CTX), DATA).sheets[0]
    by_col = {v.col: v for v in sheet.validations if v.first_row == FIRST}
    assert (by_col[2].number, by_col[2].decimals) == ("money", 2)
    assert (by_col[3].number, by_col[3].decimals) == ("number", 1)
    assert 1 not in by_col and 4 not in by_col  # text columns: no number check


# ---- the file ----------------------------------------------------------------------------------------------

def test_decimals__file__number_format_and_right_alignment(bureau: Path) -> None:
    ws = _sheet()
    assert ws["B2"].value == 16.606 and ws["B2"].number_format == "0.00"  # shows 16.61
    assert ws["B2"].alignment.horizontal == "right"
    assert ws.cell(FIRST + 1, 3).number_format == "0.00" and ws.cell(FIRST + 1, 3).alignment.horizontal == "right"
    assert ws.cell(FIRST + 1, 4).number_format == "0.0"
    assert ws.cell(FIRST + 1, 2).number_format == "@"


def test_decimals__file__a_value_that_is_not_a_number_at_its_precision_is_refused_in_chinese(bureau: Path) -> None:
    ws = _sheet()
    checks = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    money = checks[f"C{FIRST + 1}:C{FIRST + 4}"]
    assert money.type == "custom" and money.formula1 == f"AND(ISNUMBER(C{FIRST + 1}),ROUND(C{FIRST + 1},2)=C{FIRST + 1})"
    assert money.errorStyle in (None, "stop") and money.showErrorMessage  # stop is the default, not written
    assert money.error == "请输入金额（最多 2 位小数）。"
    assert checks[f"D{FIRST + 1}:D{FIRST + 4}"].error == "请输入数字（最多 1 位小数）。"
    assert checks["B2"].type == "custom"


def test_two_row_header__file__merged_header_cells(bureau: Path) -> None:
    ws = _sheet()
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {"B3:B4", "C3:D3", "E3:E4", f"A3:A{FIRST + 4}"} <= merged
    assert (ws["C3"].value, ws["C4"].value, ws["D4"].value) == ("年度资金（万元）", "财政拨款", "其他资金")


# ---- check -------------------------------------------------------------------------------------------------

def test_form_layouts__untouched_return__clean_and_round_trips(bureau: Path) -> None:
    g = generate_bytes("funds", CTX, DATA)
    report = check_bytes(g.content, "funds.xlsx")
    assert report.findings == ()
    assert report.data == DATA  # 16.606 is shown as 16.61 and read back as it is


def _edited(content: bytes, cell: str, value: object) -> bytes:
    """`content` with one cell changed, as a clerk's spreadsheet program saves it (protection off)."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    wb["资金"][cell] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("cell", "text"), [("C3", "年度资金"), ("A3", "资金"), ("D4", "其它资金")])
def test_form_layouts__group_header_side_label_or_sub_label_changed__locked_changed(
        bureau: Path, cell: str, text: str) -> None:
    g = generate_bytes("funds", CTX, DATA)
    report = check_bytes(_edited(g.content, cell, text), "funds.xlsx")
    assert [(f.code, f.sheet, f.cell) for f in report.findings] == [("E-LOCKED-CHANGED", "资金", cell)]


@pytest.mark.parametrize(("old", "new"), [("group: 年度资金（万元）", "group: 年度资金（元）"),
                                          ("side_label: 资金来源", "side_label: 资金构成")])
def test_form_layouts__template_text_changed_after_issue__fingerprint_differs(
        bureau: Path, old: str, new: str) -> None:
    g = generate_bytes("funds", CTX, DATA)
    _write(bureau, FUNDS.replace(old, new))
    codes = [f.code for f in check_bytes(g.content, "funds.xlsx").findings]
    assert "E-FINGERPRINT" in codes


def test_two_row_header__rows_inserted_above_the_table__still_found_and_read(bureau: Path) -> None:
    g = generate_bytes("funds", CTX, DATA)
    wb = openpyxl.load_workbook(io.BytesIO(g.content))
    ws = wb["资金"]
    ws.insert_rows(2, 2)  # openpyxl moves values, not merges: enough for the reader, which reads values
    out = io.BytesIO()
    wb.save(out)
    report = check_bytes(out.getvalue(), "funds.xlsx")
    assert [f.code for f in report.findings if f.severity == "error"] == []
    assert report.data == DATA


# ---- the template file -------------------------------------------------------------------------------------

def _raw() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(FUNDS)
    return raw


def _table(raw: dict[str, Any]) -> dict[str, Any]:
    table: dict[str, Any] = raw["sheets"][0]["blocks"][1]["table"]
    return table


def _set_decimals_on_text(raw: dict[str, Any]) -> None:
    _table(raw)["columns"][0]["decimals"] = 2


def _split_group(raw: dict[str, Any]) -> None:
    _table(raw)["columns"][3]["group"] = "年度资金（万元）"
    del _table(raw)["columns"][2]["group"]


def _too_wide_with_side_label(raw: dict[str, Any]) -> None:
    _table(raw)["columns"].append({"key": "多余"})


def _decimals_on_a_label(raw: dict[str, Any]) -> None:
    raw["sheets"][0]["blocks"][0]["grid"][1]["cells"][0]["decimals"] = 1


def _too_many_decimals(raw: dict[str, Any]) -> None:
    _table(raw)["columns"][1]["decimals"] = 11


@pytest.mark.parametrize(("mutate", "path", "message"), [
    (_set_decimals_on_text, "sheets[0].blocks[1].table.columns[0].decimals", "only a 'number', 'money' or 'percent' value"),
    (_split_group, "sheets[0].blocks[1].table.columns[3].group", "must stand next to each other"),
    (_too_wide_with_side_label, "sheets[0].blocks[1].table.columns", "6 columns but the sheet declares 5 widths"),
    (_decimals_on_a_label, "sheets[0].blocks[0].grid[1].cells[0].decimals", "only a value cell"),
    (_too_many_decimals, "sheets[0].blocks[1].table.columns[1].decimals", "at most 10 decimal places"),
])
def test_form_layouts__template_mistake__error_names_the_key_path(mutate: Any, path: str, message: str) -> None:
    raw = _raw()
    mutate(raw)
    with pytest.raises(TemplateError) as exc:
        build_template(raw, "funds.yaml", CTX)
    assert exc.value.path == path
    assert message in str(exc.value)


# ---- a real client -----------------------------------------------------------------------------------------

@pytest.mark.libreoffice
def test_form_layouts__libreoffice__refuses_numbers_past_their_precision_and_reads_back_clean(
        bureau: Path, tmp_path: Path) -> None:
    from libreoffice import edit, invalid_cells

    data = {**DATA, "预算数": 16.61, "资金": [{**DATA["资金"][0], "其他资金": 3.2}]}  # prefill at the precision
    src = tmp_path / "funds.xlsx"
    src.write_bytes(generate_bytes("funds", CTX, data).content)
    blank = FIRST + 2  # 1-based Excel row of the first blank row
    ops = [{"op": "set", "sheet": "资金", "cell": f"C{blank}", "number": 1.234},  # money: two places at most
           {"op": "set", "sheet": "资金", "cell": f"D{blank}", "number": 2.5},  # one place: fine
           {"op": "set", "sheet": "资金", "cell": f"D{blank + 1}", "value": "很多"}]  # not a number
    assert invalid_cells(src, "资金", ops) == [f"C{blank}", f"D{blank + 1}"]
    saved = edit(src, tmp_path / "saved.xlsx", [{"op": "insert_rows", "sheet": "资金", "row": FIRST + 1, "count": 1}])
    report = check_bytes(saved.read_bytes(), "saved.xlsx")
    assert [f.code for f in report.findings] == ["W-METADATA-VISIBLE"]  # LibreOffice's way with a very hidden sheet
    assert report.data == data


def test_min_rows__fewer_filled_rows_returned__too_few_rows_at_the_header(bureau: Path) -> None:
    _write(bureau, FUNDS.replace("side_label: 资金来源", "side_label: 资金来源\n          min_rows: 2"))
    report = check_bytes(generate_bytes("funds", CTX, DATA).content, "funds.xlsx")
    assert [(f.code, f.cell, f.expected, f.found) for f in report.findings] == [("E-TOO-FEW-ROWS", "A3", "2", "1")]


def test_templates_show__funds__names_decimals_and_groups(bureau: Path) -> None:
    from typer.testing import CliRunner

    from xltemplates.cli import app

    r = CliRunner().invoke(app, ["templates", "show", "funds"])
    assert r.exit_code == 0, r.output
    for line in ("预算数  (entry, money, 2 decimals)", "财政拨款  (optional, money, 2 decimals, under 年度资金（万元）)",
                 "其他资金  (optional, number, 1 decimals, under 年度资金（万元）)", "备注  (optional, text)"):
        assert line in r.stdout
