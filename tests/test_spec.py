"""The template language: templates written inline load, and every broken one names file and key path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xltemplates.catalogue.load import build_template, load_template
from xltemplates.catalogue.registry import TEMPLATE_DIR, get_template, shipped_ids
from xltemplates.errors import TemplateError
from xltemplates.form.model import ColumnSpec, GridBlock, Role, TableBlock, ValueType
from xltemplates.form.walk import render_default

CTX = {"year": 2025, "unit_code": "430101", "unit_name": "长沙市某局"}
REPO_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def mini() -> dict[str, Any]:
    """A small but complete template: title, a label/value row, and an indicator table with a cascade."""
    return {
        "id": "mini",
        "version": "1",
        "title": "小表",
        "framework": "cn-2021",
        "lists": {"ops": {"values": ["定性", "≥", "≤"]}},
        "sheets": [{
            "name": "表{{ year }}",
            "widths": [10, 10, 10, 10],
            "blocks": [
                {"grid": [
                    {"cells": [{"role": "title", "text": "{{ year }}年度 小表", "span": 0}]},
                    {"cells": [{"role": "header", "text": "单位"},
                               {"role": "prefilled", "field": "单位", "default": "{{ unit_name }}",
                                "span": 0}]},
                ]},
                {"table": {
                    "name": "指标",
                    "columns": [
                        {"key": "一级指标", "role": "required", "list": "level1", "merge": True},
                        {"key": "二级指标", "role": "required", "list": "level2", "cascade": "一级指标",
                         "merge": True},
                        {"key": "三级指标", "role": "required"},
                        {"key": "指标值类型", "role": "optional", "list": "ops"},
                    ],
                }},
            ],
        }],
    }


def grid_rows(raw: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = raw["sheets"][0]["blocks"][0]["grid"]
    return rows


def table(raw: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = raw["sheets"][0]["blocks"][1]["table"]
    return body


def assert_error(raw: dict[str, Any], path: str, problem: str, context: dict[str, Any] | None = None) -> None:
    """The template fails with exactly `inline.yaml: <path>: <problem>...`."""
    with pytest.raises(TemplateError) as info:
        build_template(raw, "inline.yaml", CTX if context is None else context)
    assert info.value.source == "inline.yaml"
    assert info.value.path == path
    where = f"inline.yaml: {path}: " if path else "inline.yaml: "
    assert str(info.value).startswith(where + problem), str(info.value)


# --- templates that load -----------------------------------------------------------------------------------

def test_build__mini_template__loads_with_rendered_strings() -> None:
    t = build_template(mini(), "inline.yaml", CTX)
    sheet = t.sheets[0]
    assert (t.id, t.version, t.source, t.framework) == ("mini", "1", "inline.yaml", "cn-2021")
    assert sheet.name == "表2025"
    grid, tbl = sheet.blocks
    assert isinstance(grid, GridBlock) and isinstance(tbl, TableBlock)
    assert grid.rows[0].cells[0].text == "2025年度 小表"
    default = grid.rows[1].cells[1].default
    assert default == "{{ unit_name }}"  # kept as source: rendered per unit by the layout
    assert render_default(default, t.context) == "长沙市某局"
    assert grid.rows[1].cells[1].path == "sheets[0].blocks[0].grid[1].cells[1]"
    assert [c.key for c in tbl.columns] == ["一级指标", "二级指标", "三级指标", "指标值类型"]
    assert tbl.columns[3].path == "sheets[0].blocks[1].table.columns[3]"


def test_build__framework__provides_level1_level2_and_the_cascade() -> None:
    t = build_template(mini(), "inline.yaml", CTX)
    assert t.lists["level1"].values == ("产出指标", "效益指标", "满意度指标", "成本指标")
    assert t.cascades["level2"]["产出指标"] == ("数量指标", "质量指标", "时效指标")
    assert "可持续影响指标" in t.lists["level2"].values
    assert t.aliases["level2"]["环境效益指标"] == "生态效益指标"


def test_build__column_defaults__label_is_key_optional_text_and_merge_fills_down() -> None:
    raw = mini()
    raw["sheets"][0]["widths"].append(10)
    table(raw)["columns"].append({"key": "备注"})
    tbl = build_template(raw, "inline.yaml", CTX).sheets[0].blocks[1]
    assert isinstance(tbl, TableBlock)
    col = tbl.column("备注")
    assert (col.label, col.role, col.type, col.list, col.fill_down, col.span) == (
        "备注", Role.OPTIONAL, ValueType.TEXT, None, False, 1)
    assert tbl.column("一级指标").fill_down is True  # merge implies fill_down
    assert (tbl.blank_rows, tbl.max_rows, tbl.min_rows) == (20, 500, 0)


def test_build__set_extras_and_template_context_defaults__are_rendered() -> None:
    raw = mini()
    raw["context"] = {"province": "湖南省", "bureau": "财政局"}
    grid_rows(raw)[0]["cells"][0]["text"] = "{{ province }}{{ bureau }} {{ year }}"
    t = build_template(raw, "inline.yaml", {**CTX, "bureau": "县财政局"})  # --set overrides the default
    grid = t.sheets[0].blocks[0]
    assert isinstance(grid, GridBlock)
    assert grid.rows[0].cells[0].text == "湖南省县财政局 2025"


def test_load__same_file_two_contexts__each_rendered_for_its_own_unit(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(mini(), allow_unicode=True), encoding="utf-8")
    a = load_template(path, {**CTX, "unit_name": "甲单位"})
    b = load_template(path, {**CTX, "unit_name": "乙单位", "year": 2026})
    cells_a, cells_b = (x.sheets[0].blocks[0].rows[1].cells[1] for x in (a, b))  # type: ignore[union-attr]
    assert cells_a.default is not None and cells_b.default is not None
    assert (render_default(cells_a.default, a.context), render_default(cells_b.default, b.context)) == ("甲单位", "乙单位")
    assert (a.sheets[0].name, b.sheets[0].name) == ("表2025", "表2026")


def test_load__units_of_one_round__share_one_built_template(tmp_path: Path) -> None:
    """Only the unit changes: the structure is built once (defaults are rendered per unit by the layout)."""
    import yaml

    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(mini(), allow_unicode=True), encoding="utf-8")
    a = load_template(path, {**CTX, "unit_name": "甲单位"})
    b = load_template(path, {**CTX, "unit_name": "乙单位"})
    assert a.sheets is b.sheets and a.context["unit_name"] == "甲单位" and b.context["unit_name"] == "乙单位"


def test_build__repeated_sheet_name_using_the_item__loads() -> None:
    raw = mini()
    raw["sheets"][0].update(name="{{ index }}-{{ item.项目名称 }}", repeat="项目")
    t = build_template(raw, "inline.yaml", CTX)
    assert (t.sheets[0].name, t.sheets[0].name_pattern) == ("1-", "{{ index }}-{{ item.项目名称 }}")


def test_build__preset_numbers_in_text_column__become_text() -> None:
    raw = mini()
    raw["sheets"][0]["widths"].append(10)
    table(raw)["columns"].append({"key": "数量", "type": "number"})
    table(raw)["presets"] = [{"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": 100, "数量": 3}]
    tbl = build_template(raw, "inline.yaml", CTX).sheets[0].blocks[1]
    assert isinstance(tbl, TableBlock)
    assert tbl.presets[0]["三级指标"] == "100"
    assert tbl.presets[0]["数量"] == 3


# --- every broken template names the file and the key path ------------------------------------------------

def _second_sheet(raw: dict[str, Any]) -> None:
    second = copy.deepcopy(raw["sheets"][0])
    second["blocks"] = [{"grid": [{"cells": [{"role": "title", "text": "二"}]}]}]
    raw["sheets"].append(second)


def _cascade_under_level2(raw: dict[str, Any]) -> None:
    table(raw)["columns"][1]["cascade"] = None
    table(raw)["columns"][2].update(list="level2", cascade="二级指标")


def _cell(raw: dict[str, Any], row: int, cell: int) -> dict[str, Any]:
    found: dict[str, Any] = grid_rows(raw)[row]["cells"][cell]
    return found


def _column(raw: dict[str, Any], i: int) -> dict[str, Any]:
    found: dict[str, Any] = table(raw)["columns"][i]
    return found


COLUMNS = "sheets[0].blocks[1].table.columns"
CELLS = "sheets[0].blocks[0].grid"
PRESET = "sheets[0].blocks[1].table.presets[0]"
Mutation = Callable[[dict[str, Any]], object]

#: (test id, how mini() is broken, the key path named, the start of the problem named)
BROKEN: list[tuple[str, Mutation, str, str]] = [
    ("unknown_top_key", lambda raw: raw.update(colour="blue"),
     "colour", "unknown key (allowed: context, description, framework, id, lists, rules, "),
    ("missing_top_key", lambda raw: raw.pop("sheets"), "", "missing key 'sheets'"),
    ("unknown_list_in_a_column", lambda raw: _column(raw, 3).update(list="ops2"),
     f"{COLUMNS}[3].list", "unknown list 'ops2' (known: level1, level2, ops)"),
    ("unknown_list_in_a_cell", lambda raw: _cell(raw, 1, 1).update(list="nope"),
     f"{CELLS}[1].cells[1].list", "unknown list 'nope'"),
    ("bad_cell_role", lambda raw: _cell(raw, 1, 0).update(role="blue"),
     f"{CELLS}[1].cells[0].role", "unknown value 'blue' (allowed: title, instruction, header, required, optional, "
                                  "prefilled, entry)"),
    ("entry_role_on_a_column", lambda raw: _column(raw, 2).update(role="entry"),
     f"{COLUMNS}[2].role", "a column header is 'required' (yellow)"),
    ("label_cell_without_text", lambda raw: grid_rows(raw)[1]["cells"].__setitem__(0, {"role": "header"}),
     f"{CELLS}[1].cells[0]", "a 'header' cell needs 'text' and no 'field'"),
    ("value_cell_without_field",
     lambda raw: grid_rows(raw)[1]["cells"].__setitem__(1, {"role": "entry", "text": "单位"}),
     f"{CELLS}[1].cells[1]", "a 'entry' cell needs 'field' (its data key)"),
    ("cascade_to_a_column_on_the_right", lambda raw: _column(raw, 0).update(cascade="二级指标"),
     f"{COLUMNS}[0].cascade", "'二级指标' must name a column to the left of this one"),
    ("cascade_on_a_list_that_does_not_cascade", lambda raw: _column(raw, 3).update(cascade="一级指标"),
     f"{COLUMNS}[3].cascade", "a cascade needs 'list: level2'"),
    ("cascade_under_a_column_without_level1", _cascade_under_level2,
     f"{COLUMNS}[2].cascade", "the column '二级指标' needs 'list: level1'"),
    ("duplicate_column_key", lambda raw: _column(raw, 3).update(key="三级指标"),
     f"{COLUMNS}[3].key", "duplicate column key '三级指标'"),
    ("duplicate_data_key",
     lambda raw: grid_rows(raw).append({"cells": [{"role": "header", "text": "又一个"}, {"role": "entry", "field": "单位"}]}),
     f"{CELLS}[2].cells[1]", "data key '单位' is already used at sheets[0].blocks[0].grid[1].cells[1]"),
    ("table_named_like_a_field", lambda raw: table(raw).update(name="单位"),
     "sheets[0].blocks[1].table", "data key '单位' is already used at"),
    ("row_wider_than_widths",
     lambda raw: grid_rows(raw).append({"cells": [{"role": "header", "text": "a", "span": 3},
                                                  {"role": "entry", "field": "b", "span": 2}]}),
     f"{CELLS}[2]", "row spans 5 columns but the sheet declares 4 widths"),
    ("table_wider_than_widths", lambda raw: table(raw)["columns"].append({"key": "第五列"}),
     COLUMNS, "5 columns but the sheet declares 4 widths"),
    ("duplicate_sheet_name", _second_sheet, "sheets[1].name", "duplicate sheet name '表2025'"),
    ("jinja_undefined_variable", lambda raw: _cell(raw, 0, 0).update(text="{{ yeer }}年度"),
     f"{CELLS}[0].cells[0].text", "template expression failed: 'yeer' is undefined"),
    ("jinja_syntax_error", lambda raw: _cell(raw, 1, 1).update(default="{{ unit_name "),
     f"{CELLS}[1].cells[1].default", "template expression failed:"),
    ("unknown_framework", lambda raw: raw.update(framework="cn-1999"),
     "framework", "unknown framework 'cn-1999' (known: cn-2021, cn-legacy)"),
    ("framework_name_with_a_path", lambda raw: raw.update(framework="../frameworks/cn-2021"),
     "framework", "unknown framework '../frameworks/cn-2021'"),
    ("list_name_not_ascii", lambda raw: raw["lists"].update({"类型": {"values": ["a"]}}),
     "lists.类型", "list names are ASCII identifiers"),
    ("list_name_taken_by_the_framework", lambda raw: raw["lists"].update(level1={"values": ["产出指标"]}),
     "lists.level1", "'level1' is provided by the framework 'cn-2021'"),
    ("empty_list", lambda raw: raw["lists"].update(ops={"values": []}),
     "lists.ops.values", "a list needs at least one value"),
    ("preset_value_outside_its_list",
     lambda raw: table(raw).update(presets=[{"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "a",
                                             "指标值类型": ">="}]),
     f"{PRESET}.指标值类型", "'>=' is not in the list 'ops'"),
    ("preset_level2_not_under_its_level1",
     lambda raw: table(raw).update(presets=[{"一级指标": "效益指标", "二级指标": "数量指标", "三级指标": "a"}]),
     f"{PRESET}.二级指标", "'数量指标' does not belong to 一级指标 '效益指标'"),
    ("preset_key_not_a_column", lambda raw: table(raw).update(presets=[{"一级": "产出指标"}]),
     f"{PRESET}.一级", "not a column of this table"),
    ("preset_locked_not_a_column", lambda raw: table(raw).update(preset_locked=["一级指标", "四级指标"]),
     "sheets[0].blocks[1].table.preset_locked[1]", "not a column of this table: '四级指标'"),
    ("preset_editable_not_a_column",
     lambda raw: table(raw).update(presets=[{"一级指标": "产出指标", "editable": ["三级指标", "四级指标"]}]),
     "sheets[0].blocks[1].table.presets[0].editable[1]", "not a column of this table: '四级指标'"),
    ("style_fill_not_text", lambda raw: raw.update(styles={"header": {"fill": ["#BDD7EE"]}}),
     "styles.header.fill", "expected text"),
    ("style_bold_not_a_flag", lambda raw: raw.update(styles={"header": {"bold": "yes"}}),
     "styles.header.bold", "expected true or false, got 'yes'"),
    ("style_align_unknown", lambda raw: raw.update(styles={"title": {"align": "middle"}}),
     "styles.title.align", "unknown value 'middle'"),
    ("unknown_style_role", lambda raw: raw.update(styles={"blue": {"fill": "#0000FF"}}),
     "styles.blue", "unknown value 'blue'"),
    ("negative_blank_rows", lambda raw: table(raw).update(blank_rows=-1),
     "sheets[0].blocks[1].table.blank_rows", "expected an integer >= 0, got -1"),
    ("block_of_unknown_kind", lambda raw: raw["sheets"][0]["blocks"].append({"chart": {}}),
     "sheets[0].blocks[2]", "a block is either 'grid: [rows]', 'table: {...}' or 'signature: {...}'"),
    ("unknown_value_kind", lambda raw: _column(raw, 3).update(value="percent"),
     f"{COLUMNS}[3].value", "unknown value 'percent' (allowed: indicator, operator, number, unit, switch)"),
]


@pytest.mark.parametrize(("mutate", "path", "problem"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_build__broken_template__names_the_file_and_the_key_path(mutate: Mutation, path: str, problem: str) -> None:
    raw = mini()
    mutate(raw)
    assert_error(raw, path, problem)


@pytest.mark.parametrize("name", ["a/b", "a[1]", "问题?", "_hidden", "", "长" * 32])
def test_build__bad_sheet_name__names_the_sheet(name: str) -> None:
    raw = mini()
    raw["sheets"][0]["name"] = name
    assert_error(raw, "sheets[0].name", f"invalid sheet name {name!r}")


def test_build__preset_editable__kept_apart_from_the_values() -> None:
    raw = mini()
    table(raw)["presets"] = [{"一级指标": "产出指标", "editable": ["一级指标"]}, {"一级指标": "效益指标"}]
    tbl = build_template(raw, "t.yaml", CTX).sheets[0].blocks[1]
    assert isinstance(tbl, TableBlock)
    assert tbl.presets[0] == {"一级指标": "产出指标"}
    assert tbl.preset_editable == (frozenset({"一级指标"}), frozenset())


def test_load__invalid_yaml__names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nsheets: [\n  - {name: a\n", encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        load_template(path, CTX)
    assert str(info.value).startswith(f"{path}: not valid YAML: ")
    assert "line" in str(info.value)


def test_load__top_level_not_a_mapping__names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="the top level must be a mapping"):
        load_template(path, CTX)


def test_load__missing_file__names_the_file(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="cannot read"):
        load_template(tmp_path / "nope.yaml", CTX)


def test_load__error_in_a_file__names_the_file_and_key_path(tmp_path: Path) -> None:
    import yaml

    raw = mini()
    table(raw)["columns"][3]["list"] = "ops2"
    path = tmp_path / "prov.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        load_template(path, CTX)
    where = f"{path}: sheets[0].blocks[1].table.columns[3].list: "
    assert str(info.value).startswith(where + "unknown list 'ops2'")


def test_registry__unknown_template_id__lists_the_shipped_ones() -> None:
    with pytest.raises(TemplateError, match="unknown template id .*dept-overall"):
        get_template("no-such-form", CTX)


# --- shipped templates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(REPO_TEMPLATES.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_template__every_file__loads(path: Path) -> None:
    t = load_template(path, CTX)
    assert t.id == path.stem
    assert t.sheets


def test_shipped_templates__package_dir__is_the_repo_dir() -> None:
    assert shipped_ids() == sorted(p.stem for p in REPO_TEMPLATES.glob("*.yaml"))
    assert TEMPLATE_DIR.resolve() == REPO_TEMPLATES.resolve()


def test_dept_overall__table__has_the_eight_columns_and_thirteen_presets() -> None:
    t = get_template("dept-overall", CTX)
    tbl = t.table("绩效指标")
    assert [c.key for c in tbl.columns] == [
        "一级指标", "二级指标", "三级指标", "指标值类型", "指标值", "计量单位", "指标解释", "评/扣分标准"]
    assert len(tbl.presets) == 13
    roles = {c.key: c.role for c in tbl.columns}
    assert [k for k, r in roles.items() if r == Role.REQUIRED] == [
        "一级指标", "二级指标", "三级指标", "指标值类型", "指标值"]
    level2: ColumnSpec = tbl.column("二级指标")
    assert (level2.list, level2.cascade, level2.merge, level2.fill_down) == ("level2", "一级指标", False, True)
    assert t.lists["ops"].values == ("定性", ">", "≥", "<", "≤", "=")
    grid = t.sheets[0].blocks[0]
    assert isinstance(grid, GridBlock)
    assert grid.rows[1].cells[0].text == "（2025年度）"
