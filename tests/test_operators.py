"""Operators as a value grammar: a form's own spellings (>=, 正向), and a 定量/定性 switch column beside them."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from returned import save
from round_kit import stored_db, units
from typer.testing import CliRunner

from xltemplates.catalogue.load import build_template
from xltemplates.cellmap import from_layout
from xltemplates.cli import app
from xltemplates.errors import TemplateError
from xltemplates.form.model import Template
from xltemplates.layout import build_layout, layout_data
from xltemplates.reader.check import check_bytes
from xltemplates.round.db import open_db
from xltemplates.round.export_tables import round_tables
from xltemplates.round.store import Record
from xltemplates.rules import run_rules
from xltemplates.schema import validate_data
from xltemplates.writer.generate import generate_bytes, make_context

CTX = make_context(2025, "001", "某局")

# Another province's form: operators spelt >= and <=, no 定性 among them; 指标属性 says which rows are qualitative.
PROVINCE = """
id: province-ops
version: "1"
title: 项目支出绩效目标表
framework: cn-2021
lists:
  ops:
    values: [">=", "<=", ">", "<", "="]
  nature:
    values: [定量指标, 定性指标]
  direction:
    values: [{value: 正向, means: "≥"}, {value: 反向, means: "≤"}, 定性]
sheets:
  - name: 绩效目标
    widths: [12, 14, 16, 10, 8, 10, 8]
    blocks:
      - table:
          name: 绩效指标
          blank_rows: 3
          columns:
            - {key: 一级指标, role: required, list: level1}
            - {key: 二级指标, role: required, list: level2, cascade: 一级指标}
            - {key: 三级指标, role: required}
            - {key: 指标属性, role: required, list: nature, value: switch}
            - {key: 指标性质, role: optional, list: ops, value: operator}
            - {key: 指标值, role: required, value: number}
            - {key: 计量单位, role: optional, value: unit}
rules:
  - {rule: indicator, table: 绩效指标}
"""


def province(**change: Any) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(PROVINCE)
    column = raw["sheets"][0]["blocks"][0]["table"]["columns"][4]
    column.update(change)
    return raw


def row(nature: str | None, op: str | None, value: str | None, unit: str | None = None, **more: str) -> dict[str, Any]:
    return {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "培训人次", "指标属性": nature, "指标性质": op,
            "指标值": value, "计量单位": unit, **more}


def findings(t: Template, rows: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    layout = build_layout(t, validate_data(t, {"绩效指标": rows}))
    return [(f.cell, f.code) for f in run_rules(t, layout_data(layout), from_layout(layout), 2025)]


@pytest.fixture
def t() -> Template:
    return build_template(province(), "province-ops.yaml", CTX)


# ---- the indicator rule with the form's own spellings ----------------------------------------------------

def test_indicator__form_spells_ge_as_ascii__quantitative_row_checked(t: Template) -> None:
    assert findings(t, [row("定量指标", ">=", "很多")]) == [("F2", "E-NOT-NUMBER"), ("G2", "E-UNIT-MISSING")]
    assert findings(t, [row("定量指标", ">=", "200", "人次")]) == []


def messages(t: Template, rows: list[dict[str, Any]]) -> list[str]:
    layout = build_layout(t, validate_data(t, {"绩效指标": rows}))
    return [f.message for f in run_rules(t, layout_data(layout), from_layout(layout), 2025)]


def test_indicator__switch_column_decides__its_own_name_in_the_message(t: Template) -> None:
    assert messages(t, [row("定性指标", None, "95")]) == [
        "[绩效目标!F2] 指标属性为「定性指标」时，「指标值」应为文字（如 优、合格、有效提升），实际为「95」。"
        "如为数值请将指标属性改为定量指标。"]
    assert messages(t, [row("定量指标", None, "200")]) == [
        "[绩效目标!G2] 指标属性为「定量指标」（定量指标）时，「计量单位」不能为空。请填写计量单位，如 %、个、万元。"]


def test_indicator__operator_column_decides__its_own_name_in_the_message(t: Template) -> None:
    assert messages(t, [row("定量指标", ">=", "200")]) == [
        "[绩效目标!G2] 指标性质为「>=」（定量指标）时，「计量单位」不能为空。请填写计量单位，如 %、个、万元。"]


def test_indicator__switch_says_qualitative__no_number_asked_for(t: Template) -> None:
    assert findings(t, [row("定性指标", None, "有效提升"), row("定性指标", "=", "合格")]) == []
    assert findings(t, [row("定性指标", None, "95")]) == [("F2", "E-QUALITATIVE-VALUE")]


def test_indicator__switch_says_quantitative_without_operator__number_and_unit_asked_for(t: Template) -> None:
    assert findings(t, [row("定量指标", None, "很多")]) == [("F2", "E-NOT-NUMBER"), ("G2", "E-UNIT-MISSING")]


def test_indicator__deadline_under_a_quantitative_operator__neither_number_nor_unit_asked_for(t: Template) -> None:
    assert findings(t, [row("定量指标", "<=", "12月底前有序完成")]) == []


def test_indicator__declared_meanings__own_words_for_operators() -> None:
    t = build_template(province(list="direction"), "province-ops.yaml", CTX)
    assert t.lists["direction"].meanings == {"正向": "≥", "反向": "≤", "定性": "定性"}
    assert findings(t, [row("定量指标", "正向", "很多")]) == [("F2", "E-NOT-NUMBER"), ("G2", "E-UNIT-MISSING")]
    assert findings(t, [row("定量指标", "定性", "良好")]) == []


LOAD_ERRORS = [
    pytest.param({"values": [">=", "大约"]}, "sheets[0].blocks[0].table.columns[4].list",
                 "the list 'ops' value '大约' has no meaning as an operator", id="operator-value-without-meaning"),
    pytest.param({"values": [{"value": "正向", "means": "大于"}]}, "lists.ops.values[0].means",
                 "unknown meaning '大于' (allowed: 定性, >, ≥, <, ≤, =, 定量)", id="unknown-meaning"),
    pytest.param({"values": [{"value": "正向"}]}, "lists.ops.values[0]", "missing key 'means'", id="means-missing"),
]


@pytest.mark.parametrize(("ops", "path", "problem"), LOAD_ERRORS)
def test_operator_list__value_without_meaning__template_error_with_key_path(ops: dict[str, Any], path: str,
                                                                            problem: str) -> None:
    raw = province()
    raw["lists"]["ops"] = ops
    with pytest.raises(TemplateError) as exc:
        build_template(raw, "province-ops.yaml", CTX)
    assert f"province-ops.yaml: {path}: {problem}" in str(exc.value)


def test_switch_column__without_a_list__template_error() -> None:
    raw = province()
    del raw["sheets"][0]["blocks"][0]["table"]["columns"][3]["list"]
    with pytest.raises(TemplateError, match=r"columns\[3\]: a switch column needs a list"):
        build_template(raw, "province-ops.yaml", CTX)


# ---- returned workbooks: any common spelling comes back as the list's own ---------------------------------

@pytest.fixture
def forms(forms_dir: Path) -> Path:
    (forms_dir / "province-ops.yaml").write_text(PROVINCE, encoding="utf-8")
    return forms_dir


@pytest.mark.parametrize("typed", ["≥", "＞＝", "≧", "大于等于", "> ="])
def test_returned__operator_in_another_spelling__read_as_the_lists_own_with_a_warning(forms: Path, typed: str) -> None:
    content = generate_bytes("province-ops", CTX, {"绩效指标": [row("定量指标", ">=", "200", "人次")]}).content
    wb = openpyxl.load_workbook(io.BytesIO(content))
    wb["绩效目标"]["E2"] = typed
    report = check_bytes(save(wb), "r.xlsx")
    assert [(f.cell, f.code, f.expected, f.found) for f in report.findings] == [("E2", "W-NORMALISED", ">=", typed)]
    assert report.data is not None and report.data["绩效指标"][0]["指标性质"] == ">="
    assert report.parsed is not None and report.parsed["绩效指标"][0]["op"] == "≥"


# ---- generate --data: spellings check accepts are taken, with check's warning -----------------------------

def test_generate__operator_and_alias_spellings__written_as_list_values_with_checks_warnings(forms: Path,
                                                                                            tmp_path: Path) -> None:
    rows = [row("定量", "≥", "200", "人次"),
            row("定性指标", None, "有效提升", 一级指标="效益指标", 二级指标="环境效益指标")]
    data = tmp_path / "d.json"
    data.write_text(json.dumps({"绩效指标": rows}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "o.xlsx"
    r = CliRunner().invoke(app, ["generate", "province-ops", "--year", "2025", "--unit-code", "001", "--unit-name", "某局",
                                 "--data", str(data), "-o", str(out)])
    assert r.exit_code == 0, r.output
    report = check_bytes(out.read_bytes(), "o.xlsx")
    assert report.findings == ()
    assert report.data is not None
    assert [(x["指标属性"], x["指标性质"], x["二级指标"]) for x in report.data["绩效指标"]] == [
        ("定量指标", ">=", "数量指标"), ("定性指标", None, "生态效益指标")]
    # the same warnings check gives when a clerk types these spellings into the form
    wb = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    wb["绩效目标"]["D2"], wb["绩效目标"]["E2"], wb["绩效目标"]["B3"] = "定量", "≥", "环境效益指标"
    typed = check_bytes(save(wb), "t.xlsx")
    assert [f"  {f.code} {f.message}" for f in typed.findings] == r.stderr.splitlines()
    assert [f.code for f in typed.findings] == ["W-NAME-FORGIVEN", "W-NORMALISED", "W-NAME-FORGIVEN"]


# ---- export: the parsed columns read each row as check does --------------------------------------------------

@pytest.mark.parametrize(("change", "rows", "parsed"), [
    pytest.param({}, [row("定量指标", ">=", "200", "人次"), row("定性指标", "=", "合格")],
                 [("≥", 200, "人次", "定量"), ("定性", None, None, "定性")], id="switch-says-qualitative"),
    pytest.param({"list": "direction"}, [row("定量指标", "正向", "200", "人次"), row("定量指标", "定性", "良好")],
                 [("≥", 200, "人次", "定量"), ("定性", None, None, "定性")], id="declared-meanings"),
])
def test_export__form_spellings_and_switch_column__parsed_as_check_reads_them(
        forms: Path, tmp_path: Path, change: dict[str, Any], rows: list[dict[str, Any]],
        parsed: list[tuple[object, ...]]) -> None:
    (forms / "province-ops.yaml").write_text(yaml.safe_dump(province(**change), allow_unicode=True), encoding="utf-8")
    unit = units(1)[0]
    record = Record(file_name="a.xlsx", sha256="0" * 64, file_mtime=1.0, received_at=datetime(2025, 3, 1, tzinfo=UTC),
                    unit_code=unit.code, unit_name=unit.name, unit_source="identity", template="province-ops",
                    version="1", year=2025, data={"绩效指标": rows})
    engine = open_db(stored_db(tmp_path / "r.sqlite", [unit], [record]))
    with engine.connect() as conn:
        table = next(t for t in round_tables(conn) if t.name == "province-ops.绩效指标")
    engine.dispose()
    picked = [table.columns.index(f"{p}（解析）") for p in ("符号", "数值", "单位", "类型")]
    assert [tuple(r[i] for i in picked) for r in table.rows] == parsed
