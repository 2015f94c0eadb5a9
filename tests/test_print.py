"""Printing: the template's `print:` key, the layout's page setup and row heights, and what the written file says.

The printed result itself (header on every page, footer, signature on the last page) is checked on PDFs
rendered by LibreOffice in tests/test_print_pdf.py.
"""

from __future__ import annotations

import copy
import io
from typing import Any

import openpyxl
import pytest
from returned import DEPT, PROJECT, annotated_copy, dept_data, evidence_of, project_item, returned
from test_spec import assert_error, mini

from xltemplates.catalogue.load import build_template
from xltemplates.catalogue.registry import get_template
from xltemplates.form.model import GridBlock, PrintSpec
from xltemplates.layout import build_layout
from xltemplates.layout.fit import text_height
from xltemplates.reader.check import check_bytes
from xltemplates.shape import empty_data
from xltemplates.writer.emit import FINDINGS_SHEET, footer_code
from xltemplates.writer.generate import generate_bytes, make_context

CTX = make_context(2025, "430101", "长沙市某局")
DEPT_SHEET = "整体绩效目标申报表"


def written(template_id: str, unit_name: str = "长沙市某局", data: Any = None) -> openpyxl.Workbook:
    g = generate_bytes(template_id, make_context(2025, "430101", unit_name), data, allow_findings=True)
    return openpyxl.load_workbook(io.BytesIO(g.content))


# ---- the template language -------------------------------------------------------------------------------

def test_print__not_given__a4_landscape_one_page_wide_centred_unit_footer() -> None:
    spec = build_template(mini(), "inline.yaml", CTX).sheets[0].printing
    assert spec == PrintSpec()
    assert (spec.paper, spec.landscape, spec.fit_width, spec.center, spec.entry_height) == ("A4", True, 1, True, 24)


def test_print__every_key__read() -> None:
    raw = mini()
    raw["sheets"][0]["print"] = {"paper": "A3", "landscape": False, "fit_width": 2, "repeat": "指标", "center": False,
                                 "entry_height": 30, "footer": {"left": "{{ unit_code }}", "right": "{page}/{pages}"}}
    spec = build_template(raw, "inline.yaml", CTX).sheets[0].printing
    assert spec == PrintSpec("A3", False, 2, "指标", ("{{ unit_code }}", "", "{page}/{pages}"), False, 30)


@pytest.mark.parametrize(("printing", "path", "problem"), [
    ({"paper": "Letter"}, "sheets[0].print.paper", "unknown paper 'Letter' (allowed: A4, A3)"),
    ({"repeat": "乙"}, "sheets[0].print.repeat", "'乙' is not a table of this sheet (tables: 指标)"),
    ({"colour": 1}, "sheets[0].print.colour", "unknown key"),
    ({"footer": {"middle": "x"}}, "sheets[0].print.footer.middle", "unknown key"),
    ({"footer": {"left": "{{ nothing }}"}}, "sheets[0].print.footer.left", "template expression failed"),
    ({"entry_height": 0}, "sheets[0].print.entry_height", "expected a positive number"),
    ({"landscape": False}, "sheets[0].print.landscape", "say landscape once"),
])
def test_print__bad_key__names_the_key_path(printing: dict[str, Any], path: str, problem: str) -> None:
    raw = mini()
    raw["sheets"][0]["print"] = printing
    if "landscape" in printing:
        raw["sheets"][0]["landscape"] = True
    assert_error(raw, path, problem)


def test_print__footer_with_unit_name__rendered_per_unit_from_one_template() -> None:
    raw = mini()
    raw["sheets"][0]["print"] = {"footer": {"left": "{{ unit_name }}（{{ unit_code }}）"}}
    t = build_template(raw, "inline.yaml", make_context(2025, None, None))
    for code, name in [("001", "甲镇"), ("002", "乙镇")]:
        unit = build_template(copy.deepcopy(raw), "inline.yaml", make_context(2025, code, name))
        printing = build_layout(unit).sheets[0].printing
        assert printing is not None and printing.footer == (f"{name}（{code}）", "", "")
    assert t.sheets[0].printing.footer[0] == "{{ unit_name }}（{{ unit_code }}）"  # kept as source


def test_footer_code__ampersand_and_page_numbers__excel_codes() -> None:
    assert footer_code(("填报单位：A&B", "第{page}页 共{pages}页", "")) == "&L填报单位：A&&B&C第&P页 共&N页"


# ---- the layout: what repeats, where the print area ends, row heights ------------------------------------

def test_layout__dept_overall__table_header_repeats_and_print_area_is_the_whole_form() -> None:
    sheet = build_layout(get_template("dept-overall", CTX)).sheets[0]
    table = next(b.table for b in sheet.blocks if b.table is not None)
    assert sheet.printing is not None
    assert sheet.printing.repeat_rows == (table.header_row, table.header_row) == (8, 8)
    assert sheet.printing.last_row == sheet.blocks[-1].end_row - 1
    assert sheet.printing.footer == ("填报单位：长沙市某局", "第{page}页 共{pages}页", "")


def test_layout__wrapped_labels__rows_tall_enough() -> None:
    """Row 4 「部门（单位）职责」 of dept-overall (two lines in a 12-wide column) and the two rows
    「资金支出计划（万元）」 of the project form spans were clipped at the default 15 pt."""
    dept = build_layout(get_template("dept-overall", CTX)).sheets[0]
    assert dept.heights[3] >= text_height("部门（单位）职责", 12) > 15 + 14
    project = build_layout(get_template("project", CTX)).sheets[0]
    need = text_height("资金支出计划（万元）", 14)
    assert project.heights.get(7, 15) + project.heights.get(8, 15) >= need


def test_layout__rows_to_fill_in__tall_enough_to_write_by_hand() -> None:
    sheet = build_layout(get_template("project", CTX)).sheets[0]
    table = next(b.table for b in sheet.blocks if b.table is not None)
    assert all(sheet.heights[r] >= 24 for r in range(table.first_row, table.end_row))
    assert sheet.heights[8] >= 24  # the spending plan's entry row


# ---- the written file ------------------------------------------------------------------------------------

def test_written__dept_overall__page_setup_as_declared() -> None:
    ws = written("dept-overall", unit_name="甲&乙联合办")[DEPT_SHEET]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 is the default, not written
    assert ws.print_title_rows == "$9:$9"
    assert ws.print_options.horizontalCentered
    assert ws.oddFooter.left.text == "填报单位：甲&&乙联合办"
    assert ws.oddFooter.center.text == "第&P页 共&N页"
    last = build_layout(get_template("dept-overall", CTX)).sheets[0].blocks[-1].end_row
    assert ws.print_area == f"'{DEPT_SHEET}'!$A$1:$H${last}"


def test_written__project__portrait_as_its_template_says() -> None:
    ws = written("project")["项目1"]
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$11:$11"


def test_written__annotated_findings_sheet__landscape_one_page_wide_messages_wrapped() -> None:
    content = returned(DEPT, dept_data(), {"B6": "", "D14": "大约", "C29": "长" * 101})
    wb = openpyxl.load_workbook(io.BytesIO(annotated_copy(content)))
    ws = wb[FINDINGS_SHEET]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$4:$4"  # the column headers, under the title, unit/year/form and counts
    assert ws["A1"].value.startswith("问题清单") and "填报单位：001 测试单位" in ws["A2"].value and "年度：2025" in ws["A2"].value
    assert "第 &P 页 共 &N 页" in ws.oddFooter.center.text
    messages = [(r, ws.cell(r, 5).value) for r in range(5, ws.max_row + 1)]
    assert len(messages) == 3
    assert [ws.cell(r, 2).value for r, _ in messages] == ["错误"] * 3 and ws.cell(5, 2).font.bold
    for r, message in messages:
        assert ws.cell(r, 5).alignment.wrap_text
        assert ws.row_dimensions[r].height >= text_height(message, 90)


# ---- the signature block ---------------------------------------------------------------------------------

SIGNATURE = {"fields": [{"label": "填报单位（盖章）", "field": "填报单位"}, "单位负责人",
                        {"label": "填报人", "required": True, "hint": "经办人姓名"}]}


def with_signature(signature: Any = None) -> dict[str, Any]:
    raw = mini()
    raw["sheets"][0]["blocks"].append({"signature": SIGNATURE if signature is None else signature})
    return raw


def test_signature__fields__label_and_entry_pairs_two_to_a_row() -> None:
    block = build_template(with_signature(), "inline.yaml", CTX).sheets[0].blocks[-1]
    assert isinstance(block, GridBlock)
    rows = [[(c.role.value, c.text or c.field, c.span) for c in row.cells] for row in block.rows]
    assert rows == [
        [("optional", "填报单位（盖章）", 1), ("entry", "填报单位", 1),
         ("optional", "单位负责人", 1), ("entry", "单位负责人", 1)],
        [("required", "填报人", 1), ("entry", "填报人", 1)],
    ]
    filled = block.rows[1].cells[1]
    assert filled.required and filled.hint == "经办人姓名"
    assert all(row.height == 30 for row in block.rows)


def test_signature__per_row_and_height__share_the_columns() -> None:
    raw = with_signature({"fields": ["甲", "乙"], "per_row": 1, "height": 40})
    block = build_template(raw, "inline.yaml", CTX).sheets[0].blocks[-1]
    assert isinstance(block, GridBlock)
    assert [[(c.text or c.field, c.span) for c in row.cells] for row in block.rows] == [[("甲", 1), ("甲", 3)],
                                                                                        [("乙", 1), ("乙", 3)]]
    assert {row.height for row in block.rows} == {40}


@pytest.mark.parametrize(("signature", "path", "problem"), [
    ({"fields": []}, "sheets[0].blocks[2].signature.fields", "a signature block needs at least one field"),
    ({"fields": ["甲"], "per_row": 3}, "sheets[0].blocks[2].signature.per_row", "3 pairs to a row need 6 columns"),
    ({"fields": [{"field": "甲"}]}, "sheets[0].blocks[2].signature.fields[0]", "missing key 'label'"),
    ({"fields": [{"label": "甲", "stamp": True}]}, "sheets[0].blocks[2].signature.fields[0].stamp", "unknown key"),
    ({"fields": ["单位"]}, "sheets[0].blocks[2].signature.fields[0]", "data key '单位' is already used"),
])
def test_signature__bad_declaration__names_the_key_path(signature: dict[str, Any], path: str, problem: str) -> None:
    assert_error(with_signature(signature), path, problem)


def test_signature__laid_out__under_the_table_entries_open_and_part_of_the_data() -> None:
    t = build_template(with_signature(), "inline.yaml", CTX)
    sheet = build_layout(t).sheets[0]
    table, signature = sheet.blocks[1], sheet.blocks[2]
    assert signature.first_row == table.end_row and sheet.printing is not None
    assert sheet.printing.last_row == signature.end_row - 1  # printed with the form
    entry = sheet.cells[(signature.first_row, 1)]
    assert (entry.field, entry.locked, entry.required) == ("填报单位", False, False)
    assert sheet.heights[signature.first_row] >= 30
    assert {"填报单位", "单位负责人", "填报人"} <= set(empty_data(t))


def test_signature__shipped_forms__rows_inserted_above_it__read_back_where_it_moved() -> None:
    signed = {"填报单位": "某某镇人民政府", "单位负责人": "张三", "填报人": "李四", "联系电话": "0311-1234567",
              "填报日期": "2025年3月1日"}
    data = {**dept_data(), **signed}
    content = returned(DEPT, data, insert_rows_at=(34, 4))
    report = check_bytes(content, "signed.xlsx")
    assert report.findings == ()
    assert report.data == data
    assert evidence_of(content).cells[("单位负责人",)] == (DEPT_SHEET, "F42")  # F38 before the four rows went in
    project = {"项目": [{**project_item(), **signed}]}
    report = check_bytes(returned(PROJECT, project, insert_rows_at=(20, 2)), "p.xlsx")
    assert report.findings == () and report.data == project


def test_signature__typed_on_the_returned_form__is_data_and_a_placeholder_is_fine_where_optional() -> None:
    report = check_bytes(returned(DEPT, dept_data(), {"B38": "某某镇人民政府", "F39": "/"}), "typed.xlsx")
    assert report.findings == ()
    assert report.data is not None and (report.data["填报单位"], report.data["联系电话"]) == ("某某镇人民政府", "/")


def test_signature__rows_deleted__its_labels_missing_and_the_table_read_whole() -> None:
    report = check_bytes(returned(DEPT, dept_data(), delete_rows_at=(38, 3)), "unsigned.xlsx")
    assert sorted({f.code for f in report.findings}) == ["E-LOCKED-CHANGED"]
    assert sorted(f.expected or "" for f in report.findings) == sorted(
        ["填报单位（盖章）", "单位负责人", "填报人", "联系电话", "填报日期"])
    assert report.data is not None and report.data["绩效指标"] == dept_data()["绩效指标"]
