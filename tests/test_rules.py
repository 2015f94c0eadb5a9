"""Declared rules: parameters checked when the template loads, totals and budgets compared at the form's precision."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from xltemplates.catalogue.load import build_template
from xltemplates.cellmap import from_layout
from xltemplates.errors import TemplateError
from xltemplates.form.model import Template
from xltemplates.layout import build_layout, layout_data
from xltemplates.rules import REGISTRY, run_rules
from xltemplates.schema import validate_data

CTX = {"year": 2025, "unit_code": "001", "unit_name": "某局"}

LEDGER = """
id: ledger
version: "1"
title: 资金台账
framework: cn-2021
sheets:
  - name: 汇总
    widths: [14, 14, 14, 14]
    blocks:
      - grid:
          - cells:
              - {role: header, text: 资金总额}
              - {role: prefilled, field: 资金总额, type: money}
              - {role: header, text: 项目支出}
              - {role: entry, field: 项目支出, type: money}
          - cells:
              - {role: header, text: 上级补助}
              - {role: entry, field: 上级补助, type: money}
              - {role: header, text: 备注}
              - {role: entry, field: 备注}
      - table:
          name: 收入明细
          blank_rows: 3
          columns:
            - {key: 项目, role: required}
            - {key: 金额, role: required, type: money}
          presets:
            - {项目: 合计}
      - table:
          name: 指标
          blank_rows: 3
          columns:
            - {key: 一级指标, role: required, list: level1}
            - {key: 二级指标, role: required, list: level2, cascade: 一级指标}
            - {key: 三级指标, role: required}
            - {key: 指标值, role: required, value: indicator}
  - name: "项目{{ index }}"
    repeat: 项目
    widths: [14, 14]
    blocks:
      - grid:
          - cells:
              - {role: header, text: 项目名称}
              - {role: prefilled, field: 项目名称}
          - cells:
              - {role: header, text: 年度资金总额}
              - {role: entry, field: 年度资金总额, type: money}
rules: []
"""


def ledger(*rules: dict[str, Any]) -> Template:
    raw = yaml.safe_load(LEDGER)
    raw["rules"] = list(rules)
    return build_template(raw, "ledger.yaml", CTX)


def findings(t: Template, data: dict[str, Any]) -> list[tuple[str | None, str | None, str]]:
    layout = build_layout(t, validate_data(t, data))
    return [(f.sheet, f.cell, f.code) for f in run_rules(t, layout_data(layout), from_layout(layout), 2025)]


# ---- parameters are checked once, when the template loads ------------------------------------------------

LOAD_ERRORS = [
    pytest.param({"rule": "summ", "total": "资金总额"}, "rules[0].rule", "unknown rule 'summ' (known: ", id="unknown-rule"),
    pytest.param({"rule": "sum", "total": "资金总额", "parts": [], "extra": 1}, "rules[0].extra",
                 "unknown parameter (allowed: total, parts, unit, tolerance)", id="unknown-parameter"),
    pytest.param({"rule": "sum", "total": "资金总额"}, "rules[0]", "the 'sum' rule needs 'parts'", id="missing-parameter"),
    pytest.param({"rule": "sum", "total": "预算", "parts": []}, "rules[0].total", "'预算' is not a field", id="not-a-field"),
    pytest.param({"rule": "sum", "total": "资金总额", "parts": ["上级补助", "备注"]}, "rules[0].parts[1]",
                 "'备注' is a text field; this rule computes with numbers", id="sum-of-a-text-field"),
    pytest.param({"rule": "sum", "total": "资金总额", "parts": ["年度资金总额"]}, "rules[0].parts[0]",
                 "'年度资金总额' is not on the same sheet as the total", id="sum-across-sheets"),
    pytest.param({"rule": "sum", "total": "资金总额", "parts": "上级补助"}, "rules[0].parts", "expected a list",
                 id="parts-not-a-list"),
    pytest.param({"rule": "sum", "total": "资金总额", "parts": [], "tolerance": "a"}, "rules[0].tolerance",
                 "expected a number", id="tolerance-not-a-number"),
    pytest.param({"rule": "indicator", "table": "指标表"}, "rules[0].table", "'指标表' is not a table", id="not-a-table"),
    pytest.param({"rule": "cumulative", "fields": ["资金总额"], "plan": "amounts"}, "rules[0].plan",
                 "expected one of amount, percent", id="plan-not-a-choice"),
    pytest.param({"rule": "unique", "table": "指标", "columns": ["四级指标"]}, "rules[0].columns[0]",
                 "'四级指标' is not a column of the table", id="unique-column-unknown"),
    pytest.param({"rule": "cost_within_budget", "table": "指标", "budget": "资金总额", "where": {}, "budget_unit": "人"},
                 "rules[0].budget_unit", "'人' is not a money unit", id="budget-unit-not-money"),
    pytest.param({"rule": "cost_within_budget", "table": "指标", "budget": "资金总额", "where": {"指标类别": "成本"}},
                 "rules[0].where.指标类别", "'指标类别' is not a column of the table '指标'", id="where-column-unknown"),
    pytest.param({"rule": "table_total", "table": "收入明细", "column": "项目", "total": "资金总额"}, "rules[0].column",
                 "'项目' is a text column", id="table-total-of-text"),
    pytest.param({"rule": "table_total", "table": "收入明细", "column": "金额"}, "rules[0].total",
                 "give one of 'total' (a field), 'total_row'", id="table-total-without-total"),
    pytest.param({"rule": "table_total", "table": "收入明细", "column": "金额", "total_row": {"名称": "合计"}},
                 "rules[0].total_row.名称", "'名称' is not a column", id="table-total-row-unknown-column"),
    pytest.param({"rule": "sheet_total", "total": "年度资金总额", "part": "年度资金总额"}, "rules[0].total",
                 "'年度资金总额' is on a repeated sheet", id="sheet-total-total-repeated"),
    pytest.param({"rule": "sheet_total", "total": "项目支出", "part": "资金总额"}, "rules[0].part",
                 "'资金总额' is not on a repeated sheet", id="sheet-total-part-not-repeated"),
]


@pytest.mark.parametrize(("rule", "path", "problem"), LOAD_ERRORS)
def test_rule_parameters__broken__template_error_names_file_and_key_path(rule: dict[str, Any], path: str,
                                                                         problem: str) -> None:
    with pytest.raises(TemplateError) as exc:
        ledger(rule)
    assert f"ledger.yaml: {path}: {problem}" in str(exc.value)


def test_rule_parameters__parsed_at_load__into_the_templates_own_objects() -> None:
    t = ledger({"rule": "sum", "total": "资金总额", "parts": ["上级补助"], "tolerance": 0.5})
    (r,) = t.rules
    assert r.kind == "sum" and type(r) is REGISTRY["sum"]
    assert r.total.name == "资金总额" and [p.name for p in r.parts] == ["上级补助"]  # type: ignore[attr-defined]
    assert str(r.tolerance) == "0.5"  # type: ignore[attr-defined]


# ---- budgets and sums at the form's precision ----------------------------------------------------------

COST = {"rule": "cost_within_budget", "table": "指标", "budget": "资金总额", "where": {"一级指标": "成本指标"}}


def cost_row(value: str) -> dict[str, Any]:
    return {"一级指标": "成本指标", "二级指标": "经济成本指标", "三级指标": "项目成本", "指标值": value}


@pytest.mark.parametrize(("value", "over"), [
    ("≤2758604元", False),  # 275.8604万元: the budget 275.86 shown at two decimals may stand for it
    ("≤2758649元", False),
    ("≤275.86万元", False),
    ("≤2758651元", True),  # more than half a unit (50元) of the budget's last digit over
    ("≤275.87万元", True),
])
def test_cost_within_budget__cost_in_yuan_against_a_rounded_budget_in_wan__over_only_beyond_its_precision(
        value: str, over: bool) -> None:
    t = ledger(COST)
    got = findings(t, {"资金总额": 275.86, "指标": [cost_row(value)]})
    assert got == ([("汇总", "D9", "E-COST-OVER-BUDGET")] if over else [])


def test_sum__money_fields__half_a_cent_absorbed_a_cent_reported() -> None:
    t = ledger({"rule": "sum", "total": "资金总额", "parts": ["上级补助", "项目支出"], "unit": "万元"})
    assert findings(t, {"资金总额": 10.0, "上级补助": 4.995, "项目支出": 5.0}) == []
    assert findings(t, {"资金总额": 10.0, "上级补助": 4.99, "项目支出": 5.0}) == [("汇总", "B1", "E-SUM")]


# ---- totals over a table and over repeated sheets -------------------------------------------------------

def income(*amounts: float | None, total: float | None) -> list[dict[str, Any]]:
    return [{"项目": "合计", "金额": total}, *({"项目": f"收入{i}", "金额": a} for i, a in enumerate(amounts))]


def test_table_total__total_row_equal_to_its_rows__clean() -> None:
    t = ledger({"rule": "table_total", "table": "收入明细", "column": "金额", "total_row": {"项目": "合计"}})
    assert findings(t, {"收入明细": income(1.5, 2.25, None, total=3.75)}) == []


def test_table_total__total_row_off__reported_on_the_total_row() -> None:
    t = ledger({"rule": "table_total", "table": "收入明细", "column": "金额", "total_row": {"项目": "合计"}, "unit": "万元"})
    layout = build_layout(t, validate_data(t, {"收入明细": income(1.5, 2.25, total=4.0)}))
    (f,) = run_rules(t, layout_data(layout), from_layout(layout), 2025)
    assert (f.sheet, f.cell, f.code) == ("汇总", "B4", "E-TABLE-TOTAL")
    assert f.message == ("[汇总!B4] 「收入明细」合计行的「金额」（4.00万元）应等于「收入明细」其余 2 行「金额」之和（3.75万元）。"
                         "请核对金额。")


def test_table_total__field_total__compared_with_every_row() -> None:
    t = ledger({"rule": "table_total", "table": "收入明细", "column": "金额", "total": "资金总额"})
    rows = [{"项目": "收入1", "金额": 3.0}, {"项目": "收入2", "金额": 4.0}]
    assert findings(t, {"资金总额": 7.0, "收入明细": rows}) == []
    assert findings(t, {"资金总额": 7.5, "收入明细": rows}) == [("汇总", "B1", "E-TABLE-TOTAL")]


def projects(*amounts: float | None) -> list[dict[str, Any]]:
    return [{"项目名称": f"项目{i + 1}", "年度资金总额": a} for i, a in enumerate(amounts)]


def test_sheet_total__sum_over_every_project_sheet__clean_or_reported_with_each_sheet() -> None:
    t = ledger({"rule": "sheet_total", "total": "项目支出", "part": "年度资金总额"})
    assert findings(t, {"项目支出": 30.5, "项目": projects(10.0, 20.5, None)}) == []
    layout = build_layout(t, validate_data(t, {"项目支出": 30.0, "项目": projects(10.0, 20.5)}))
    (f,) = run_rules(t, layout_data(layout), from_layout(layout), 2025)
    assert (f.sheet, f.cell, f.code) == ("汇总", "D1", "E-SHEET-TOTAL")
    assert "（30.50；项目1 10.00、项目2 20.50）" in f.message


def test_sheet_total__parts_in_yuan__converted_to_the_totals_wan() -> None:
    t = ledger({"rule": "sheet_total", "total": "项目支出", "part": "年度资金总额", "unit": "万元", "part_unit": "元"})
    assert findings(t, {"项目支出": 3.05, "项目": projects(10000.0, 20500.0)}) == []
    assert findings(t, {"项目支出": 3.06, "项目": projects(10000.0, 20500.0)}) == [("汇总", "D1", "E-SHEET-TOTAL")]


def test_rules__copied_template__rules_equal_and_independent() -> None:
    """Parsed rules are frozen values: two loads of one file give equal rules."""
    rule = {"rule": "table_total", "table": "收入明细", "column": "金额", "total_row": {"项目": "合计"}}
    assert ledger(copy.deepcopy(rule)).rules == ledger(copy.deepcopy(rule)).rules


def test_sum__fields_shown_without_decimals__half_a_unit_of_that_precision_absorbed() -> None:
    raw = yaml.safe_load(LEDGER)
    for row in raw["sheets"][0]["blocks"][0]["grid"]:
        for cell in row["cells"]:
            if cell.get("type") == "money":
                cell["decimals"] = 0
    raw["rules"] = [{"rule": "sum", "total": "资金总额", "parts": ["上级补助", "项目支出"]}]
    t = build_template(raw, "ledger.yaml", CTX)
    assert findings(t, {"资金总额": 10.0, "上级补助": 4.6, "项目支出": 5.0}) == []
    assert findings(t, {"资金总额": 10.0, "上级补助": 4.4, "项目支出": 5.0}) == [("汇总", "B1", "E-SUM")]
