"""`xltemplates infer` on official-looking forms built with openpyxl (tests/official_forms.py, never by generate):
the inferred template loads, generates a workbook whose header texts, fills, merges and dropdown lists match the
source's cell for cell, and a workbook filled in from it reads back exactly."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from official_forms import LAYOUTS
from returned import returned
from typer.testing import CliRunner

from xltemplates.catalogue.registry import get_template
from xltemplates.cli import app
from xltemplates.infer import infer
from xltemplates.infer.source import _cells_of, _list_values
from xltemplates.reader.check import check_bytes
from xltemplates.writer.generate import generate_bytes, make_context

# what the bureau prefills so the generated workbook holds the source's grey values
ISSUED: dict[str, dict[str, Any]] = {
    "hunan": {},
    "hebei": {"项目编码": "13082325P00590110010F", "项目名称": "2025年防火经费", "预算数": 10, "其中：财政资金": 10},
    "scored": {"项目名称": "农村饮水安全巩固提升工程", "资金总额": 120.5},
    "grouped": {"项目名称": "农村公路养护"},
}
UNIT_NAME = {"hunan": "南县中鱼口镇党群和政务服务中心"}
# a clerk's filling: cell -> value, and the data path it lands on
FILLED: dict[str, dict[str, tuple[Any, tuple[Any, ...]]]] = {
    "hunan": {"B5": ("综窗队伍建设", ("部门（单位）职责",)), "B6": ("预算执行率≥100%", ("年度总体目标",)),
              "A13": ("成本指标", ("绩效指标", 4, "一级指标")), "B13": ("经济成本指标", ("绩效指标", 4, "二级指标")),
              "C13": ("人均办公成本", ("绩效指标", 4, "三级指标")), "D13": ("≤", ("绩效指标", 4, "指标值类型")),
              "E13": ("2", ("绩效指标", 4, "指标值")), "F13": ("万元", ("绩效指标", 4, "计量单位")),
              "B18": ("张三", ("填报人",))},
    "hebei": {"B7": ("购置防火物资", ("预算规模及资金用途",)), "F9": (10, ("12月底",)), "B10": ("完成防火任务", ("绩效目标",)),
              "A12": ("产出指标", ("绩效指标", 0, "一级指标")), "B12": ("数量指标", ("绩效指标", 0, "二级指标")),
              "C12": ("巡查次数", ("绩效指标", 0, "三级指标")), "E12": ("≥12次", ("绩效指标", 0, "指标值"))},
    "scored": {"F3": (45658, ("开始日期",)), "D5": (100.5, ("财政拨款",)), "E5": (20, ("其他资金",)),
               "A12": ("产出", ("绩效指标", 3, "一级指标")), "C12": (30, ("绩效指标", 3, "分值")),
               "D12": ("受益人口", ("绩效指标", 3, "指标内容")), "E12": ("≥5000人", ("绩效指标", 3, "指标值"))},
    "grouped": {"F2": (20, ("年度资金总额（万元）",)), "A5": ("产出指标", ("绩效指标", 0, "一级指标")),
                "B5": ("数量指标", ("绩效指标", 0, "二级指标")), "C5": ("养护里程", ("绩效指标", 0, "三级指标")),
                "D5": ("定量指标", ("绩效指标", 0, "指标属性")), "E5": (">=", ("绩效指标", 0, "指标性质")),
                "F5": ("35", ("绩效指标", 0, "指标值")), "G5": ("公里", ("绩效指标", 0, "计量单位"))},
}
DATA_VALUES = {45658: "2025-01-01"}


@pytest.fixture(params=list(LAYOUTS))
def layout(request: pytest.FixtureRequest, tmp_path: Path, forms_dir: Path) -> dict[str, Any]:
    name = request.param
    build, year, sheet = LAYOUTS[name]
    src = tmp_path / f"{name}.xlsx"
    src.write_bytes(build())
    result = infer(src, f"inferred-{name}")
    (forms_dir / f"inferred-{name}.yaml").write_text(result.text, encoding="utf-8")
    ctx = make_context(year, "430101", UNIT_NAME.get(name, "某某单位"))
    return {"name": name, "src": src, "result": result, "id": f"inferred-{name}", "year": year, "sheet": sheet,
            "ctx": ctx}


def _generated(lay: dict[str, Any]) -> bytes:
    return generate_bytes(lay["id"], lay["ctx"], ISSUED[lay["name"]]).content


def _cells(ws: Any) -> dict[str, Any]:
    return {c.coordinate: c for row in ws.iter_rows() for c in row}


def test_infer__official_form__template_loads_and_says_what_it_could_not(layout: dict[str, Any]) -> None:
    t = get_template(layout["id"], layout["ctx"])
    assert t.id == layout["id"] and t.sheets[0].name == layout["sheet"]
    text = layout["result"].text
    assert text.startswith("# Inferred by `xltemplates infer`")
    assert "# Could not infer:" in text and "rules: none inferred" in text
    assert yaml.safe_load(text)["id"] == layout["id"]


def test_infer__generated_workbook__texts_fills_merges_and_lists_match_the_source(layout: dict[str, Any]) -> None:
    src_wb = openpyxl.load_workbook(layout["src"])
    gen_wb = openpyxl.load_workbook(io.BytesIO(_generated(layout)))
    src, gen = src_wb[layout["sheet"]], gen_wb[layout["sheet"]]
    assert sorted(str(m) for m in gen.merged_cells.ranges) == sorted(str(m) for m in src.merged_cells.ranges)
    gcells = _cells(gen)
    compared = 0
    for ref, cell in _cells(src).items():
        if cell.__class__.__name__ == "MergedCell":
            continue
        if cell.value is not None:
            assert ref in gcells and gcells[ref].value == cell.value, (ref, cell.value, gcells.get(ref))
            compared += 1
    for row in src.iter_rows():
        for cell in row:
            if cell.fill is not None and cell.fill.fill_type == "solid":
                g = gen[cell.coordinate]
                assert g.fill.fill_type == "solid" and g.fill.fgColor.rgb[-6:] == cell.fill.fgColor.rgb[-6:], cell.coordinate
    assert compared > 10
    src_lists = {rc: _list_values(src_wb, str(dv.formula1)) for dv in src.data_validations.dataValidation
                 if dv.type == "list" for rc in _cells_of(str(dv.sqref))}
    gen_lists = {rc: _list_values(gen_wb, str(dv.formula1)) for dv in gen.data_validations.dataValidation
                 if dv.type == "list" for rc in _cells_of(str(dv.sqref))}
    assert src_lists
    for rc, values in src_lists.items():
        assert gen_lists.get(rc) == values, (rc, values, gen_lists.get(rc))
    assert (gen.page_setup.orientation == "landscape") == (src.page_setup.orientation == "landscape")
    assert str(gen.page_setup.paperSize or 9) == str(src.page_setup.paperSize or 9)
    src_fit = src.sheet_properties.pageSetUpPr
    if src_fit is not None and src_fit.fitToPage:
        assert gen.sheet_properties.pageSetUpPr.fitToPage
        assert (gen.page_setup.fitToWidth or 1) == (src.page_setup.fitToWidth or 1)  # 1 is the default, left out


def test_infer__filled_return__reads_back_exactly(layout: dict[str, Any]) -> None:
    untouched = check_bytes(_generated(layout), "blank.xlsx")
    assert untouched.errors == [] or all(f.code == "E-REQUIRED-EMPTY" for f in untouched.errors)
    edits = {ref: value for ref, (value, _) in FILLED[layout["name"]].items()}
    content = returned(layout["id"], ISSUED[layout["name"]], edits, ctx=layout["ctx"])
    report = check_bytes(content, "filled.xlsx")
    want = copy.deepcopy(untouched.data)
    t = get_template(layout["id"], layout["ctx"])
    for value, path in FILLED[layout["name"]].values():
        node: Any = want
        for step in path[:-1]:
            if isinstance(step, int):
                while len(node) <= step:
                    node.append(dict.fromkeys(c.key for c in t.table(str(path[0])).columns))
            node = node[step]
        node[path[-1]] = DATA_VALUES.get(value, value)
    assert [f for f in report.errors if f.code != "E-REQUIRED-EMPTY"] == []
    assert report.data == want


def test_infer_cli__writes_the_template(tmp_path: Path) -> None:
    src = tmp_path / "湖南整体.xlsx"
    src.write_bytes(LAYOUTS["hunan"][0]())
    out = tmp_path / "dept.yaml"
    r = CliRunner().invoke(app, ["infer", str(src), "-o", str(out), "--id", "hunan-dept"])
    assert r.exit_code == 0, r.output
    assert "wrote" in r.stdout and yaml.safe_load(out.read_text(encoding="utf-8"))["id"] == "hunan-dept"


def test_infer__theme_colours_with_tints__read_as_the_convention(tmp_path: Path) -> None:
    """Forms saved by Excel colour their headers with theme colours (蓝色，个性色1，淡色 60%) or the old palette."""
    from openpyxl.styles import PatternFill
    from openpyxl.styles.colors import Color

    from xltemplates.form.model import Role
    from xltemplates.infer.roles import fill_role
    from xltemplates.infer.source import read_official

    wb = openpyxl.load_workbook(io.BytesIO(LAYOUTS["hunan"][0]()))
    ws = wb["整体绩效目标申报表"]
    # openpyxl's theme is Office 2007's: accent1 blue, accent3 green; lt1 white; yellow from the legacy palette
    themed = {"A4": Color(theme=4, tint=0.6), "A5": Color(indexed=5), "F8": Color(theme=6, tint=0.6),
              "B4": Color(theme=0, tint=-0.15)}
    for ref, colour in themed.items():
        ws[ref].fill = PatternFill("solid", fgColor=colour)
    src = tmp_path / "themed.xlsx"
    wb.save(src)
    sheet = next(s for s in read_official(src) if s.name == "整体绩效目标申报表")
    roles = {ref: fill_role(sheet.cells[(int(ref[1:]) - 1, ord(ref[0]) - 65)].fill) for ref in themed}
    assert roles == {"A4": Role.HEADER, "A5": Role.REQUIRED, "F8": Role.OPTIONAL, "B4": Role.PREFILLED}
    assert sheet.cells[(3, 1)].fill == "#D9D9D9"  # white darkened 15%: Excel's 白色，背景1，深色 15%
