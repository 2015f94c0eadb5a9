"""Generated workbooks survive LibreOffice: re-saved as xlsx/xls/ods, and edited through UNO like a clerk.

The expectations come from the layout (merges, locked cells, validated ranges) or from the workbook we
wrote (validation formulas, defined names, identity), so these tests follow the template, not a copy of it.
LibreOffice is required (tests/libreoffice.py raises when it is missing; .ci/run installs it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import LibreOfficeError, convert, edit, invalid_cells
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xltemplates.a1 import a1, col_letters, parse_a1
from xltemplates.layout import Layout, LSheet, LTable, build_layout
from xltemplates.trust.identity import LIST_SHEET, META_SHEET, decode
from xltemplates.writer.generate import generate_file, make_context

pytestmark = pytest.mark.libreoffice

Merge = tuple[int, int, int, int]


# ---- fixtures: one generated workbook, each conversion done once per module --------------------------------

@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("libreoffice")


@pytest.fixture(scope="module")
def generated(work: Path) -> tuple[Path, Layout]:
    path = work / "generated" / "dept-overall.xlsx"
    path.parent.mkdir()
    g = generate_file("dept-overall", make_context(2025, "001", "测试单位"), None, path)
    return path, build_layout(g.template, {})


@pytest.fixture(scope="module")
def converted(work: Path, generated: tuple[Path, Layout]) -> dict[str, Path]:
    """The generated workbook saved by LibreOffice as xlsx, xls and ods, and the xls/ods back as xlsx."""
    src = generated[0]
    out = {fmt: convert(src, fmt, work / fmt) for fmt in ("xlsx", "xls", "ods")}
    for fmt in ("xls", "ods"):
        out[f"{fmt}->xlsx"] = convert(out[fmt], "xlsx", work / f"{fmt}-back")
    return out


@pytest.fixture(scope="module")
def layout(generated: tuple[Path, Layout]) -> Layout:
    return generated[1]


@pytest.fixture(scope="module")
def form(layout: Layout) -> LSheet:
    return layout.sheets[0]


@pytest.fixture(scope="module")
def table(form: LSheet) -> LTable:
    return next(b.table for b in form.blocks if b.table is not None)


@pytest.fixture(scope="module")
def original(generated: tuple[Path, Layout]) -> Workbook:
    return openpyxl.load_workbook(generated[0])


# ---- helpers -----------------------------------------------------------------------------------------------

def load(path: Path) -> Workbook:
    return openpyxl.load_workbook(path)


def merges_of(ws: Worksheet) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def as_ranges(merges: list[Merge] | set[Merge]) -> set[str]:
    return {f"{a1(r1, c1)}:{a1(r2, c2)}" for r1, c1, r2, c2 in merges}


def validations_of(ws: Worksheet) -> dict[str, tuple[Any, ...]]:
    """sqref -> what a clerk meets: type, formula, error and prompt ("stop" is the default error style).

    A hint-only validation (type "any") has no formula; LibreOffice writes a meaningless "0" there."""
    return {
        str(dv.sqref): (dv.type, dv.formula1 if dv.type else None, dv.errorStyle or "stop", dv.showErrorMessage, dv.errorTitle,
                        dv.error, dv.promptTitle, dv.prompt, dv.allow_blank)
        for dv in ws.data_validations.dataValidation
    }


def names_of(wb: Workbook) -> dict[str, str]:
    return {name: wb.defined_names[name].attr_text.replace("'", "") for name in wb.defined_names}


def rows_of(ws: Worksheet) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def shifted_rows(first: int, last: int, at: int, count: int) -> tuple[int, int]:
    """A row range after inserting `count` rows before 0-based row `at`."""
    if first >= at:
        return first + count, last + count
    return (first, last + count) if last >= at else (first, last)


def as_range(first: int, last: int, col: int) -> str:
    return a1(first, col) if first == last else f"{a1(first, col)}:{a1(last, col)}"


def shifted(merges: list[Merge], at: int, count: int) -> set[Merge]:
    """Merges after inserting `count` rows before 0-based row `at`: spanning ones grow, later ones move."""
    out = set()
    for r1, c1, r2, c2 in merges:
        if r1 >= at:
            out.add((r1 + count, c1, r2 + count, c2))
        elif r2 >= at:
            out.add((r1, c1, r2 + count, c2))
        else:
            out.add((r1, c1, r2, c2))
    return out


# ---- conversion --------------------------------------------------------------------------------------------

def test_convert__xlsx__keeps_every_layout_value(converted: dict[str, Path], form: LSheet) -> None:
    ws = load(converted["xlsx"])[form.name]
    assert ws["A1"].value == "部门（单位）整体绩效目标申报表"
    assert ws["B5"].value == "测试单位"
    for cell in form.cells.values():
        assert ws.cell(cell.row + 1, cell.col + 1).value == cell.value, a1(cell.row, cell.col)


def test_convert__xlsx__keeps_the_table_header_row(
    converted: dict[str, Path], form: LSheet, table: LTable,
) -> None:
    ws = load(converted["xlsx"])[form.name]
    header = [ws.cell(table.header_row + 1, col + 1).value for col in table.cols.values()]
    assert header == [c.label for c in table.spec.columns]
    assert header[:3] == ["一级指标", "二级指标", "三级指标"]


def test_convert__xlsx__keeps_the_layout_merges(converted: dict[str, Path], form: LSheet) -> None:
    merges = merges_of(load(converted["xlsx"])[form.name])
    assert merges == as_ranges(form.merges)
    assert "A1:H1" in merges  # the title; the table has none (一级/二级 stand in every row)


def test_convert__xlsx__keeps_list_validations_and_the_cascade(
    converted: dict[str, Path], original: Workbook, form: LSheet,
) -> None:
    got = validations_of(load(converted["xlsx"])[form.name])
    assert got == validations_of(original[form.name])
    expected_ranges = {as_range(v.first_row, v.last_row, v.col) for v in form.validations}
    assert set(got) == expected_ranges
    assert {"A10:A35", "B10:B35", "D10:D35"} <= set(got)  # 二级: one range over the table, anchored at its first row
    assert got["B10:B35"][1].startswith('INDIRECT("xl_level2_"&TEXT(MATCH(LOOKUP(2,1/($A$1:$A10<>""),$A$1:$A10)')


def test_convert__xlsx__keeps_protection_and_every_locked_flag(
    converted: dict[str, Path], form: LSheet,
) -> None:
    ws = load(converted["xlsx"])[form.name]
    assert ws.protection.sheet
    assert not ws.protection.insertRows and not ws.protection.deleteRows  # still allowed to the clerk
    wrong = [a1(c.row, c.col) for c in form.cells.values()
             if ws.cell(c.row + 1, c.col + 1).protection.locked != c.locked]
    assert wrong == []
    assert ws["A9"].protection.locked  # header
    assert not ws["B6"].protection.locked  # 部门（单位）职责, an entry cell
    assert not ws["E31"].protection.locked  # first blank table row


def test_convert__xlsx__keeps_the_defined_names(converted: dict[str, Path], original: Workbook) -> None:
    names = names_of(load(converted["xlsx"]))
    assert names == names_of(original)
    assert {"xl_level1", "xl_level2_01"} <= set(names)


def test_convert__xlsx__hides_the_identity_sheet_and_keeps_its_content(
    converted: dict[str, Path], original: Workbook, form: LSheet,
) -> None:
    wb = load(converted["xlsx"])
    # LibreOffice has no "very hidden": it writes our veryHidden identity sheet back as plain hidden.
    assert {ws.title: ws.sheet_state for ws in wb.worksheets} == {
        form.name: "visible", LIST_SHEET: "hidden", META_SHEET: "hidden",
    }
    ident = decode(rows_of(wb[META_SHEET]))
    assert ident is not None
    assert ident == decode(rows_of(original[META_SHEET]))
    assert (ident.unit_code, ident.unit_name) == ("001", "测试单位")


@pytest.mark.parametrize(("fmt", "magic"), [("xls", b"\xd0\xcf\x11\xe0"), ("ods", b"PK\x03\x04")])
def test_convert__xls_and_ods__write_a_real_file(converted: dict[str, Path], fmt: str, magic: bytes) -> None:
    data = converted[fmt].read_bytes()
    assert data[:4] == magic
    assert len(data) > 10_000


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_convert__back_from_xls_and_ods__keeps_values_merges_and_validations(
    converted: dict[str, Path], original: Workbook, form: LSheet, fmt: str,
) -> None:
    wb = load(converted[f"{fmt}->xlsx"])
    ws = wb[form.name]
    wrong = [a1(c.row, c.col) for c in form.cells.values() if ws.cell(c.row + 1, c.col + 1).value != c.value]
    assert wrong == []
    assert merges_of(ws) == as_ranges(form.merges)
    formulas = {ref: v[1] for ref, v in validations_of(ws).items()}
    assert formulas == {ref: v[1] for ref, v in validations_of(original[form.name]).items()}
    assert decode(rows_of(wb[META_SHEET])) == decode(rows_of(original[META_SHEET]))


def test_convert__damaged_workbook__raises_although_soffice_exits_0(
    work: Path, generated: tuple[Path, Layout],
) -> None:
    damaged = work / "damaged" / "truncated.xlsx"
    damaged.parent.mkdir()
    damaged.write_bytes(generated[0].read_bytes()[:5000])
    with pytest.raises(LibreOfficeError, match="did not write"):
        convert(damaged, "xlsx", work / "damaged-out")


# ---- data validation, as LibreOffice itself evaluates it (Tools > Detective > Mark Invalid Data) ----------

@pytest.mark.parametrize("fmt", ["generated", "xlsx", "xls", "ods"])
def test_validation__wrong_choices__are_rejected_by_libreoffice(
    generated: tuple[Path, Layout], converted: dict[str, Path], form: LSheet, table: LTable, fmt: str,
) -> None:
    src = generated[0] if fmt == "generated" else converted[fmt]
    level1, level2, op = (col_letters(table.cols[k]) for k in ("一级指标", "二级指标", "指标值类型"))
    r = table.end_row - table.spec.blank_rows + 1  # 1-based: the first blank row
    ops = [
        {"op": "set", "sheet": form.name, "cell": f"{level1}{r}", "value": "效益指标"},
        {"op": "set", "sheet": form.name, "cell": f"{level2}{r}", "value": "数量指标"},  # belongs to 产出指标
        {"op": "set", "sheet": form.name, "cell": f"{level1}{r + 1}", "value": "产出指标"},
        {"op": "set", "sheet": form.name, "cell": f"{level2}{r + 1}", "value": "质量指标"},
        {"op": "set", "sheet": form.name, "cell": f"{op}{r + 1}", "value": ">="},  # not in the ops list
    ]
    invalid = invalid_cells(src, form.name, ops)
    assert [ref for ref in invalid if parse_a1(ref)[0] + 1 >= r] == [f"{level2}{r}", f"{op}{r + 1}"]


def test_validation__generated_form__has_no_invalid_cells(generated: tuple[Path, Layout], form: LSheet) -> None:
    assert invalid_cells(generated[0], form.name) == []


# ---- UNO edits, as a clerk makes them ----------------------------------------------------------------------

def test_edit__set_insert_row_unprotect__lands_and_shifts_later_rows(
    work: Path, generated: tuple[Path, Layout], form: LSheet, table: LTable,
) -> None:
    blank = table.end_row - table.spec.blank_rows  # 0-based: the first pre-allocated blank row
    c_col, e_col = table.cols["三级指标"] + 1, table.cols["指标值"] + 1
    insert_at = table.first_row + 2  # 0-based: inside the first 一级指标 and 二级指标 groups
    ops = [
        {"op": "set", "sheet": form.name, "cell": a1(blank, c_col - 1), "value": "新增指标"},
        {"op": "set", "sheet": form.name, "cell": a1(blank, e_col - 1), "number": 95},
        {"op": "insert_rows", "sheet": form.name, "row": insert_at + 1, "count": 1},
        {"op": "unprotect", "sheet": form.name},
    ]
    ws = load(edit(generated[0], work / "edited" / "edited.xlsx", ops))[form.name]

    assert ws.cell(blank + 2, c_col).value == "新增指标"  # moved down one row by the insert
    assert ws.cell(blank + 2, e_col).value == 95
    assert all(ws.cell(insert_at + 1, c).value is None for c in range(1, form.spec.ncols + 1))
    below = form.cells[(insert_at, c_col - 1)].value
    assert ws.cell(insert_at + 2, c_col).value == below
    assert merges_of(ws) == as_ranges(shifted(form.merges, insert_at, 1))
    assert set(validations_of(ws)) == {  # validations spanning the insert grow, later ones move down
        as_range(*shifted_rows(v.first_row, v.last_row, insert_at, 1), v.col) for v in form.validations
    }
    assert not ws.protection.sheet


def test_edit__structural_op_without_unprotect__leaves_the_sheet_protected(
    work: Path, generated: tuple[Path, Layout], form: LSheet, table: LTable,
) -> None:
    last = table.end_row  # 1-based number of the last table row
    in_merge = {r for r1, _, r2, _ in form.merges for r in range(r1, r2 + 1)}
    # 1-based: a preset row outside every merge, so the copy carries no partial merge along
    presets = table.positions
    preset = next(r for r in presets if r not in in_merge) + 1
    ops = [
        {"op": "copy_row", "sheet": form.name, "from": preset, "to": last},
        {"op": "delete_rows", "sheet": form.name, "row": last - 1, "count": 1},
    ]
    ws = load(edit(generated[0], work / "edited" / "protected.xlsx", ops))[form.name]

    assert ws.protection.sheet
    assert not ws.protection.insertRows  # the options we set survive LibreOffice's unprotect/protect
    copied = [c.value for c in ws[last - 1]]
    assert copied[: form.spec.ncols] == [c.value for c in ws[preset]][: form.spec.ncols]
    assert ws.cell(last - 1, 1).protection.locked  # the copied preset row brings its locked format along


def test_edit__saved_as_xls__reads_back_with_the_edit(
    work: Path, generated: tuple[Path, Layout], form: LSheet,
) -> None:
    ops = [{"op": "set", "sheet": form.name, "cell": "B6", "value": "负责本县财政预算绩效管理。"}]
    xls = edit(generated[0], work / "edited" / "clerk.xls", ops, fmt="xls")
    ws = load(convert(xls, "xlsx", work / "edited-back"))[form.name]
    assert ws["B6"].value == "负责本县财政预算绩效管理。"
    assert ws["B5"].value == "测试单位"
    assert merges_of(ws) == as_ranges(form.merges)


def test_edit__unknown_op__raises_with_the_op(
    work: Path, generated: tuple[Path, Layout], form: LSheet,
) -> None:
    with pytest.raises(LibreOfficeError, match="unknown op 'paint'"):
        edit(generated[0], work / "edited" / "bad.xlsx", [{"op": "paint", "sheet": form.name}])
