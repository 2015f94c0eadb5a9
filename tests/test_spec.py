"""The template language: templates written inline load, and every broken one names file and key path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from xltemplates.errors import TemplateError
from xltemplates.spec.load import build_template, load_template
from xltemplates.spec.model import ColumnSpec, GridBlock, Role, TableBlock, ValueType
from xltemplates.spec.registry import TEMPLATE_DIR, get_template, shipped_ids
from xltemplates.spec.walk import render_default

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

def test_build__unknown_top_key__names_the_key() -> None:
    raw = mini()
    raw["colour"] = "blue"
    assert_error(raw, "colour", "unknown key (allowed: context, description, framework, id, lists, rules, ")


def test_build__missing_top_key__names_the_key() -> None:
    raw = mini()
    del raw["sheets"]
    assert_error(raw, "", "missing key 'sheets'")


def test_build__unknown_list_in_a_column__names_the_column_path() -> None:
    raw = mini()
    table(raw)["columns"][3]["list"] = "ops2"
    assert_error(raw, "sheets[0].blocks[1].table.columns[3].list",
                 "unknown list 'ops2' (known: level1, level2, ops)")


def test_build__unknown_list_in_a_cell__names_the_cell_path() -> None:
    raw = mini()
    grid_rows(raw)[1]["cells"][1]["list"] = "nope"
    assert_error(raw, "sheets[0].blocks[0].grid[1].cells[1].list", "unknown list 'nope'")


def test_build__bad_cell_role__names_the_role_and_the_allowed_values() -> None:
    raw = mini()
    grid_rows(raw)[1]["cells"][0]["role"] = "blue"
    assert_error(raw, "sheets[0].blocks[0].grid[1].cells[0].role",
                 "unknown value 'blue' (allowed: title, instruction, header, required, optional, "
                 "prefilled, entry)")


def test_build__entry_role_on_a_column__is_refused() -> None:
    raw = mini()
    table(raw)["columns"][2]["role"] = "entry"
    assert_error(raw, "sheets[0].blocks[1].table.columns[2].role", "a column header is 'required' (yellow)")


def test_build__label_cell_without_text__names_the_cell() -> None:
    raw = mini()
    grid_rows(raw)[1]["cells"][0] = {"role": "header"}
    assert_error(raw, "sheets[0].blocks[0].grid[1].cells[0]", "a 'header' cell needs 'text' and no 'field'")


def test_build__value_cell_without_field__names_the_cell() -> None:
    raw = mini()
    grid_rows(raw)[1]["cells"][1] = {"role": "entry", "text": "单位"}
    assert_error(raw, "sheets[0].blocks[0].grid[1].cells[1]", "a 'entry' cell needs 'field' (its data key)")


def test_build__cascade_to_a_column_on_the_right__is_refused() -> None:
    raw = mini()
    table(raw)["columns"][0]["cascade"] = "二级指标"
    assert_error(raw, "sheets[0].blocks[1].table.columns[0].cascade",
                 "'二级指标' must name a column to the left of this one")


def test_build__cascade_on_a_list_that_does_not_cascade__is_refused() -> None:
    raw = mini()
    table(raw)["columns"][3]["cascade"] = "一级指标"
    assert_error(raw, "sheets[0].blocks[1].table.columns[3].cascade", "a cascade needs 'list: level2'")


def test_build__cascade_under_a_column_without_level1__is_refused() -> None:
    raw = mini()
    table(raw)["columns"][1]["cascade"] = None
    table(raw)["columns"][2].update(list="level2", cascade="二级指标")
    assert_error(raw, "sheets[0].blocks[1].table.columns[2].cascade",
                 "the column '二级指标' needs 'list: level1'")


def test_build__duplicate_column_key__names_the_second_column() -> None:
    raw = mini()
    table(raw)["columns"][3]["key"] = "三级指标"
    assert_error(raw, "sheets[0].blocks[1].table.columns[3].key", "duplicate column key '三级指标'")


def test_build__duplicate_data_key__names_both_places() -> None:
    raw = mini()
    grid_rows(raw).append({"cells": [{"role": "header", "text": "又一个"},
                                     {"role": "entry", "field": "单位"}]})
    assert_error(raw, "sheets[0].blocks[0].grid[2].cells[1]",
                 "data key '单位' is already used at sheets[0].blocks[0].grid[1].cells[1]")


def test_build__table_named_like_a_field__is_a_duplicate_data_key() -> None:
    raw = mini()
    table(raw)["name"] = "单位"
    assert_error(raw, "sheets[0].blocks[1].table", "data key '单位' is already used at")


def test_build__row_wider_than_widths__names_the_row() -> None:
    raw = mini()
    grid_rows(raw).append({"cells": [{"role": "header", "text": "a", "span": 3},
                                     {"role": "entry", "field": "b", "span": 2}]})
    assert_error(raw, "sheets[0].blocks[0].grid[2]", "row spans 5 columns but the sheet declares 4 widths")


def test_build__table_wider_than_widths__names_the_columns() -> None:
    raw = mini()
    table(raw)["columns"].append({"key": "第五列"})
    assert_error(raw, "sheets[0].blocks[1].table.columns", "5 columns but the sheet declares 4 widths")


@pytest.mark.parametrize("name", ["a/b", "a[1]", "问题?", "_hidden", "", "长" * 32])
def test_build__bad_sheet_name__names_the_sheet(name: str) -> None:
    raw = mini()
    raw["sheets"][0]["name"] = name
    assert_error(raw, "sheets[0].name", f"invalid sheet name {name!r}")


def test_build__duplicate_sheet_name__names_the_second_sheet() -> None:
    raw = mini()
    second = copy.deepcopy(raw["sheets"][0])
    second["blocks"] = [{"grid": [{"cells": [{"role": "title", "text": "二"}]}]}]
    raw["sheets"].append(second)
    assert_error(raw, "sheets[1].name", "duplicate sheet name '表2025'")


def test_build__jinja_undefined_variable__names_the_string() -> None:
    raw = mini()
    grid_rows(raw)[0]["cells"][0]["text"] = "{{ yeer }}年度"
    assert_error(raw, "sheets[0].blocks[0].grid[0].cells[0].text",
                 "template expression failed: 'yeer' is undefined")


def test_build__jinja_syntax_error__names_the_string() -> None:
    raw = mini()
    grid_rows(raw)[1]["cells"][1]["default"] = "{{ unit_name "
    assert_error(raw, "sheets[0].blocks[0].grid[1].cells[1].default", "template expression failed:")


def test_build__unknown_framework__names_the_framework_key() -> None:
    raw = mini()
    raw["framework"] = "cn-1999"
    assert_error(raw, "framework", "unknown framework 'cn-1999' (known: cn-2021, cn-legacy)")


def test_build__framework_name_with_a_path__is_an_unknown_framework() -> None:
    raw = mini()
    raw["framework"] = "../frameworks/cn-2021"
    assert_error(raw, "framework", "unknown framework '../frameworks/cn-2021'")


def test_build__list_name_not_ascii__names_the_list() -> None:
    raw = mini()
    raw["lists"]["类型"] = {"values": ["a"]}
    assert_error(raw, "lists.类型", "list names are ASCII identifiers")


def test_build__list_name_taken_by_the_framework__is_refused() -> None:
    raw = mini()
    raw["lists"]["level1"] = {"values": ["产出指标"]}
    assert_error(raw, "lists.level1", "'level1' is provided by the framework 'cn-2021'")


def test_build__empty_list__names_its_values() -> None:
    raw = mini()
    raw["lists"]["ops"] = {"values": []}
    assert_error(raw, "lists.ops.values", "a list needs at least one value")


def test_build__preset_value_outside_its_list__names_the_preset_key() -> None:
    raw = mini()
    table(raw)["presets"] = [{"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "a",
                              "指标值类型": ">="}]
    assert_error(raw, "sheets[0].blocks[1].table.presets[0].指标值类型", "'>=' is not in the list 'ops'")


def test_build__preset_level2_not_under_its_level1__names_the_preset_key() -> None:
    raw = mini()
    table(raw)["presets"] = [{"一级指标": "效益指标", "二级指标": "数量指标", "三级指标": "a"}]
    assert_error(raw, "sheets[0].blocks[1].table.presets[0].二级指标",
                 "'数量指标' does not belong to 一级指标 '效益指标'")


def test_build__preset_key_not_a_column__names_the_preset_key() -> None:
    raw = mini()
    table(raw)["presets"] = [{"一级": "产出指标"}]
    assert_error(raw, "sheets[0].blocks[1].table.presets[0].一级", "not a column of this table")


def test_build__preset_locked_not_a_column__names_the_entry() -> None:
    raw = mini()
    table(raw)["preset_locked"] = ["一级指标", "四级指标"]
    assert_error(raw, "sheets[0].blocks[1].table.preset_locked[1]", "not a column of this table: '四级指标'")


def test_build__style_of_the_wrong_type__names_the_style_key() -> None:
    raw = mini()
    raw["styles"] = {"header": {"fill": ["#BDD7EE"]}}
    assert_error(raw, "styles.header.fill", "expected text")
    raw["styles"] = {"header": {"bold": "yes"}}
    assert_error(raw, "styles.header.bold", "expected true or false, got 'yes'")
    raw["styles"] = {"title": {"align": "middle"}}
    assert_error(raw, "styles.title.align", "unknown value 'middle'")


def test_build__unknown_style_role__names_the_role() -> None:
    raw = mini()
    raw["styles"] = {"blue": {"fill": "#0000FF"}}
    assert_error(raw, "styles.blue", "unknown value 'blue'")


def test_build__negative_blank_rows__names_the_key() -> None:
    raw = mini()
    table(raw)["blank_rows"] = -1
    assert_error(raw, "sheets[0].blocks[1].table.blank_rows", "expected an integer >= 0, got -1")


def test_build__block_of_unknown_kind__names_the_block() -> None:
    raw = mini()
    raw["sheets"][0]["blocks"].append({"chart": {}})
    assert_error(raw, "sheets[0].blocks[2]", "a block is either 'grid: [rows]' or 'table: {...}'")


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
    assert (level2.list, level2.cascade, level2.merge) == ("level2", "一级指标", True)
    assert t.lists["ops"].values == ("定性", ">", "≥", "<", "≤", "=")
    grid = t.sheets[0].blocks[0]
    assert isinstance(grid, GridBlock)
    assert grid.rows[1].cells[0].text == "（2025年度）"
