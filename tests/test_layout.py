"""The layout plan, without files: roles -> locked/colour, merges, validations, cascade names, issued data."""

from __future__ import annotations

from typing import Any

import pytest

from xltemplates.catalogue.load import build_template
from xltemplates.catalogue.registry import get_template, shipped_ids
from xltemplates.errors import TemplateError
from xltemplates.form.model import LABEL_ROLES, PrintSpec, Role, TableBlock, Template
from xltemplates.layout import Layout, LCell, LSheet, LTable, build_layout, preset_lock, sheet_names
from xltemplates.writer.lists import plan_lists, source_for

CTX = {"year": 2025, "unit_code": "430101", "unit_name": "长沙市某局"}
BLUE, YELLOW, GREEN, GREY = "#BDD7EE", "#FFE699", "#C6EFCE", "#D9D9D9"
# dept-overall, zero-based: rows 0-7 are the grid, row 8 the table header, then the 13 presets in four 一级
# groups (产出 9-13, 效益 16-19, 满意度 22, 成本 25-27), each closed by two spare white rows, rows 30-34 the
# 5 pre-allocated blank rows, rows 35-37 the signature block.
BLANK_ROWS = 5
HEADER_ROW, FIRST, BLANK, END = 8, 9, 30, 35
PRESET_ROWS = [9, 10, 11, 12, 13, 16, 17, 18, 19, 22, 25, 26, 27]
SPARE_ROWS = [14, 15, 20, 21, 23, 24, 28, 29]
NAME_CELL, DUTY_CELL = (4, 1), (5, 1)
UNIT_OWN_CELL = (16, 2)  # the sixth preset's 三级指标: one unit's own text, issued open (`editable`)


def dept(context: dict[str, Any] | None = None) -> Template:
    return get_template("dept-overall", CTX if context is None else context)


def plan(data: dict[str, Any] | None = None, context: dict[str, Any] | None = None) -> Layout:
    return build_layout(dept(context), data or {})


def only_sheet(layout: Layout) -> LSheet:
    assert len(layout.sheets) == 1
    return layout.sheets[0]


def table_of(sheet: LSheet) -> LTable:
    tables = [b.table for b in sheet.blocks if b.table is not None]
    assert len(tables) == 1
    return tables[0]


def presets() -> list[dict[str, Any]]:
    tbl = dept().table("绩效指标")
    return [dict(p) for p in tbl.presets]


def row(**values: str) -> dict[str, Any]:
    return dict(values)


@pytest.fixture(scope="module")
def default_sheet() -> LSheet:
    return only_sheet(plan())


# --- roles -> locked / colour ------------------------------------------------------------------------------

def test_layout__label_roles__are_locked(default_sheet: LSheet) -> None:
    labels = [c for c in default_sheet.cells.values() if c.role in LABEL_ROLES]
    assert {c.role for c in labels} == set(LABEL_ROLES)
    assert LABEL_ROLES == {Role.TITLE, Role.INSTRUCTION, Role.HEADER, Role.REQUIRED, Role.OPTIONAL}
    assert all(c.locked for c in labels)


def test_layout__table_header__yellow_for_required_green_for_optional(default_sheet: LSheet) -> None:
    header = [default_sheet.cells[(HEADER_ROW, c)] for c in range(8)]
    assert [c.value for c in header] == [
        "一级指标", "二级指标", "三级指标", "指标值类型", "指标值", "计量单位", "指标解释", "评/扣分标准"]
    assert [c.style.fill for c in header] == [YELLOW] * 5 + [GREEN] * 3
    assert [c.role for c in header] == [Role.REQUIRED] * 5 + [Role.OPTIONAL] * 3


def test_layout__grid_headers__blue_and_title_uncoloured(default_sheet: LSheet) -> None:
    assert default_sheet.cells[(4, 0)].role == Role.HEADER
    assert default_sheet.cells[(4, 0)].style.fill == BLUE
    assert default_sheet.cells[(0, 0)].role == Role.TITLE
    assert default_sheet.cells[(0, 0)].style.fill is None
    assert default_sheet.cells[(1, 0)].value == "（2025年度）"
    assert default_sheet.cells[(2, 0)].role == Role.INSTRUCTION
    assert default_sheet.cells[(2, 0)].style.font_color == "#C00000"


def test_layout__grey_prefilled_with_a_value__locked(default_sheet: LSheet) -> None:
    cell = default_sheet.cells[NAME_CELL]
    assert (cell.role, cell.value, cell.locked, cell.style.fill, cell.field) == (
        Role.PREFILLED, "长沙市某局", True, GREY, "部门单位名称")


def test_layout__grey_prefilled_empty__unlocked() -> None:
    cell = only_sheet(plan(context={**CTX, "unit_name": ""})).cells[NAME_CELL]
    assert (cell.role, cell.value, cell.locked) == (Role.PREFILLED, None, False)


def test_layout__grey_prefilled_from_data__overrides_the_default() -> None:
    cell = only_sheet(plan({"部门单位名称": "数据里的名称"})).cells[NAME_CELL]
    assert (cell.value, cell.locked) == ("数据里的名称", True)


def test_layout__entry_cells__unlocked_and_white(default_sheet: LSheet) -> None:
    duty = default_sheet.cells[DUTY_CELL]
    assert (duty.role, duty.locked, duty.style.fill, duty.required, duty.max_length) == (
        Role.ENTRY, False, None, True, 2000)
    blank = [c for (r, _), c in default_sheet.cells.items() if BLANK <= r < END or r in SPARE_ROWS]
    assert len(blank) == (BLANK_ROWS + 8) * 8
    assert all(c.role == Role.ENTRY and not c.locked and c.value is None for c in blank)


def test_layout__preset_rows__locked_only_in_preset_locked_columns(default_sheet: LSheet) -> None:
    locked_cols = {0, 1, 2, 6, 7}  # 一级 二级 三级 指标解释 评/扣分标准
    for r in PRESET_ROWS:
        for c in range(8):
            cell = default_sheet.cells[(r, c)]
            grey = c in locked_cols and (r, c) != UNIT_OWN_CELL
            assert cell.locked == grey, (r, c)
            assert cell.role == (Role.PREFILLED if grey else Role.ENTRY)
            assert cell.style.fill == (GREY if grey else None)
    # the preset's value columns are filled in but stay open for the unit to change
    assert [default_sheet.cells[(FIRST, c)].value for c in (3, 4, 5)] == ["定性", "科学", "/"]


def test_layout__preset_editable_column__open_white_with_the_suggested_text(default_sheet: LSheet) -> None:
    cell = default_sheet.cells[UNIT_OWN_CELL]
    assert (cell.role, cell.locked, cell.style.fill) == (Role.ENTRY, False, None)
    assert str(cell.value).startswith("加强政务服务事项内容")
    # the row is still issued: the rest of it is grey, and what is compared on return leaves 三级 out
    assert default_sheet.cells[(16, 6)].locked
    issued = plan().issued["绩效指标"][5]
    assert "三级指标" not in issued and issued["二级指标"] == "经济效益指标"


def test_preset_lock__editable_column__row_recognised_whatever_it_holds() -> None:
    tbl = next(b for b in dept().sheets[0].blocks if isinstance(b, TableBlock))
    own = {**presets()[5], "三级指标": "本单位的个性化指标"}
    assert preset_lock(tbl, own) == frozenset({"一级指标", "二级指标", "指标解释", "评/扣分标准"})


def test_layout__text_columns__carry_the_text_type(default_sheet: LSheet) -> None:
    from xltemplates.form.model import ValueType

    types = {default_sheet.cells[(r, c)].vtype for r in range(FIRST, END) for c in range(8)}
    assert types == {ValueType.TEXT}


# --- merges ------------------------------------------------------------------------------------------------

def test_layout__title_and_instruction__span_a_to_h(default_sheet: LSheet) -> None:
    for r in (0, 1, 2, 7):
        assert (r, 0, r, 7) in default_sheet.merges
    for r in (3, 4, 5, 6):  # label in A, value B:H (span 0 = to the last column)
        assert (r, 1, r, 7) in default_sheet.merges


def test_layout__level1_and_level2__in_every_grey_row_no_vertical_merges(default_sheet: LSheet) -> None:
    """Nothing in the table is merged: a clerk can give any row its own 二级, and no merge stands in the way
    of a row inserted in a group (LibreOffice drops a merge it inserts into on a protected sheet)."""
    assert not [m for m in default_sheet.merges if m[0] != m[2]]
    assert [default_sheet.cells[(r, 0)].value for r in PRESET_ROWS[:6]] == ["产出指标"] * 5 + ["效益指标"]
    assert all(default_sheet.cells[(r, 0)].locked for r in PRESET_ROWS)


def test_layout__blank_and_spare_rows__have_no_merges(default_sheet: LSheet) -> None:
    assert not [m for m in default_sheet.merges if BLANK <= m[2] < END]
    assert not [m for m in default_sheet.merges if any(m[0] <= r <= m[2] for r in SPARE_ROWS) and m[1] != m[3]]


def test_layout__spare_rows__close_each_group_of_grey_rows(default_sheet: LSheet) -> None:
    tbl = table_of(default_sheet)
    assert tbl.positions == PRESET_ROWS
    for r in SPARE_ROWS:
        assert all(default_sheet.cells[(r, c)].role == Role.ENTRY and default_sheet.cells[(r, c)].value is None
                   for c in range(8))


def test_layout__units_own_rows__follow_the_presets_of_their_group_with_no_empty_row_between() -> None:
    """A group ending with the unit's own (white) row needs no spare rows: its rows follow the presets at once,
    and the spare rows it would have had are left blank at the end, so the table keeps its size. Only grey
    rows decide, so the layout rebuilt from what was issued (grey values only: the unit's rows are blank
    there) puts every row, and the blocks below the table, where they were."""
    p = presets()
    own = row(一级指标="产出指标", 二级指标="数量指标", 三级指标="新增指标")
    data = {"绩效指标": [p[0], own, p[5]]}
    tbl = table_of(only_sheet(plan(data)))
    assert tbl.positions == [FIRST, FIRST + 1, FIRST + 2]  # 产出, the unit's row under it, 效益 and its spares
    assert tbl.end_row == FIRST + 5 + 2 + BLANK_ROWS
    issued = plan(data).issued
    rebuilt = table_of(only_sheet(plan(issued)))
    assert (rebuilt.positions, rebuilt.end_row) == (tbl.positions, tbl.end_row)
    assert plan(issued).fingerprint == plan(data).fingerprint


@pytest.mark.parametrize("template_id", shipped_ids())
def test_shipped_forms__instruction__asks_nothing_the_protection_forbids(template_id: str) -> None:
    """The old lines asked clerks to merge cells and to copy the sheet; the protected sheet allows neither."""
    layout = build_layout(get_template(template_id, CTX), {})
    texts = [str(c.value) for s in layout.sheets for c in s.cells.values() if c.role == Role.INSTRUCTION and c.value]
    assert texts and all("合并单元格" not in t or "不需要合并单元格" in t for t in texts)
    assert not [t for t in texts if "复制本工作表" in t or "复制上一行" in t]
    assert all("插入行" in t for t in texts)  # and each says how to add a row


def test_layout__merge_column__only_runs_of_grey_rows_merge() -> None:
    """`merge: true` merges runs of issued values; the unit's own rows keep theirs in every row (a merge could
    not be undone on the protected sheet)."""
    raw = {
        "id": "m", "version": "1", "title": "m", "framework": "cn-2021",
        "sheets": [{"name": "S", "widths": [9, 9, 9], "blocks": [{"table": {
            "name": "指标", "spare_rows": 1, "blank_rows": 2,
            "columns": [{"key": "一级指标", "role": "required", "list": "level1", "merge": True},
                        {"key": "二级指标", "role": "required", "list": "level2", "cascade": "一级指标", "merge": True},
                        {"key": "三级指标", "role": "required"}],
            "presets": [{"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": f"预设{i}"} for i in range(2)],
        }}]}],
    }
    t = build_template(raw, "inline.yaml", CTX)
    own = {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "新增"}
    p = [dict(x) for x in t.sheets[0].blocks[0].presets]  # type: ignore[union-attr]
    sheet = only_sheet(build_layout(t, {"指标": [*p, own, dict(own, 三级指标="又一条")]}))
    assert sorted(m for m in sheet.merges if m[0] != m[2]) == [(1, 0, 2, 0), (1, 1, 2, 1)]  # the two issued rows
    assert [sheet.cells[(r, 0)].value for r in (3, 4)] == ["产出指标", "产出指标"]  # at once: no spare row between


def test_layout__grid_span_and_rowspan__become_merges() -> None:
    raw = {
        "id": "g", "version": "1", "title": "g",
        "sheets": [{"name": "S", "widths": [5, 5, 5], "blocks": [{"grid": [
            {"cells": [{"role": "header", "text": "左", "rowspan": 2},
                       {"role": "header", "text": "右", "span": 0}]},
            {"cells": [{"role": "entry", "field": "b"}, {"role": "entry", "field": "c"}]},
        ]}]}],
    }
    sheet = only_sheet(build_layout(build_template(raw, "inline.yaml", CTX), {}))
    assert sorted(sheet.merges) == [(0, 0, 1, 0), (0, 1, 0, 2)]
    assert sheet.cells[(1, 1)].field == "b" and sheet.cells[(1, 2)].field == "c"  # flows around the rowspan
    assert sheet.cells[(1, 0)].locked and sheet.cells[(1, 0)].value is None


# --- validations and cascade names --------------------------------------------------------------------------

def test_layout__validations__cover_every_table_row_including_blank_ones(default_sheet: LSheet) -> None:
    plain = [(v.first_row, v.last_row, v.col, v.list) for v in default_sheet.validations
             if v.list is not None and v.cascade_col is None]
    assert plain == [(FIRST, END - 1, 0, "level1"), (FIRST, END - 1, 3, "ops")]
    cascade = sorted((v.first_row, v.last_row) for v in default_sheet.validations if v.cascade_col == 0)
    rows = [r for r1, r2 in cascade for r in range(r1, r2 + 1)]
    assert rows == list(range(FIRST, END))  # every row once, blank ones included
    ops = next(v for v in default_sheet.validations if v.list == "ops")
    assert ops.hint is not None and "定性" in ops.hint and ops.title == "指标值类型"


def test_layout__cascade__one_range_over_the_whole_table_anchored_at_its_first_row(default_sheet: LSheet) -> None:
    """Each row looks up the last 一级 from the top down to itself (see source_for); one range, so rows a clerk
    inserts inside it only make it longer and its first cell (the formula's anchor) never moves."""
    cascade = [(v.first_row, v.last_row, v.cascade_row) for v in default_sheet.validations if v.list == "level2"]
    assert cascade == [(FIRST, END - 1, None)]
    assert {v.cascade_col for v in default_sheet.validations if v.list == "level2"} == {0}


def test_layout__hint_without_a_list__becomes_an_input_only_validation(default_sheet: LSheet) -> None:
    hints = {(v.first_row, v.col): v.hint for v in default_sheet.validations if v.list is None}
    assert hints[(FIRST, 4)] == "定量指标填数字，定性指标填文字（如 优、有效提升）"  # 指标值, over the whole table
    assert hints[(5, 1)] == "简要填写本单位的主要职责"  # 部门（单位）职责, a grid field


def test_layout__validations__grow_with_the_data_rows() -> None:
    rows = presets() + [row(一级指标="产出指标", 二级指标="质量指标", 三级指标=f"新{i}") for i in range(7)]
    sheet = only_sheet(plan({"绩效指标": rows}))
    table_rows = {(v.first_row, v.last_row) for v in sheet.validations if v.cascade_col is None and v.first_row >= FIRST}
    last = FIRST + 20 + 8 + BLANK_ROWS - 1  # 20 rows, two spare rows after each of the four grey groups, blank rows
    assert table_rows == {(FIRST, last)}
    assert max(v.last_row for v in sheet.validations) == last


def test_layout__grid_value_cell_with_a_list__gets_one_validation() -> None:
    raw = {
        "id": "g", "version": "1", "title": "g", "lists": {"yn": {"values": ["是", "否"]}},
        "sheets": [{"name": "S", "widths": [5, 5], "blocks": [{"grid": [
            {"cells": [{"role": "header", "text": "是否"}, {"role": "entry", "field": "是否", "list": "yn",
                                                          "hint": "选是或否"}]}]}]}],
    }
    sheet = only_sheet(build_layout(build_template(raw, "inline.yaml", CTX), {}))
    got = [(v.first_row, v.last_row, v.col, v.list, v.hint) for v in sheet.validations]
    assert got == [(0, 0, 1, "yn", "选是或否")]


def test_plan_lists__dept_overall__ascii_names_in_framework_order() -> None:
    t = dept()
    lp = plan_lists(t)
    assert [c.name for c in lp.columns] == [
        "xl_level1", "xl_level2", "xl_level2_01", "xl_level2_02", "xl_level2_03", "xl_level2_04", "xl_ops"]
    assert all(c.name.isascii() for c in lp.columns)
    assert lp.headers[2:6] == ("level2:产出指标", "level2:效益指标", "level2:满意度指标", "level2:成本指标")
    by_name = {c.name: c for c in lp.columns}
    assert by_name["xl_level2_01"].values == ("数量指标", "质量指标", "时效指标")
    assert by_name["xl_level2_04"].values == ("经济成本指标", "社会成本指标", "生态环境成本指标")
    assert by_name["xl_level2_01"].ref == "='_lists'!$C$2:$C$4"
    assert by_name["xl_ops"].ref == "='_lists'!$G$2:$G$7"


def test_source_for__cascade__the_last_一级_from_row_1_down_to_the_row_itself() -> None:
    formula = '=INDIRECT("xl_level2_"&TEXT(MATCH(LOOKUP(2,1/($A$1:$A10<>""),$A$1:$A10),xl_level1,0),"00"))'
    assert source_for(dept(), "level2", FIRST, 0) == formula
    assert len(formula) <= 255  # Excel's limit for a validation formula


def test_source_for__short_list__inline_and_quoted() -> None:
    assert source_for(dept(), "ops", None, None) == '"定性,>,≥,<,≤,="'
    assert source_for(dept(), "level1", None, None) == '"产出指标,效益指标,满意度指标,成本指标"'


def test_source_for__long_list_or_comma_in_a_value__uses_the_defined_name() -> None:
    raw = {
        "id": "g", "version": "1", "title": "g",
        "lists": {"long": {"values": [f"很长的选项{i:03d}" for i in range(60)]},
                  "comma": {"values": ["a,b", "c"]}},
        "sheets": [{"name": "S", "widths": [5],
                    "blocks": [{"grid": [{"cells": [{"role": "title", "text": "t"}]}]}]}],
    }
    t = build_template(raw, "inline.yaml", CTX)
    assert source_for(t, "long", None, None) == "=xl_long"
    assert source_for(t, "comma", None, None) == "=xl_comma"


# --- data replacing presets, issued data, fingerprint ------------------------------------------------------

def test_table_rows__data_given__replaces_the_presets() -> None:
    p = presets()
    changed_value = dict(p[0], 指标值="很科学")  # an open column of a preset: still the preset
    new = row(一级指标="产出指标", 二级指标="数量指标", 三级指标="新增指标",
              指标值类型="≥", 指标值="10", 计量单位="个")
    sheet = only_sheet(plan({"绩效指标": [changed_value, new]}))
    tbl = table_of(sheet)
    assert len(tbl.rows) == 2
    assert tbl.rows[0].locked == frozenset({"一级指标", "二级指标", "三级指标", "指标解释", "评/扣分标准"})
    assert tbl.rows[1].locked == frozenset()
    assert (tbl.first_row, tbl.end_row) == (FIRST, FIRST + 2 + 2 + BLANK_ROWS)  # the spare rows left at the end
    assert tbl.positions == [FIRST, FIRST + 1]  # the unit's row right under the preset
    assert sheet.cells[(FIRST, 4)].value == "很科学" and not sheet.cells[(FIRST, 4)].locked
    assert all(not sheet.cells[(FIRST + 1, c)].locked for c in range(8))
    assert sheet.cells[(FIRST + 1, 2)].value == "新增指标"


def test_table_rows__preset_with_a_locked_column_changed__is_a_new_row() -> None:
    edited = dict(presets()[0], 三级指标="改过的三级指标")
    tbl = table_of(only_sheet(plan({"绩效指标": [edited]})))
    assert tbl.rows[0].locked == frozenset()


def test_table_rows__empty_table_in_data__no_presets_and_only_blank_rows() -> None:
    sheet = only_sheet(plan({"绩效指标": []}))
    tbl = table_of(sheet)
    assert (tbl.rows, tbl.end_row) == ([], FIRST + BLANK_ROWS)
    assert not [m for m in sheet.merges if FIRST <= m[2] < tbl.end_row]


def test_preset_lock__without_preset_locked__locks_every_non_empty_preset_column() -> None:
    raw = {
        "id": "g", "version": "1", "title": "g",
        "sheets": [{"name": "S", "widths": [5, 5, 5], "blocks": [{"table": {
            "name": "t", "columns": [{"key": "a"}, {"key": "b"}, {"key": "c"}],
            "presets": [{"a": "1", "b": "2"}]}}]}],
    }
    tbl = build_template(raw, "inline.yaml", CTX).sheets[0].blocks[0]
    assert isinstance(tbl, TableBlock)
    assert preset_lock(tbl, {"a": "1", "b": "2", "c": "x"}) == frozenset({"a", "b"})
    assert preset_lock(tbl, {"a": "1", "b": "3", "c": None}) == frozenset()


def test_layout__issued__holds_the_locked_values_in_the_data_shape(default_sheet: LSheet) -> None:
    layout = plan()
    assert set(layout.issued) == {"部门单位名称", "绩效指标"}
    assert layout.issued["部门单位名称"] == "长沙市某局"
    issued_rows = layout.issued["绩效指标"]
    assert len(issued_rows) == 13
    assert issued_rows[0] == {k: v for k, v in presets()[0].items()
                              if k in ("一级指标", "二级指标", "三级指标", "指标解释", "评/扣分标准")}
    assert "部门（单位）职责" not in layout.issued


def test_layout__issued__every_row_in_order_with_only_the_preset_rows_locked() -> None:
    new = row(一级指标="产出指标", 二级指标="数量指标", 三级指标="新增指标")
    layout = plan({"绩效指标": [new, presets()[3]]})
    assert [r.get("三级指标") for r in layout.issued["绩效指标"]] == [None, "年度工作目标达成率"]
    assert layout.issued["绩效指标"][0] == {}  # an ordinary row: issued, nothing locked in it


def test_layout__no_issued_content__issued_holds_no_values() -> None:
    layout = plan({"绩效指标": []}, context={**CTX, "unit_name": ""})
    assert layout.issued == {"绩效指标": []}


def test_fingerprint__locked_value_changes__fingerprint_changes() -> None:
    base = plan().fingerprint
    assert plan(context={**CTX, "unit_name": "另一个单位"}).fingerprint != base
    assert plan(context={**CTX, "year": 2026}).fingerprint != base  # the title row holds the year
    assert plan({"绩效指标": presets()[:12]}).fingerprint != base


def test_fingerprint__entry_value_changes__fingerprint_unchanged() -> None:
    base = plan().fingerprint
    assert plan({"部门（单位）职责": "负责全县财政工作", "年度总体目标": "完成预算"}).fingerprint == base
    p = presets()
    p[3]["指标值"] = "95"  # an open column of an issued row
    assert plan({"绩效指标": p}).fingerprint == base


def test_fingerprint__same_input__same_hex_digest() -> None:
    a, b = plan(), plan()
    assert a.fingerprint == b.fingerprint
    assert len(a.fingerprint) == 64 and int(a.fingerprint, 16) >= 0


def test_layout__every_cell__sits_where_its_key_says(default_sheet: LSheet) -> None:
    cells: list[LCell] = list(default_sheet.cells.values())
    assert all((c.row, c.col) == k for k, c in default_sheet.cells.items())
    assert max(c.col for c in cells) == 7
    assert max(c.row for c in cells) == END + 3 - 1  # the signature block's three rows close the sheet


# --- repeated sheets ---------------------------------------------------------------------------------------

def repeated(name: str) -> Template:
    raw = {
        "id": "r", "version": "1", "title": "r",
        "sheets": [
            {"name": "汇总", "widths": [5], "blocks": [{"grid": [{"cells": [{"role": "title", "text": "汇总"}]}]}]},
            {"name": name, "repeat": "项目", "widths": [10, 20], "blocks": [{"grid": [{"cells": [
                {"role": "header", "text": "项目名称"}, {"role": "prefilled", "field": "项目名称"}]}]}]},
        ],
    }
    return build_template(raw, "inline.yaml", CTX)


def test_sheet_names__repeated_sheet__one_per_item_named_from_index_and_item() -> None:
    t = repeated("{{ index }}-{{ item.项目名称 }}")
    data = {"项目": [{"项目名称": "修路"}, {"项目名称": "饮水"}]}
    assert [name for _, name, _ in sheet_names(t, data)] == ["汇总", "1-修路", "2-饮水"]
    layout = build_layout(t, data)
    assert [s.index for s in layout.sheets] == [None, 0, 1]
    assert layout.issued == {"项目": [{"项目名称": "修路"}, {"项目名称": "饮水"}]}


def test_sheet_names__no_items__one_blank_copy() -> None:
    assert [name for _, name, _ in sheet_names(repeated("项目{{ index }}"), {})] == ["汇总", "项目1"]


def test_sheet_names__names_from_data__made_legal_and_unique() -> None:
    t = repeated("{{ item.项目名称 }}")
    items = [{"项目名称": "修路/桥"}, {"项目名称": "修路/桥"}, {}, {"项目名称": None}, {"项目名称": "_汇总"},
             {"项目名称": "长" * 40}]
    names = [name for _, name, _ in sheet_names(t, {"项目": items})]
    assert names == ["汇总", "修路_桥", "修路_桥(2)", "3", "4", "汇总(2)", "长" * 31]


def test_layout__issued_rows_with_long_text__get_a_row_height_that_shows_it(default_sheet: LSheet) -> None:
    """Neither Excel nor LibreOffice fits a row's height to wrapped text on open: the layout does."""
    long_row, short_row = FIRST, FIRST + 3  # 工作任务科学性 (a long 指标解释) / 年度工作目标达成率
    assert default_sheet.heights[long_row] >= 3 * 14
    assert default_sheet.heights[long_row] > default_sheet.heights.get(short_row, 15)
    # blank rows: room to write by hand on a printout (print.entry_height)
    assert all(default_sheet.heights[r] == PrintSpec().entry_height == 24 for r in range(END - 5, END))


def test_layout__spare_rows_per_group__a_bureau_only_group_gets_none() -> None:
    """`spare_rows: {成本指标: 0, "*": 1}`: every group closes with one spare row but 成本, which the unit
    does not add to (issue 20 item 4)."""
    raw = {
        "id": "s", "version": "1", "title": "s", "framework": "cn-2021",
        "sheets": [{"name": "S", "widths": [9, 9, 9], "blocks": [{"table": {
            "name": "指标", "spare_rows": {"成本指标": 0, "*": 1}, "blank_rows": 1,
            "columns": [{"key": "一级指标", "role": "required", "list": "level1", "fill_down": True},
                        {"key": "二级指标", "role": "required", "list": "level2", "cascade": "一级指标"},
                        {"key": "三级指标", "role": "required"}],
            "presets": [{"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "甲"},
                        {"一级指标": "成本指标", "二级指标": "经济成本指标", "三级指标": "乙"},
                        {"一级指标": "效益指标", "二级指标": "社会效益指标", "三级指标": "丙"}],
        }}]}],
    }
    t = build_template(raw, "inline.yaml", CTX)
    tbl = table_of(only_sheet(build_layout(t, {})))
    assert tbl.positions == [1, 3, 4]  # 产出 + 1 spare, 成本 + none, 效益 + 1 spare
    assert tbl.end_row == 1 + 3 + 2 + 1


def test_spare_rows__per_group_not_an_integer__refused_at_load() -> None:
    raw = {"id": "s", "version": "1", "title": "s", "framework": "cn-2021",
           "sheets": [{"name": "S", "widths": [9], "blocks": [{"table": {
               "name": "指标", "spare_rows": {"成本指标": "none"},
               "columns": [{"key": "一级指标", "role": "required", "list": "level1", "fill_down": True}]}}]}]}
    with pytest.raises(TemplateError, match="spare_rows.成本指标"):
        build_template(raw, "inline.yaml", CTX)


def test_layout__fill_rows__blank_rows_fill_the_table_up_to_it_never_below_blank_rows() -> None:
    t = get_template("project", CTX)
    block = next(b for b in t.sheets[0].blocks if isinstance(b, TableBlock))
    assert (block.blank_rows, block.fill_rows) == (3, 21)
    for n, blank in ((6, 15), (16, 5), (20, 3)):
        rows = [{"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": f"指标{i}", "指标值": "≥1次"} for i in range(n)]
        tbl = table_of(only_sheet(build_layout(t, {"项目": [{"项目名称": "甲", "绩效指标": rows}]})))
        assert tbl.end_row - tbl.first_row == n + blank, n
