"""Round trip: the data a workbook was generated with is exactly the data `check` reads back from it.

Properties over generated data (tests/strategies.py: CJK, full-width, long and hostile text, every control
character, money consistent with the rules) for both shipped templates, then the real documents: the 13
Hebei township projects and the Hebei 2025 fire-fund project, with every finding on them listed and
explained, and the blank forms a unit receives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from returned import DEPT, DEPT_SHEET, PROJECT, SIGNATURE_BLANK, assert_findings, context, presets
from strategies import CTX, dept_data, project_data

from xltemplates.errors import DataError, FindingsError
from xltemplates.findings.report import Report
from xltemplates.reader.check import check_bytes
from xltemplates.writer.generate import generate_bytes

FIXTURES = Path(__file__).parent / "fixtures"
ROUND_TRIP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.data_too_large])


def round_trip(template_id: str, data: Any, ctx: dict[str, Any] | None = None, allow_findings: bool = False) -> Report:
    g = generate_bytes(template_id, ctx or CTX, data, allow_findings=allow_findings)
    return check_bytes(g.content, f"{template_id}.xlsx")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


# ---- properties --------------------------------------------------------------------------------------------

@ROUND_TRIP
@given(data=dept_data())
def test_round_trip__generated_dept_overall_data__same_data_no_findings(data: dict[str, Any]) -> None:
    report = round_trip(DEPT, data)
    assert report.findings == ()
    assert report.data == data


@ROUND_TRIP
@given(data=project_data())
def test_round_trip__generated_project_data__same_data_no_findings(data: dict[str, Any]) -> None:
    report = round_trip(PROJECT, data)
    assert report.findings == ()
    assert report.data == data


# ---- characters: what survives the file, exactly ---------------------------------------------------------

CHARACTERS = [
    *(pytest.param(f"前{chr(i)}后", id=f"U+{i:04X}") for i in range(0x20)),  # every C0 control, NUL and CR too
    pytest.param("a\r\nb", id="CRLF"),
    pytest.param("前\x7f\x85后", id="DEL-NEL"),
    pytest.param("前\ufffe\uffff后", id="non-characters"),
    pytest.param("\ufeff前\u200b后\u2028", id="BOM-zero-width-line-separator"),
    pytest.param("  前后空格  ", id="surrounding-spaces"),
    pytest.param("_x0041_", id="escape-look-alike"),
    pytest.param("_x0041__x0042_", id="two-escape-look-alikes"),
    pytest.param("=SUM(A1:A3)", id="formula-look-alike"),
    pytest.param("http://www.example.cn/a?b=1&c=<d>", id="url-with-markup"),
    pytest.param("𠀀𪚥😀", id="astral"),
    pytest.param("ＡＢＣ１２３，。！", id="full-width"),
    pytest.param("长" * 2000, id="2000-characters"),
]


@pytest.mark.parametrize("text", CHARACTERS)
def test_round_trip__free_text_with_character__same_text(text: str) -> None:
    data = {"部门（单位）职责": text, "年度总体目标": text[::-1]}
    report = round_trip(DEPT, data)
    assert report.data is not None
    assert (report.data["部门（单位）职责"], report.data["年度总体目标"]) == (text, text[::-1])


@pytest.mark.parametrize("text", CHARACTERS)
def test_round_trip__table_text_with_character__same_text(text: str) -> None:
    item = {"项目名称": text, "绩效指标": [{"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": text[:100],
                                          "指标值": "≥1次", "指标值确定依据": text}]}
    report = round_trip(PROJECT, {"项目": [item]}, allow_findings=True)
    assert report.data is not None
    got = report.data["项目"][0]
    assert (got["项目名称"], got["绩效指标"][0]["三级指标"], got["绩效指标"][0]["指标值确定依据"]) == (text, text[:100], text)


@pytest.mark.parametrize("text", ["_x005F_x0041_", "_x0041_x0042_", "前_x0000_x0000_后"])
def test_generate__chained_escape_look_alikes__refused_with_the_json_path(text: str) -> None:
    """Two look-alikes sharing an underscore cannot round-trip (xlsxwriter escapes only the first, so the
    reader would decode the second: '_x005F_x0041_' came back '_x005FA'); generate says so instead."""
    with pytest.raises(DataError) as exc:
        generate_bytes(DEPT, CTX, {"部门（单位）职责": text})
    assert exc.value.problems[0][0] == "部门（单位）职责"


def test_generate__lone_surrogate__refused_with_the_json_path() -> None:
    with pytest.raises(DataError) as exc:
        generate_bytes(DEPT, CTX, {"部门（单位）职责": "前\ud800后"})
    assert exc.value.problems[0][0] == "部门（单位）职责"


# ---- the blank forms ---------------------------------------------------------------------------------------

def test_round_trip__blank_dept_overall__presets_and_unit_name() -> None:
    report = round_trip(DEPT, None, context(unit_name="某某镇人民政府"))
    assert report.data == {"部门单位名称": "某某镇人民政府", "部门（单位）职责": None, "年度总体目标": None,
                           "绩效指标": presets(DEPT), **SIGNATURE_BLANK}
    assert_findings(report, [(DEPT_SHEET, "B6", "E-REQUIRED-EMPTY"), (DEPT_SHEET, "B7", "E-REQUIRED-EMPTY")])
    assert (report.unit_code, report.unit_name, report.year) == ("001", "某某镇人民政府", 2025)


BLANK_SHEET = "项目1"  # a project sheet without a 项目名称 is named by its number


def test_round_trip__blank_project__one_empty_project() -> None:
    report = round_trip(PROJECT, None)
    fields = ["项目编码", "项目名称", "预算数", "财政资金", "其他资金", "资金用途", "3月底", "6月底", "10月底", "12月底",
              "绩效目标"]
    assert report.data == {"项目": [{**dict.fromkeys(fields), "绩效指标": [], **SIGNATURE_BLANK}]}
    assert_findings(report, [
        (BLANK_SHEET, "B7", "E-REQUIRED-EMPTY"), (BLANK_SHEET, "E9", "E-REQUIRED-EMPTY"),
        (BLANK_SHEET, "B10", "E-REQUIRED-EMPTY"), *[(BLANK_SHEET, "A11", "E-LEVEL1-MISSING")] * 3,
    ])


def test_round_trip__check_output_fed_back_to_generate__same_data() -> None:
    """The JSON check returns is the JSON generate takes: a second round trip changes nothing."""
    first = round_trip(PROJECT, load("hebei-2025-fire.json"), context(2025))
    second = round_trip(PROJECT, first.data, context(2025))
    assert second.data == first.data
    assert second.flatten() == first.flatten()


# ---- the real documents ------------------------------------------------------------------------------------

def test_round_trip__hebei_13_projects_2024__same_data_and_only_the_known_findings() -> None:
    data = load("hebei-projects.json")
    ctx = context(2024)
    with pytest.raises(FindingsError) as refused:  # project 12's plan ends at 1.00 while its 预算数 is 2.00
        generate_bytes(PROJECT, ctx, data)
    assert [(f.sheet, f.cell, f.code) for f in refused.value.findings if f.severity == "error"] == [
        ("统计专项业务费", "E9", "E-PLAN-TOTAL")]
    report = round_trip(PROJECT, data, ctx, allow_findings=True)
    assert report.data == data
    assert len(report.data["项目"]) == 13
    assert_findings(report, [
        ("城乡居民住户调查补贴", "E13", "W-NORMALISED"),  # the seed's "优 " has a trailing space: read as 优, kept verbatim
        ("统计专项业务费", "E9", "E-PLAN-TOTAL"),  # the seed's spending plan ends at 1.00 万元, 预算数 is 2.00 万元
    ])
    assert report.findings[0].found == "优 " and report.findings[0].expected == "优"
    plan = next(f for f in report.findings if f.code == "E-PLAN-TOTAL")
    assert (plan.expected, plan.found) == ("2.00万元", "1.00万元")


def test_round_trip__hebei_2025_fire_fund__same_data_and_three_warnings() -> None:
    data = load("hebei-2025-fire.json")
    g = generate_bytes(PROJECT, context(2025), data)  # warnings only: generate does not refuse
    report = check_bytes(g.content, "fire.xlsx")
    assert report.data == data
    assert_findings(report, [
        ("2025 年防火经费", "E12", "W-NORMALISED"),   # "≥10 次": the seed puts a space between number and unit (≥10次)
        ("2025 年防火经费", "E13", "W-NO-OPERATOR"),  # "100%": no operator, read as =100%
        ("2025 年防火经费", "E15", "W-NORMALISED"),   # "≤10 万元": the same space (≤10万元); 10 万元 = 预算数, within budget
    ])
    # "序时进度", "较上一年提高", "建立健全" are qualitative; "≥95%" for 村民满意度 is within 100%; the plan
    # 2.5/5/7.5/10 rises to 预算数 10 = 财政资金 10 + 其他资金 (blank): nothing else to report.
    assert [f.expected for f in report.findings if f.code == "W-NORMALISED"] == ["≥10次", "≤10万元"]
    assert [(f.sheet, f.cell, f.code) for f in g.findings] == report.flatten()


def test_round_trip__private_use_character_u_e000_in_free_text__kept() -> None:
    """U+E000 is what the layout uses for a unit it does not know; in the data it is only a character."""
    data = {"部门（单位）职责": "0", "年度总体目标": "00\ue000"}
    report = round_trip(DEPT, data)
    assert (report.data or {})["年度总体目标"] == "00\ue000"
    assert not [f for f in report.findings if f.cell == "B7"]
