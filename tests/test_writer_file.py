"""The written workbook read back with openpyxl: locks, fills, merges, validations, protection, metadata."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xltemplates.catalogue.registry import get_template
from xltemplates.layout import build_layout
from xltemplates.schema import validate_data
from xltemplates.trust.identity import LIST_SHEET, MAGIC, META_SHEET, decode
from xltemplates.writer.generate import Generated, generate_bytes, make_context

SHEET = "整体绩效目标申报表"
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
CTX = make_context(2025, "430101", "长沙市某局", {"bureau": "县财政局"})
BLUE, YELLOW, GREEN, GREY = "FFBDD7EE", "FFFFE699", "FFC6EFCE", "FFD9D9D9"
# Rows as Excel shows them: 9 is the table header; with the data below, the 13 presets in four groups
# (产出 10-14, 效益 17-20, 满意度 23, 成本 26-28), each closed by two spare rows (15-16, 21-22, 24-25, 29-30),
# then 31 the new row, 32-36 the blank rows and 37-39 the signature block.
CONTROL = "第一行\n第二行\t制表\x01\x07\x1f末尾 _x0041_"
DATA: dict[str, Any] = {
    "部门单位名称": "=HYPERLINK(\"http://evil.example\",\"点我\")",
    "部门（单位）职责": CONTROL,
    "年度总体目标": "https://example.com/不是链接",
}


def preset_rows() -> list[dict[str, Any]]:

    t = get_template("dept-overall", CTX)
    tbl = t.table("绩效指标")
    return [dict(p) for p in tbl.presets]


def with_new_row() -> dict[str, Any]:
    new = {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "=1+1", "指标值类型": "≥",
           "指标值": "001", "计量单位": "95%"}
    return {**DATA, "绩效指标": [*preset_rows(), new]}


@pytest.fixture(scope="module")
def generated() -> Generated:
    return generate_bytes("dept-overall", CTX, with_new_row(), now=NOW)


@pytest.fixture(scope="module")
def wb(generated: Generated) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(generated.content))


@pytest.fixture(scope="module")
def ws(wb: Workbook) -> Worksheet:
    return wb[SHEET]


def fill(ws: Worksheet, ref: str) -> str | None:
    f = ws[ref].fill
    return f.fgColor.rgb if f.fill_type == "solid" else None


# --- sheets ------------------------------------------------------------------------------------------------

def test_workbook__sheets__form_then_hidden_lists_then_very_hidden_identity(wb: Workbook) -> None:
    assert wb.sheetnames == [SHEET, LIST_SHEET, META_SHEET]
    assert [s.sheet_state for s in wb.worksheets] == ["visible", "hidden", "veryHidden"]
    assert wb.active.title == SHEET


def test_identity_sheet__decoded__names_form_unit_and_fingerprint(wb: Workbook, generated: Generated) -> None:
    rows = [[c.value for c in r] for r in wb[META_SHEET].iter_rows()]
    assert rows[0] == ["format", MAGIC]
    ident = decode(rows)
    assert ident is not None
    assert (ident.template, ident.version, ident.year, ident.unit_code, ident.unit_name) == (
        "dept-overall", "1.0", 2025, "430101", "长沙市某局")
    assert ident.generated_at == "2025-01-02T03:04:05+00:00"
    assert ident.fingerprint == generated.fingerprint
    assert ident.context == {"bureau": "县财政局"}
    t = get_template("dept-overall", CTX)
    assert ident.issued == build_layout(t, validate_data(t, with_new_row())).issued
    assert ident.issued["部门单位名称"] == DATA["部门单位名称"]
    assert len(ident.issued["绩效指标"]) == 14  # the 13 presets and the new row, which has nothing locked
    assert sum(1 for r in ident.issued["绩效指标"] if r) == 13
    assert wb[META_SHEET].protection.sheet


def test_identity_sheet__huge_issued_content__split_over_cells_and_decoded_whole() -> None:
    long_name = "长" * 20000
    g = generate_bytes("dept-overall", make_context(2025, "1", long_name), {"部门（单位）职责": "x"}, now=NOW)
    wb = openpyxl.load_workbook(io.BytesIO(g.content))
    ident = decode([[c.value for c in r] for r in wb[META_SHEET].iter_rows()])
    assert ident is not None and ident.unit_name == long_name
    assert ident.issued["部门单位名称"] == long_name


def test_list_sheet__columns__headers_and_values_behind_the_defined_names(wb: Workbook) -> None:
    ls = wb[LIST_SHEET]
    headers = [c.value for c in ls[1]]
    assert headers == ["level1", "level2", "level2:产出指标", "level2:效益指标", "level2:满意度指标",
                       "level2:成本指标", "ops"]
    column_a = [ls.cell(r, 1).value for r in range(2, 6)]
    assert column_a == ["产出指标", "效益指标", "满意度指标", "成本指标"]
    assert [ls.cell(r, 3).value for r in range(2, 5)] == ["数量指标", "质量指标", "时效指标"]
    assert ls.cell(5, 3).value is None
    assert ls.protection.sheet


def test_defined_names__ascii__point_at_the_list_sheet(wb: Workbook) -> None:
    names = {n: wb.defined_names[n].attr_text for n in wb.defined_names}
    assert names == {
        "xl_level1": "'_lists'!$A$2:$A$5",
        "xl_level2": "'_lists'!$B$2:$B$12",
        "xl_level2_01": "'_lists'!$C$2:$C$4",
        "xl_level2_02": "'_lists'!$D$2:$D$5",
        "xl_level2_03": "'_lists'!$E$2:$E$2",
        "xl_level2_04": "'_lists'!$F$2:$F$4",
        "xl_ops": "'_lists'!$G$2:$G$7",
    }


# --- locks and fills ---------------------------------------------------------------------------------------

def test_cells__labels_and_grey_values__locked_entry_cells_unlocked(ws: Worksheet) -> None:
    for ref in ("A1", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "H9", "B5"):
        assert ws[ref].protection.locked, ref
    for ref in ("B6", "B7", "D10", "E10", "F10", "A15", "C16", "A31", "C31", "E31", "A32", "H36", "B37"):
        assert not ws[ref].protection.locked, ref
    for ref in ("A10", "B10", "C10", "G10", "H10", "C28", "H28"):  # preset_locked columns of presets
        assert ws[ref].protection.locked, ref


def test_cells__merged_range_covered_cells__share_the_lock_of_their_head(ws: Worksheet) -> None:
    assert ws["C5"].protection.locked  # inside the B5:H5 grey merge
    assert not ws["C7"].protection.locked  # inside the B7:H7 entry merge


def test_cells__header_fills__blue_yellow_green(ws: Worksheet) -> None:
    assert fill(ws, "A4") == BLUE and fill(ws, "A5") == BLUE and fill(ws, "A8") == BLUE
    assert [fill(ws, f"{c}9") for c in "ABCDEFGH"] == [YELLOW] * 5 + [GREEN] * 3
    assert fill(ws, "A6") == YELLOW and fill(ws, "A7") == YELLOW


def test_cells__prefilled__grey_and_entry_uncoloured(ws: Worksheet) -> None:
    assert fill(ws, "B5") == GREY
    assert [fill(ws, f"{c}10") for c in "ABCDEFGH"] == [GREY, GREY, GREY, None, None, None, GREY, GREY]
    assert fill(ws, "B6") is None and fill(ws, "A15") is None and fill(ws, "A31") is None and fill(ws, "A36") is None
    assert fill(ws, "B37") is None
    assert fill(ws, "A1") is None


def test_cells__instruction__red_text(ws: Worksheet) -> None:
    assert ws["A3"].font.color.rgb == "FFC00000"
    assert ws["A3"].value.startswith("蓝色，黄色，绿色的行为表头行请不要修改")


def test_cells__value_and_unit_columns__text_format(ws: Worksheet) -> None:
    for r in range(10, 37):
        assert ws[f"E{r}"].number_format == "@", r
        assert ws[f"F{r}"].number_format == "@", r
    assert ws["E29"].value == "001" and ws["F29"].value == "95%"
    assert ws["E29"].data_type == "s"


# --- merges ------------------------------------------------------------------------------------------------

def test_merges__title_grid_and_level_groups__as_on_the_form(ws: Worksheet) -> None:
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert merged == {
        "A1:H1", "A2:H2", "A3:H3", "B4:H4", "B5:H5", "B6:H6", "B7:H7", "A8:H8",
        "B37:D37", "F37:H37", "B38:D38", "F38:H38", "B39:D39",  # the signature block's entries
    }  # the table itself has none: 一级/二级 are in every row
    assert ws["A1"].value == "部门（单位）整体绩效目标申报表"
    assert ws["A2"].value == "（2025年度）"


# --- validations -------------------------------------------------------------------------------------------

def test_validations__ranges_and_lists__over_every_table_row(ws: Worksheet) -> None:
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation if dv.type == "list"}
    # 二级: the last 一级 from the top down to the row (its own, or while blank the nearest above); one range
    # over the whole table, so that rows inserted inside it never move its first cell (the formula's anchor)
    assert set(dvs) == {"A10:A36", "D10:D36", "B10:B36"}
    assert dvs["A10:A36"].formula1 == '"产出指标,效益指标,满意度指标,成本指标"'
    assert dvs["B10:B36"].formula1 == ('INDIRECT("xl_level2_"&TEXT(MATCH(LOOKUP(2,1/($A$1:$A10<>""),$A$1:$A10),'
                                       'xl_level1,0),"00"))')
    assert dvs["D10:D36"].formula1 == '"定性,>,≥,<,≤,="'
    assert all(dv.type == "list" for dv in dvs.values())


def test_validations__hint_only_columns__show_an_input_message_and_accept_anything(ws: Worksheet) -> None:
    hints = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation if dv.type is None}
    assert set(hints) == {"B6", "B7", "E10:E36", "F10:F36"}
    assert hints["E10:E36"].showInputMessage and hints["E10:E36"].promptTitle == "指标值"
    assert hints["F10:F36"].prompt == "定量指标必填（如 %、个、万元），定性指标可填 /"


def test_validations__error_alert_on__stop_with_a_message(ws: Worksheet) -> None:
    for dv in (dv for dv in ws.data_validations.dataValidation if dv.type == "list"):
        assert dv.showErrorMessage
        assert dv.errorStyle in (None, "stop")  # stop is the default and written as absent
        assert dv.error and len(dv.error) <= 255
        assert dv.allow_blank


def test_validations__error_messages__name_the_column_and_for_二级_ask_for_一级_first(ws: Worksheet) -> None:
    errors = {str(dv.sqref): dv.error for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert errors["A10:A36"] == "「一级指标」请从下拉列表中选择：产出指标、效益指标、满意度指标、成本指标"
    blank = errors["B10:B36"]  # one range: the 一级 a row ends up under is not known when the file is written
    assert blank.startswith("请先在左侧选择一级指标，再从下拉列表中选择二级指标")
    assert "效益指标：经济效益指标、社会效益指标、生态效益指标、可持续影响指标" in blank


def test_cells__project_资金用途__its_label_yellow_as_a_required_field() -> None:
    g = generate_bytes("project", CTX, None, now=NOW)
    ws = openpyxl.load_workbook(io.BytesIO(g.content))["项目1"]
    assert ws["A7"].value == "资金用途" and fill(ws, "A7") == YELLOW
    assert not ws["B7"].protection.locked  # 资金用途 (B7:F7), required


def test_validations__hint__shown_as_input_message(ws: Worksheet) -> None:
    ops = next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == "D10:D36")
    assert ops.showInputMessage
    assert ops.promptTitle == "指标值类型"
    assert ops.prompt == "定量指标选 ≥ ≤ 等，定性指标选“定性”"


def test_validations__inline_lists__quoted_in_the_file(generated: Generated) -> None:
    with zipfile.ZipFile(io.BytesIO(generated.content)) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    formulas = re.findall(r"<formula1>(.*?)</formula1>", xml)
    assert '"产出指标,效益指标,满意度指标,成本指标"' in formulas
    assert '"定性,&gt;,≥,&lt;,≤,="' in formulas


# --- protection --------------------------------------------------------------------------------------------

def test_protection__form_sheet__protected_rows_insertable_columns_resizable(ws: Worksheet) -> None:
    p = ws.protection
    assert p.sheet is True
    # In the file an option set to 0 means "not protected", i.e. allowed.
    assert p.insertRows is False
    assert p.formatColumns is False
    assert p.formatRows is False
    assert p.deleteRows is False
    assert p.formatCells is True  # cell formats stay protected
    assert p.insertColumns is True and p.deleteColumns is True
    assert p.selectLockedCells is False and p.selectUnlockedCells is False


# --- what users typed stays text ---------------------------------------------------------------------------

def test_strings__starting_with_equals__written_as_text_not_formulas(ws: Worksheet) -> None:
    assert ws["B5"].value == DATA["部门单位名称"] and ws["B5"].data_type == "s"
    assert ws["C29"].value == "=1+1" and ws["C29"].data_type == "s"


def test_strings__urls__not_turned_into_links(ws: Worksheet) -> None:
    assert ws["B7"].value == DATA["年度总体目标"]
    assert ws["B7"].hyperlink is None
    assert not ws._hyperlinks


def test_strings__control_characters__survive_as_ooxml_escapes(generated: Generated, ws: Worksheet) -> None:
    with zipfile.ZipFile(io.BytesIO(generated.content)) as z:
        strings = z.read("xl/sharedStrings.xml").decode("utf-8")
    si = next(s for s in re.findall(r"<t[^>]*>(.*?)</t>", strings, re.S) if s.startswith("第一行"))
    # Excel decodes _xHHHH_ back to the character; a literal "_x0041_" is protected as _x005F_x0041_.
    assert ooxml_unescape(si) == CONTROL
    # openpyxl drops the _x005F_ guard but leaves _xHHHH_ escaped; tab and newline come back as they are.
    assert ws["B6"].value == "第一行\n第二行\t制表_x0001__x0007__x001F_末尾 _x0041_"


def ooxml_unescape(text: str) -> str:
    """ST_Xstring decoding as Excel does it (left to right: _x005F_ is a literal underscore)."""
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def test_numbers__number_column__written_as_numbers() -> None:
    from xltemplates.catalogue.load import build_template
    from xltemplates.trust.identity import issue
    from xltemplates.writer.emit import emit

    raw = {
        "id": "n", "version": "1", "title": "n",
        "sheets": [{"name": "S", "widths": [8, 8], "blocks": [{"table": {
            "name": "t", "blank_rows": 1,
            "columns": [{"key": "金额", "type": "money"}, {"key": "数量", "type": "number"}]}}]}],
    }
    t = build_template(raw, "inline.yaml", {})
    layout = build_layout(t, validate_data(t, {"t": [{"金额": 12.5, "数量": 3}]}))
    content = emit(layout, issue("n", "1", {}, layout.fingerprint, layout.issued, None))
    sheet = openpyxl.load_workbook(io.BytesIO(content))["S"]
    assert (sheet["A2"].value, sheet["A2"].number_format) == (12.5, "0.00")
    assert (sheet["B2"].value, sheet["B2"].data_type) == (3, "n")
