"""Projects a unit adds: spare project sheets (`generate --spare-projects N`) instead of copying a sheet.

A copied sheet keeps the original's locked 项目编码/项目名称, so it cannot hold a new project without removing
the protection: the issued workbook carries empty spare sheets instead, which check ignores while untouched.
A copy that comes back anyway is still read, with one finding that says what to do. Each project sheet's tab
carries its 项目名称 (made a legal sheet name) and its title reads 「N、{项目名称}绩效目标表」, as on the Hebei
seed (shared/seeds/hebei-township-project-targets.txt).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from returned import (
    PROJECT,
    PROJECT_SHEET,
    apply,
    assert_findings,
    context,
    evidence_of,
    project_data,
    project_item,
    returned,
    save,
)
from typer.testing import CliRunner

from xltemplates.catalogue.load import build_template
from xltemplates.cli import app
from xltemplates.errors import TemplateError
from xltemplates.excel import clean_sheet_name
from xltemplates.findings.codes import CODES
from xltemplates.findings.report import Report
from xltemplates.layout.model import Follows
from xltemplates.reader.check import check_bytes
from xltemplates.writer.generate import generate_bytes

SPARE1, SPARE2 = "项目2", "项目3"  # after one issued project: tabs named by their number


def check(content: bytes) -> Report:
    return check_bytes(content, "project.xlsx")


def with_spares(data: dict[str, Any] | None = None, spares: int = 2, **edits: Any) -> bytes:
    """The issued workbook with `spares` spare sheets, edited like a clerk (see returned.returned)."""
    g = generate_bytes(PROJECT, context(), data if data is not None else project_data(), allow_findings=True,
                       spares=spares)
    return returned_from(g.content, **edits)


def returned_from(content: bytes, **edits: Any) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    if "copy_sheet" in edits:
        src, name = edits["copy_sheet"]
        wb.copy_worksheet(wb[src]).title = name
    for cell, value in edits.get("edits", {}).items():
        apply(wb, ("set", None, cell, value))
    for name in edits.get("delete_sheets", ()):
        wb.remove(wb[name])
    return save(wb)


def sheets(content: bytes) -> list[str]:
    return openpyxl.load_workbook(io.BytesIO(content)).sheetnames


# ---- what is issued -------------------------------------------------------------------------------------------

def test_generate__spare_projects__empty_sheets_after_the_issued_ones() -> None:
    content = with_spares()
    assert sheets(content)[:3] == [PROJECT_SHEET, SPARE1, SPARE2]
    issued = generate_bytes(PROJECT, context(), project_data(), allow_findings=True, spares=2).content
    values = openpyxl.load_workbook(io.BytesIO(issued), data_only=True)  # as stored: what a viewer shows
    assert [values[n]["A1"].value for n in (PROJECT_SHEET, SPARE1, SPARE2)] == [
        "1、2025年防火经费绩效目标表", "2、项目支出绩效目标表", "3、项目支出绩效目标表"]
    wb = openpyxl.load_workbook(io.BytesIO(content))
    assert wb[PROJECT_SHEET]["A1"].value == "1、2025年防火经费绩效目标表"  # an issued project's name is locked
    assert wb[SPARE1]["A1"].value == '="2、"&IF(E5="","项目支出",E5)&"绩效目标表"'  # a spare's title follows its name
    spare = wb[SPARE1]
    assert spare["B5"].value is None and not spare["B5"].protection.locked  # its 项目编码 is for the unit to fill
    assert spare.protection.sheet is True


def test_generate__spare_sheets__hidden_without_print_area() -> None:
    """An unused spare neither prints nor counts in 第N页 共M页: issued hidden (the clerk unhides it, so not
    very hidden) and without a print area (LibreOffice prints a hidden sheet that has one)."""
    issued = generate_bytes(PROJECT, context(), project_data(), allow_findings=True, spares=2).content
    wb = openpyxl.load_workbook(io.BytesIO(issued))
    assert [wb[n].sheet_state for n in (PROJECT_SHEET, SPARE1, SPARE2)] == ["visible", "hidden", "hidden"]
    assert wb[PROJECT_SHEET].print_area is not None and wb[PROJECT_SHEET].print_title_rows is not None
    assert [wb[n].print_area or None for n in (SPARE1, SPARE2)] == [None, None]
    # the table header still repeats on each page of a used spare (print titles alone do not print a hidden sheet)
    assert [wb[n].print_title_rows for n in (SPARE1, SPARE2)] == [wb[PROJECT_SHEET].print_title_rows] * 2
    instruction = next(c.value for row in wb[PROJECT_SHEET].iter_rows() for c in row
                       if isinstance(c.value, str) and "空白项目表" in c.value)
    assert "右键工作表标签→取消隐藏或显示工作表→选择「项目N」" in instruction


def test_generate__without_spares__no_sheet_hidden_but_the_tool_sheets() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(generate_bytes(PROJECT, context(), project_data(2)).content))
    assert [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"] == [
        ws.title for ws in wb.worksheets if not ws.title.startswith("_")]


def test_generate__tab_names__the_project_name_made_a_legal_unique_sheet_name() -> None:
    names = ["村道/桥梁[维修]:一期*?", "很" * 40, "同名项目", "同名项目"]
    data = {"项目": [project_item(f"P{i}", n) for i, n in enumerate(names)]}
    got = sheets(generate_bytes(PROJECT, context(), data, allow_findings=True).content)[:4]
    assert got == ["村道_桥梁_维修__一期__", "很" * 31, "同名项目", "同名项目(2)"]
    wb = openpyxl.load_workbook(io.BytesIO(generate_bytes(PROJECT, context(), data, allow_findings=True).content))
    assert wb[got[0]]["A1"].value == "1、村道/桥梁[维修]:一期*?绩效目标表"  # the title keeps the name as it is


@pytest.mark.parametrize(("text", "name"), [
    ("第一行\n第二\x1b行", "第一行 第二行"),  # a line break becomes a space, a control character goes
    ("x" * 30 + "'y", "x" * 30),  # cut at 31, and the cut may not end on an apostrophe
    ("𠀀" * 20, "𠀀" * 15),  # beyond the BMP a character counts two, as Excel counts a name
    ("_' 名称 '", "名称"),
])
def test_clean_sheet_name__project_names__legal_for_excel(text: str, name: str) -> None:
    assert clean_sheet_name(text, set(), "1") == name


def test_generate__spare_projects_on_a_form_without_repeated_sheets__refused() -> None:
    result = CliRunner().invoke(app, ["generate", "dept-overall", "--year", "2025", "-o", "x.xlsx",
                                      "--spare-projects", "2"])
    assert result.exit_code != 0
    assert "no repeated sheet" in result.output


def test_cli_generate__spare_projects__written(tmp_path: Path) -> None:
    out = tmp_path / "p.xlsx"
    result = CliRunner().invoke(app, ["generate", "project", "--year", "2025", "--unit-code", "001", "--unit-name",
                                      "测试单位", "-o", str(out), "--spare-projects", "3"])
    assert result.exit_code == 0, result.output
    assert sheets(out.read_bytes())[:3] == ["项目1", "项目2", "项目3"]


def test_template__item_in_a_sheet_that_does_not_repeat__names_the_key() -> None:
    raw = {"id": "x", "version": "1", "title": "x", "sheets": [{"name": "S", "widths": [5], "blocks": [
        {"grid": [{"cells": [{"role": "title", "text": "{{ index }}、{{ item.名称 }}"}]}]}]}]}
    with pytest.raises(TemplateError) as info:
        build_template(raw, "x.yaml", context())
    assert info.value.path == "sheets[0].blocks[0].grid[0].cells[0].text"


# ---- what comes back ------------------------------------------------------------------------------------------

def test_check__spare_sheets_untouched__no_finding_and_no_project() -> None:
    report = check(with_spares())
    assert_findings(report, [])
    assert report.data == project_data()


def test_check__spare_sheet_deleted__no_finding() -> None:
    report = check(with_spares(delete_sheets=[SPARE2]))
    assert_findings(report, [])
    assert report.data == project_data()


def test_check__project_filled_into_a_spare_sheet__read_as_a_second_project() -> None:
    new = project_item("13082325P00590110099X", "村道维修")
    typed = {"B5": new["项目编码"], "E5": new["项目名称"], "B6": 10, "D6": 10, "B7": new["资金用途"], "B9": 2.5,
             "C9": 5, "D9": 7.5, "E9": 10, "B10": new["绩效目标"]}
    for i, row in enumerate(new["绩效指标"]):
        typed.update({f"{c}{12 + i}": v for c, v in zip("ABCDEF", row.values(), strict=True) if v is not None})
    content = with_spares(edits={f"{SPARE1}!{cell}": v for cell, v in typed.items()})
    report = check(content)
    assert_findings(report, [])
    assert report.data == {"项目": [project_data()["项目"][0], new]}
    assert evidence_of(content).cells[("项目", 1, "项目编码")] == (SPARE1, "B5")


def test_check__copied_sheet__read_with_one_finding_that_names_the_spare_sheets() -> None:
    copy = f"{PROJECT_SHEET} (2)"
    report = check(with_spares(copy_sheet=(PROJECT_SHEET, copy), edits={f"{copy}!B7": "另一用途"}))
    assert_findings(report, [(copy, "B5", "E-SHEET-COPIED")])  # no E-DUPLICATE beside it: one problem, one finding
    f = report.findings[0]
    assert f.message == f"[{copy}!B5] " + CODES["E-SHEET-COPIED"].template.format(
        expected=PROJECT_SHEET, spare=f"「{SPARE1}」、「{SPARE2}」；已隐藏的请右键工作表标签→取消隐藏")  # as issued: hidden
    assert report.data is not None and [p["资金用途"] for p in report.data["项目"]][1] == "另一用途"  # still read


def test_check__copied_sheet_without_spares__tells_to_ask_the_bureau() -> None:
    copy = f"{PROJECT_SHEET} (2)"
    report = check(returned(PROJECT, project_data(), copy_sheet=(PROJECT_SHEET, copy)))
    assert_findings(report, [(copy, "B5", "E-SHEET-COPIED")])
    assert "空白项目表（无）" in report.findings[0].message and "联系财政局" in report.findings[0].message


def test_check__every_sheet_a_spare_and_untouched__the_empty_form_is_reported() -> None:
    """A workbook with nothing filled in is not a clean return: its first sheet is read as it is."""
    report = check(with_spares({}, spares=2))
    assert report.data is not None and len(report.data["项目"]) == 1
    assert {f.sheet for f in report.findings} == {"项目1"} and not report.valid


def test_check__spare_sheet_used_without_code_name_or_budget__a_finding_at_each_cell() -> None:
    """Issue 19: a used spare with empty 项目编码, 项目名称 and 预算数 passed as 通过 (its plan compared with nothing)."""
    new = project_item("13082325P00590110099X", "村道维修")
    typed = {"B7": new["资金用途"], "B9": 2.5, "C9": 5, "D9": 7.5, "E9": 10, "B10": new["绩效目标"]}
    for i, row in enumerate(new["绩效指标"]):
        typed.update({f"{c}{12 + i}": v for c, v in zip("ABCDEF", row.values(), strict=True) if v is not None})
    report = check(with_spares(edits={f"{SPARE1}!{cell}": v for cell, v in typed.items()}))
    assert not report.valid
    assert_findings(report, [(SPARE1, "B5", "E-SPARE-FIELD-EMPTY"), (SPARE1, "E5", "E-SPARE-FIELD-EMPTY"),
                             (SPARE1, "B6", "E-SPARE-FIELD-EMPTY")], errors_only=True)
    assert "「预算数」由单位填写" in next(f.message for f in report.findings if f.cell == "B6")


# ---- a used spare's title follows its 项目名称 -------------------------------------------------------------------

def spare_title(content: bytes, title: str | None, formula: str | None = None) -> bytes:
    """The return with SPARE1's title cell holding `title` as its stored value (what Excel, WPS and
    LibreOffice store on saving: the formula's value recomputed), under the issued formula or `formula`."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    raw = save(wb)
    f = formula if formula is not None else '"2、"&amp;IF(E5="","项目支出",E5)&amp;"绩效目标表"'
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        names = {n: z.read(n) for n in z.namelist()}
    index = openpyxl.load_workbook(io.BytesIO(raw)).sheetnames.index(SPARE1) + 1
    part = f"xl/worksheets/sheet{index}.xml"
    xml = names[part].decode("utf-8")
    cell = re.search(r'<c r="A1"[^>]*?(/>|>.*?</c>)', xml, re.DOTALL)
    assert cell is not None, xml[:500]
    style = re.search(r' s="(\d+)"', cell.group(0))
    attrs = f' s="{style.group(1)}"' if style else ""
    value = "" if title is None else f"<v>{title}</v>"
    names[part] = xml.replace(cell.group(0), f'<c r="A1"{attrs} t="str"><f>{f}</f>{value}</c>').encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in names.items():
            z.writestr(n, data)
    return out.getvalue()


def used_spare(**extra: Any) -> bytes:
    new = project_item("13082325P00590110099X", "村道维修")
    typed = {"B5": new["项目编码"], "E5": new["项目名称"], "B6": 10, "D6": 10, "B7": new["资金用途"], "B9": 2.5,
             "C9": 5, "D9": 7.5, "E9": 10, "B10": new["绩效目标"]}
    for i, row in enumerate(new["绩效指标"]):
        typed.update({f"{c}{12 + i}": v for c, v in zip("ABCDEF", row.values(), strict=True) if v is not None})
    typed.update(extra)
    return with_spares(edits={f"{SPARE1}!{cell}": v for cell, v in typed.items()})


@pytest.mark.parametrize("title", [
    "2、项目支出绩效目标表",  # as issued (a program that does not compute kept the issued value)
    "2、村道维修绩效目标表",  # recomputed from the sheet's own 项目名称, as Excel/WPS/LibreOffice store it
    None,  # the formula with no stored value (openpyxl saves it so)
])
def test_check__used_spare_title__issued_or_recomputed_from_its_name__no_finding(title: str | None) -> None:
    report = check(spare_title(used_spare(), title))
    assert_findings(report, [])


def test_check__used_spare_title__recomputed_from_another_name__a_finding() -> None:
    report = check(spare_title(used_spare(), "2、别的项目绩效目标表"))
    assert_findings(report, [(SPARE1, "A1", "E-LOCKED-CHANGED")])
    assert "应为「2、村道维修绩效目标表」" in report.findings[0].message


def test_check__used_spare_title__typed_over_by_hand__a_finding() -> None:
    report = check(used_spare(A1="2、我的项目绩效目标表"))
    assert_findings(report, [(SPARE1, "A1", "E-LOCKED-CHANGED")])


def test_check__used_spare_title__another_formula_without_a_value__a_finding() -> None:
    report = check(spare_title(used_spare(), None, formula='"2、"&amp;B5'))
    assert_findings(report, [(SPARE1, "A1", "E-LOCKED-CHANGED")])


def test_check__untouched_spare_recomputed__still_untouched() -> None:
    report = check(spare_title(with_spares(), "2、项目支出绩效目标表"))
    assert_findings(report, [])
    assert report.data == project_data()


@pytest.mark.parametrize("formula", ['"2、"&IF(E5="","项目支出",E5)&"绩效目标表"',
                                     '"2、"&IF($E$5="","项目支出",E5)&"绩效目标表"',
                                     '= "2、" & if(e5 = "", "项目支出", E5) & "绩效目标表"'])
def test_follows__formula_parsed_back__the_same_texts_and_cell(formula: str) -> None:
    parsed = Follows.parse(formula)
    assert parsed is not None
    follows, ref = parsed
    assert ref == "E5" and follows.text("") == "2、项目支出绩效目标表" and follows.text("村道") == "2、村道绩效目标表"


@pytest.mark.parametrize("formula", ['"2、"&IF(E5="","项目支出",B5)&"绩效目标表"', '"2、"&E5', "SUM(A1:A3)"])
def test_follows__another_formula__not_a_title(formula: str) -> None:
    assert Follows.parse(formula) is None


def test_follows__quotes_in_the_texts__round_trip() -> None:
    f = Follows("项目名称", '1、"', '项目"支出', '"表')
    parsed = Follows.parse(f.formula("E5"))
    assert parsed == (Follows("", '1、"', '项目"支出', '"表'), "E5")


def test_check__one_spare_used_and_the_unused_one_deleted_before_printing__no_finding() -> None:
    """docs/clerk.md: an unused spare prints as an empty form, so the clerk deletes it before printing."""
    content = returned_from(used_spare(), delete_sheets=[SPARE2])
    assert SPARE2 not in sheets(content)
    report = check(content)
    assert_findings(report, [])
    assert report.data is not None and [p["项目名称"] for p in report.data["项目"]] == ["2025年防火经费", "村道维修"]


def test_check__every_spare_deleted__no_finding() -> None:
    report = check(with_spares(delete_sheets=[SPARE1, SPARE2]))
    assert_findings(report, [])
    assert report.data == project_data()


@pytest.mark.parametrize("state", ["visible", "hidden"])
def test_check__used_spare__read_whether_unhidden_or_hidden_again(state: str) -> None:
    """The clerk unhides a spare to fill it; one hidden again after filling is still a project, never dropped."""
    wb = openpyxl.load_workbook(io.BytesIO(used_spare()))
    wb[SPARE1].sheet_state = state
    content = save(wb)
    assert openpyxl.load_workbook(io.BytesIO(content))[SPARE1].sheet_state == state
    report = check(content)
    assert_findings(report, [])
    assert report.data is not None and [p["项目名称"] for p in report.data["项目"]] == ["2025年防火经费", "村道维修"]
    assert evidence_of(content).cells[("项目", 1, "项目名称")] == (SPARE1, "E5")


def test_check__used_spare_hidden_again_without_its_code__still_a_finding() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(used_spare(B5=None)))
    assert wb[SPARE1].sheet_state == "hidden"
    assert [f.code for f in check(save(wb)).findings] == ["E-SPARE-FIELD-EMPTY"]


def test_check__spare_unhidden_but_untouched__no_finding_and_no_project() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(with_spares()))
    wb[SPARE2].sheet_state = "visible"
    report = check(save(wb))
    assert_findings(report, [])
    assert report.data == project_data()
