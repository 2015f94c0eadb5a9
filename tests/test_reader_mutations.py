"""Each kind of clerk edit gives exactly its finding at its cell; edits that change nothing give none.

Every case starts from a complete, clean return (tests/returned.py: dept_data / project_data, zero findings
untouched), applies one clerk edit with openpyxl and compares the exact multiset of (sheet, cell, code).

MUTATIONS: 84 cases of 71 kinds of edit (dept-overall 42 cases, project 42), each with exactly the expected
findings (a kind is a case id without its form prefix). They cover: changed title, year line, instruction,
blue header, blue section header, blue unit line, yellow header, green header, yellow and green table
headers, a cleared header → E-LOCKED-CHANGED; changed / cleared grey fields (部门单位名称, 项目编码, 项目名称)
and grey money (预算数, which also breaks the sum and the plan), changed grey preset cells (三级, 二级,
指标解释) → E-PREFILLED-CHANGED; a deleted preset row → E-PRESET-MISSING; empty required fields and table
cells (指标值, 指标值类型, 三级指标, 12月底) → E-REQUIRED-EMPTY; empty optional (green) cells → nothing;
`>=`, `＞＝`, `≧`, `大于等于`, a trailing or ideographic space → W-NORMALISED; `大约` or a number in a list
column → E-LIST-VALUE; 二级 not under its 一级 → E-HIERARCHY; `数量`, `时效`, `满意度`, an alias
(环境效益指标) → W-NAME-FORGIVEN; quantitative without a number → E-NOT-NUMBER, without a unit (empty or
`/`) → E-UNIT-MISSING; 定性 with a number → E-QUALITATIVE-VALUE; a formula (with the value a real client
caches) → E-FORMULA; full-width digits or a thousands separator in 指标值 → W-NORMALISED; a number typed
into a text column → nothing; 三级 over 100 characters → E-TOO-LONG; 95% typed into a General cell (0.95
shown as a percent) → W-NORMALISED with "95%" in the data; text right of the form → W-OUTSIDE-FORM; a row
repeating another's 二级/三级 → E-DUPLICATE.
Project: money stored as text or full-width → W-NORMALISED, not a number → E-NOT-NUMBER; 12月底 ≠ 预算数 →
E-PLAN-TOTAL; a decreasing plan → E-PLAN-ORDER; 其他资金 filled so the sum breaks → E-SUM; a cost over the
budget (万元 and 元) → E-COST-OVER-BUDGET; satisfaction 105% → E-PERCENT-OVER-100; a deadline in another
year → E-DEADLINE-YEAR; "90-95%" → E-VALUE-UNPARSEABLE; no operator → W-NO-OPERATOR; spaces or words in a
combined value → W-NORMALISED (kept verbatim in the data); the 满意度 row cleared or deleted →
E-LEVEL1-MISSING.

FALSE POSITIVES: 30 scenarios (dept-overall 19, project 11), each asserted to give 0 findings and the same
data: untouched; protection removed and validations dropped; rows inserted among grey rows, at the first
indicator row, above the table header, at several places, between the title lines and inside the fixed upper
part; all / some blank pre-allocated rows deleted; every grey 一级/二级 group merged by an unprotected clerk, and
merged then unmerged (values left in the top cell); the unit's rows and a blank row merged, a project's 一级
group merged the same way; the unit's own 三级指标 in the one preset cell issued open (`editable`); a new row
typed into an inserted row among / below grey rows and at the end of the table with 一级/二级 left blank (forward
fill, the data gains the row); rows pasted in reverse order.
Rows inserted by LibreOffice through UNO (which moves merges and validations like Excel) are in
test_reader_libreoffice.py. Total findings over all of them: 0 (every test asserts its own 0).

Regressions (bugs these tests found, fixed in f78182f): a row inserted inside the fixed upper part of a form
was read with a shifted layout (now three of the false-positive scenarios); a formula saved without a
cached value was also reported empty; a required cell holding only spaces counted as filled.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from returned import (
    CLEAR,
    DEPT,
    DEPT_SHEET,
    PROJECT,
    PROJECT_SHEET,
    Formula,
    Percent,
    assert_findings,
    dept_data,
    full_data,
    project_data,
    returned,
    the_finding,
)
from strategies import free_text

from xltemplates.catalogue.registry import get_template
from xltemplates.findings.codes import CODES
from xltemplates.findings.report import Report, make_finding
from xltemplates.reader.check import check_bytes
from xltemplates.trust.identity import META_SHEET

S, P = DEPT_SHEET, PROJECT_SHEET


def check(content: bytes) -> Report:
    return check_bytes(content, "returned.xlsx")


def case(template_id: str, change: dict[str, Any], expected: list[tuple[str | None, str | None, str]], id: str) -> Any:
    return pytest.param(template_id, change, expected, id=id)


def d(change: dict[str, Any], expected: list[tuple[str, str]], id: str) -> Any:
    """A dept-overall case; expected findings as (cell, code) on the form's sheet."""
    return case(DEPT, change, [(S, cell, code) for cell, code in expected], f"dept-{id}")


def p(change: dict[str, Any], expected: list[tuple[str, str]], id: str) -> Any:
    return case(PROJECT, change, [(P, cell, code) for cell, code in expected], f"project-{id}")


def edit(**cells: Any) -> dict[str, Any]:
    return {"edits": cells}


# Rows of dept_data(): presets 10-14 产出 (row 13 年度工作目标达成率 ≥100%), 17-20 效益 (row 19 生态效益指标),
# 23 满意度, 26-28 成本, the first three groups closed by two spare rows (15-16, 21-22, 24-25); the unit's own
# rows follow 成本 at once: 29 (≥ 200 人次) and 30 (定性 及时), then blanks 31-37, the signature block 38-40.
# project_data(): B5 编码, E5 名称, B6/D6/F6 预算数/财政资金/其他资金,
# B7 资金用途, B9/C9/D9/E9 3/6/10/12月底, B10 绩效目标, header 11, rows 12-17 (15 成本, 16 效益, 17 满意度).
MUTATIONS = [
    # ---- locked labels: E-LOCKED-CHANGED --------------------------------------------------------------
    d(edit(A1="部门整体绩效目标表"), [("A1", "E-LOCKED-CHANGED")], "title"),
    d(edit(A2="（2024年度）"), [("A2", "E-LOCKED-CHANGED")], "year-line"),
    d(edit(A3="请认真填写"), [("A3", "E-LOCKED-CHANGED")], "instruction"),
    d(edit(A5="单位名称"), [("A5", "E-LOCKED-CHANGED")], "blue-header"),
    d(edit(A8="指标"), [("A8", "E-LOCKED-CHANGED")], "blue-section-header"),
    d(edit(A4=CLEAR), [("A4", "E-LOCKED-CHANGED")], "blue-header-cleared"),
    d(edit(A6="职责"), [("A6", "E-LOCKED-CHANGED")], "yellow-header"),
    d(edit(D9="类型"), [("D9", "E-LOCKED-CHANGED")], "yellow-table-header"),
    d(edit(F9="单位"), [("F9", "E-LOCKED-CHANGED")], "green-table-header"),
    p(edit(A1="项目绩效目标表"), [("A1", "E-LOCKED-CHANGED")], "title"),
    p(edit(A3="请认真填写"), [("A3", "E-LOCKED-CHANGED")], "instruction"),
    p(edit(A4="填报单位：002 别的单位"), [("A4", "E-LOCKED-CHANGED")], "blue-unit-line"),
    p(edit(A5="编码"), [("A5", "E-LOCKED-CHANGED")], "blue-header"),
    p(edit(A10="目标"), [("A10", "E-LOCKED-CHANGED")], "yellow-header"),
    p(edit(E8="年底"), [("E8", "E-LOCKED-CHANGED")], "yellow-plan-header"),
    p(edit(B8="一季度"), [("B8", "E-LOCKED-CHANGED")], "green-header"),
    p(edit(E11="目标值"), [("E11", "E-LOCKED-CHANGED")], "yellow-table-header"),
    p(edit(D11="描述"), [("D11", "E-LOCKED-CHANGED")], "green-table-header"),
    # ---- grey prefilled: E-PREFILLED-CHANGED, E-PRESET-MISSING ------------------------------------------
    d(edit(B5="其他单位"), [("B5", "E-PREFILLED-CHANGED")], "unit-name-changed"),
    d(edit(B5=CLEAR), [("B5", "E-PREFILLED-CHANGED")], "unit-name-cleared"),
    d(edit(C13="年度目标完成率"), [("C13", "E-PREFILLED-CHANGED")], "preset-level3-changed"),
    d(edit(B13="时效指标"), [("B13", "E-PREFILLED-CHANGED")], "preset-level2-changed"),
    d(edit(G13="自定义解释"), [("G13", "E-PREFILLED-CHANGED")], "preset-explanation-changed"),
    d({"delete_rows_at": 13}, [("A13", "E-PRESET-MISSING")], "preset-row-deleted"),
    p(edit(B5="13082325P99999999999X"), [("B5", "E-PREFILLED-CHANGED")], "code-changed"),
    p(edit(B5=CLEAR), [("B5", "E-PREFILLED-CHANGED")], "code-cleared"),
    p(edit(E5=2025), [("E5", "E-PREFILLED-CHANGED")], "name-replaced-by-number"),
    p(edit(B6=12), [("B6", "E-PREFILLED-CHANGED"), ("B6", "E-SUM"), ("E9", "E-PLAN-TOTAL")], "budget-changed"),
    p(edit(B6=CLEAR), [("B6", "E-PREFILLED-CHANGED")], "budget-cleared"),
    # ---- required / optional ------------------------------------------------------------------------------
    d(edit(B6=CLEAR), [("B6", "E-REQUIRED-EMPTY")], "required-field-empty"),
    d(edit(E10=CLEAR), [("E10", "E-REQUIRED-EMPTY")], "required-value-empty-in-preset-row"),
    d(edit(D29=CLEAR), [("D29", "E-REQUIRED-EMPTY")], "required-type-empty-in-own-row"),
    d(edit(G29=CLEAR, F10=CLEAR), [], "optional-empty"),
    p(edit(B7=CLEAR), [("B7", "E-REQUIRED-EMPTY")], "required-field-empty"),
    p(edit(E9=CLEAR), [("E9", "E-REQUIRED-EMPTY")], "required-plan-total-empty"),
    p(edit(C12=CLEAR), [("C12", "E-REQUIRED-EMPTY")], "required-table-cell-empty"),
    p(edit(D12=CLEAR, F13=CLEAR, B9=CLEAR), [], "optional-empty"),
    # ---- list columns -------------------------------------------------------------------------------------
    d(edit(D13=">="), [("D13", "W-NORMALISED")], "op-ascii"),
    d(edit(D13="＞＝"), [("D13", "W-NORMALISED")], "op-full-width"),
    d(edit(D13="≧"), [("D13", "W-NORMALISED")], "op-japanese"),
    d(edit(D13="大于等于"), [("D13", "W-NORMALISED")], "op-words"),
    d(edit(D13="≥ "), [("D13", "W-NORMALISED")], "op-trailing-space"),
    d(edit(D13="≥\u3000"), [("D13", "W-NORMALISED")], "op-ideographic-space"),
    d(edit(D13="大约"), [("D13", "E-LIST-VALUE")], "op-not-in-list"),
    d(edit(D29=1), [("D29", "E-LIST-VALUE")], "op-number"),
    d(edit(B30="经济效益指标"), [("B30", "E-HIERARCHY")], "level2-under-wrong-level1"),
    d(edit(B30="时效"), [("B30", "W-NAME-FORGIVEN")], "level2-short-name"),
    d(edit(B19="环境效益指标"), [("B19", "W-NAME-FORGIVEN")], "level2-alias-in-grey-cell"),
    p(edit(A12="产出指标 "), [("A12", "W-NORMALISED")], "level1-trailing-space"),
    p(edit(A16="大约"), [("A16", "E-LIST-VALUE"), ("A11", "E-LEVEL1-MISSING")], "level1-not-in-list"),
    p(edit(B13="数量"), [("B13", "W-NAME-FORGIVEN")], "level2-short-name"),
    p(edit(B17="满意度"), [("B17", "W-NAME-FORGIVEN")], "level2-any-satisfaction"),
    p(edit(B13="社会效益指标"), [("B13", "E-HIERARCHY")], "level2-under-wrong-level1"),
    # ---- split indicator values (dept) --------------------------------------------------------------------
    d(edit(E29="很多"), [("E29", "E-NOT-NUMBER")], "quantitative-without-number"),
    d(edit(F29=CLEAR), [("F29", "E-UNIT-MISSING")], "quantitative-without-unit"),
    d(edit(F29="/"), [("F29", "E-UNIT-MISSING")], "quantitative-unit-slash"),
    d(edit(E30="5"), [("E30", "E-QUALITATIVE-VALUE")], "qualitative-with-number"),
    d(edit(E29="２００"), [("E29", "W-NORMALISED")], "number-full-width"),
    d(edit(E29="1,000"), [("E29", "W-NORMALISED")], "number-thousands-separator"),
    d(edit(E29=200), [], "number-typed-into-text-cell"),
    d(edit(C29="长" * 101), [("C29", "E-TOO-LONG")], "level3-too-long"),
    d(edit(G29=Percent(0.95)), [("G29", "W-NORMALISED")], "percent-in-general-cell"),
    d(edit(E13=Formula("=50+50", cached=100.0)), [("E13", "E-FORMULA")], "formula-in-entry-cell"),
    d(edit(J30="备注：已核对"), [("J30", "W-OUTSIDE-FORM")], "text-right-of-form"),
    d(edit(B30="数量指标", C30="组织培训人次"), [("C30", "E-DUPLICATE")], "row-duplicated"),
    # ---- project: money, plan, combined values, rules -------------------------------------------------------
    p(edit(B9="2.5"), [("B9", "W-NORMALISED")], "money-as-text"),
    p(edit(B9="２.５"), [("B9", "W-NORMALISED")], "money-full-width"),
    p(edit(B9="两万"), [("B9", "E-NOT-NUMBER")], "money-not-a-number"),
    p(edit(E9=8), [("E9", "E-PLAN-TOTAL")], "plan-total-not-budget"),
    p(edit(C9=2), [("C9", "E-PLAN-ORDER")], "plan-decreasing"),
    p(edit(F6=1), [("F6", "E-SUM")], "sum-broken-by-other-funds"),  # 预算数 is issued grey: the finding sits on the part typed
    p(edit(E15="≤30万元"), [("E15", "E-COST-OVER-BUDGET")], "cost-over-budget"),
    p(edit(E15="≤300000元"), [("E15", "E-COST-OVER-BUDGET")], "cost-over-budget-in-yuan"),
    p(edit(E17="≥105%"), [("E17", "E-PERCENT-OVER-100")], "satisfaction-over-100"),
    p(edit(E14="2024年12月31日前"), [("E14", "E-DEADLINE-YEAR")], "deadline-other-year"),
    p(edit(E12="90-95%"), [("E12", "E-VALUE-UNPARSEABLE")], "value-range"),
    p(edit(E13="100%"), [("E13", "W-NO-OPERATOR")], "value-without-operator"),
    p(edit(E12="≥ 10次"), [("E12", "W-NORMALISED")], "value-with-space"),
    p(edit(E12="大于等于10次"), [("E12", "W-NORMALISED")], "value-operator-in-words"),
    p(edit(E13=Percent(1.0)), [("E13", "W-NORMALISED"), ("E13", "W-NO-OPERATOR")], "percent-in-general-cell"),
    p(edit(E12=Formula('="≥"&"10次"', cached="≥10次")), [("E12", "E-FORMULA")], "formula-in-entry-cell"),
    p(edit(A17=CLEAR, B17=CLEAR, C17=CLEAR, E17=CLEAR, F17=CLEAR), [("A11", "E-LEVEL1-MISSING")], "satisfaction-row-cleared"),
    p({"delete_rows_at": 17}, [("A11", "E-LEVEL1-MISSING")], "satisfaction-row-deleted"),
    p(edit(A18="产出指标", B18="数量指标", C18="防火安全检查次数", E18="≥12次"), [("C18", "E-DUPLICATE")], "row-duplicated"),
]


@pytest.mark.parametrize(("template_id", "change", "expected"), MUTATIONS)
def test_check__clerk_edit__gives_exactly_the_expected_findings(
    template_id: str, change: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    assert_findings(check(returned(template_id, full_data(template_id), **change)), expected)


@pytest.mark.parametrize("template_id", [DEPT, PROJECT])
def test_check__untouched_full_return__no_findings_same_data(template_id: str) -> None:
    data = full_data(template_id)
    report = check(returned(template_id, data))
    assert_findings(report, [])
    assert report.data == data


# ---- what the findings say ---------------------------------------------------------------------------------

def test_locked_changed__title__names_expected_and_found() -> None:
    f = the_finding(check(returned(DEPT, dept_data(), {"A1": "部门整体绩效目标表"})), "E-LOCKED-CHANGED")
    assert (f.expected, f.found) == ("部门（单位）整体绩效目标申报表", "部门整体绩效目标表")
    assert f.message == make_finding("E-LOCKED-CHANGED", S, "A1", f.expected, f.found).message


def test_locked_changed__cleared_header__found_is_empty() -> None:
    f = the_finding(check(returned(DEPT, dept_data(), {"A4": CLEAR})), "E-LOCKED-CHANGED")
    assert (f.expected, f.found) == ("部门（单位）职责", None)


def test_prefilled_changed__preset_level3__names_issued_and_typed_values() -> None:
    f = the_finding(check(returned(DEPT, dept_data(), {"C13": "年度目标完成率"})), "E-PREFILLED-CHANGED")
    assert (f.expected, f.found) == ("年度工作目标达成率", "年度目标完成率")


def test_prefilled_changed__budget__compared_as_numbers() -> None:
    f = the_finding(check(returned(PROJECT, project_data(), {"B6": 12})), "E-PREFILLED-CHANGED")
    assert (f.expected, f.found) == ("10", "12")


def test_prefilled__budget_retyped_as_text__only_normalised() -> None:
    report = check(returned(PROJECT, project_data(), {"B6": "10"}))
    assert_findings(report, [(P, "B6", "W-NORMALISED")])
    assert report.data is not None and report.data["项目"][0]["预算数"] == 10.0


def test_preset_missing__deleted_row__names_the_preset() -> None:
    f = the_finding(check(returned(DEPT, dept_data(), delete_rows_at=13)), "E-PRESET-MISSING")
    assert f.expected is not None and f.expected.startswith("产出指标 / 质量指标 / 年度工作目标达成率")


def test_list_value__not_in_list__message_lists_every_allowed_value() -> None:
    f = the_finding(check(returned(DEPT, dept_data(), {"D13": "大约"})), "E-LIST-VALUE")
    allowed = get_template(DEPT, {"year": 2025, "unit_code": "", "unit_name": ""}).lists["ops"].values
    assert f.message == make_finding("E-LIST-VALUE", S, "D13", found="大约", label="指标值类型",
                                     allowed="、".join(allowed)).message
    assert "定性、>、≥、<、≤、=" in f.message and f.message.startswith(f"[{S}!D13]")


def test_hierarchy__wrong_level2__message_lists_the_level1s_children() -> None:
    f = the_finding(check(returned(DEPT, dept_data(), {"B30": "经济效益指标"})), "E-HIERARCHY")
    assert "产出指标" in f.message and "数量指标、质量指标、时效指标" in f.message


@pytest.mark.parametrize("typed", [">=", "＞＝", "≧", "大于等于", "≥ ", "≥\u3000"])
def test_normalised__operator_spellings__data_holds_the_list_value(typed: str) -> None:
    report = check(returned(DEPT, dept_data(), {"D13": typed}))
    f = the_finding(report, "W-NORMALISED")
    assert (f.expected, f.found) == ("≥", typed)
    assert report.data is not None and report.data["绩效指标"][3]["指标值类型"] == "≥"


def test_name_forgiven__short_level2__data_holds_the_standard_name() -> None:
    report = check(returned(DEPT, dept_data(), {"B30": "时效"}))
    assert report.data is not None and report.data["绩效指标"][14]["二级指标"] == "时效指标"


def test_normalised__percent_in_general_cell__data_holds_the_text_the_clerk_saw() -> None:
    report = check(returned(DEPT, dept_data(), {"G29": Percent(0.95)}))
    assert the_finding(report, "W-NORMALISED").expected == "95%"
    assert report.data is not None and report.data["绩效指标"][13]["指标解释"] == "95%"


def test_normalised__money_as_text__data_holds_the_number() -> None:
    report = check(returned(PROJECT, project_data(), {"B9": "2.5"}))
    assert report.data is not None and report.data["项目"][0]["3月底"] == 2.5


def test_normalised__combined_value__stays_verbatim_in_data_with_canonical_in_message() -> None:
    report = check(returned(PROJECT, project_data(), {"E12": "≥ 10次"}))
    assert the_finding(report, "W-NORMALISED").expected == "≥10次"
    assert report.data is not None and report.data["项目"][0]["绩效指标"][0]["指标值"] == "≥ 10次"


def test_plan_total__message_names_both_figures() -> None:
    f = the_finding(check(returned(PROJECT, project_data(), {"E9": 8})), "E-PLAN-TOTAL")
    assert f.message.startswith(f"[{P}!E9]") and "8.00万元" in f.message and "10.00万元" in f.message


def test_formula__value_typed_as_formula__named_in_the_finding() -> None:
    f = the_finding(check(returned(DEPT, dept_data(), {"E13": Formula("=50+50", cached=100.0)})), "E-FORMULA")
    assert f.found == "=50+50"


def test_formula__without_cached_value__only_the_formula_finding() -> None:
    assert_findings(check(returned(DEPT, dept_data(), {"E13": Formula("=50+50")})), [(S, "E13", "E-FORMULA")])


@pytest.mark.parametrize(("template_id", "cell", "sheet"), [(DEPT, "B6", S), (DEPT, "C29", S), (PROJECT, "C12", P)])
def test_required__only_spaces__required_empty(template_id: str, cell: str, sheet: str) -> None:
    """Spaces are not an answer: the cell is empty, in the findings and in the data."""
    report = check(returned(template_id, full_data(template_id), {cell: "   "}))
    assert_findings(report, [(sheet, cell, "E-REQUIRED-EMPTY")])
    assert report.data is not None and "   " not in json.dumps(report.data, ensure_ascii=False)


# ---- false positives: must be zero -----------------------------------------------------------------------

NEW_ROW = {"三级指标": "新增一行", "指标值类型": "定性", "指标值": "降低", "计量单位": "/", "指标解释": None, "评/扣分标准": None}
NEW_PROJECT_ROW = {"三级指标": "宣传次数", "绩效指标描述": None, "指标值": "≥4次", "指标值确定依据": None}
TYPED = {"C{r}": "新增一行", "D{r}": "定性", "E{r}": "降低", "F{r}": "/"}
TYPED_PROJECT = {"C{r}": "宣传次数", "E{r}": "≥4次"}
GREY_GROUPS = ["A10:A14", "B10:B12", "A17:A20", "A26:A28"]


def typed_at(row: int, cells: dict[str, str] = TYPED) -> dict[str, str]:
    return {k.format(r=row): v for k, v in cells.items()}


def with_row(data: dict[str, Any], at: int, row: dict[str, Any], scope: str | None = None) -> dict[str, Any]:
    out = json.loads(json.dumps(data))
    target = out if scope is None else out[scope][0]
    target["绩效指标"].insert(at, row)
    return out


def own_level3(data: dict[str, Any], at: int, text: str) -> dict[str, Any]:
    out = json.loads(json.dumps(data))
    out["绩效指标"][at]["三级指标"] = text
    return out


def reversed_rows(template_id: str) -> dict[str, Any]:
    """Every indicator row written out in reverse order, 一级/二级 in every row (a block pasted back)."""
    data = full_data(template_id)
    rows = data["绩效指标"] if template_id == DEPT else data["项目"][0]["绩效指标"]
    first = 10 if template_id == DEPT else 12
    sheet = S if template_id == DEPT else P
    ops = [("set", sheet, f"{chr(65 + c)}{first + i}", v)
           for i, row in enumerate(reversed(rows)) for c, v in enumerate(row.values())]
    last = 30 if template_id == DEPT else 17  # the last issued row (dept: spare rows between the grey groups)
    ops += [("set", sheet, f"{chr(65 + c)}{r}", None) for r in range(first + len(rows), last + 1) for c in range(8)]
    return {"ops": ops}


DEPT_ROWS = dept_data()["绩效指标"]
PROJECT_ITEM = project_data()["项目"][0]

FALSE_POSITIVES = [
    pytest.param(DEPT, {}, None, id="dept-untouched"),
    pytest.param(DEPT, {"unprotect": True, "drop_validations": True}, None, id="dept-unprotected-no-validations"),
    pytest.param(DEPT, {"insert_rows_at": 12}, None, id="dept-row-inserted-inside-merged-groups"),
    pytest.param(DEPT, {"insert_rows_at": (10, 3)}, None, id="dept-rows-inserted-at-first-indicator"),
    pytest.param(DEPT, {"insert_rows_at": 9}, None, id="dept-row-inserted-above-table-header"),
    pytest.param(DEPT, {"insert_rows_at": 2}, None, id="dept-row-inserted-between-the-title-lines"),
    pytest.param(DEPT, {"insert_rows_at": (6, 2)}, None, id="dept-rows-inserted-inside-the-upper-part"),
    pytest.param(DEPT, {"insert_rows_at": [(11, 2), (20, 1), (30, 4)]}, None, id="dept-rows-inserted-in-three-places"),
    pytest.param(DEPT, {"delete_rows_at": (31, 7)}, None, id="dept-all-blank-rows-deleted"),
    pytest.param(DEPT, {"delete_rows_at": (34, 3)}, None, id="dept-some-blank-rows-deleted"),
    pytest.param(DEPT, {"merge": GREY_GROUPS}, None, id="dept-grey-groups-merged-by-the-clerk"),
    pytest.param(DEPT, {"ops": [(k, S, r) for k in ("merge", "unmerge") for r in GREY_GROUPS]}, None,
                 id="dept-grey-groups-merged-and-unmerged"),
    pytest.param(DEPT, {"merge": ["A29:A31"]}, None, id="dept-merge-stretched-over-blank-row"),
    pytest.param(DEPT, {"insert_rows_at": 29, "edits": typed_at(29)},
                 with_row(dept_data(), 13, {"一级指标": "成本指标", "二级指标": "生态环境成本指标", **NEW_ROW}),
                 id="dept-row-typed-into-inserted-row-below-merged-group"),
    pytest.param(DEPT, {"insert_rows_at": 28, "edits": typed_at(28)},
                 with_row(dept_data(), 12, {"一级指标": "成本指标", "二级指标": "社会成本指标", **NEW_ROW}),
                 id="dept-row-typed-into-inserted-row-inside-merged-group"),
    pytest.param(DEPT, {"edits": typed_at(31)},
                 with_row(dept_data(), 15, {"一级指标": "产出指标", "二级指标": "时效指标", **NEW_ROW}),
                 id="dept-row-typed-at-end-level1-level2-blank"),
    pytest.param(DEPT, {"edits": typed_at(31), "merge": ["A31:A33"]},
                 with_row(dept_data(), 15, {"一级指标": "产出指标", "二级指标": "时效指标", **NEW_ROW}),
                 id="dept-row-typed-at-end-and-merged-into-group"),
    pytest.param(DEPT, reversed_rows(DEPT), "reordered", id="dept-rows-pasted-in-reverse-order"),
    pytest.param(DEPT, {"edits": {"C17": "一件事一次办办结率"}}, own_level3(dept_data(), 5, "一件事一次办办结率"),
                 id="dept-own-text-in-the-editable-preset-cell"),
    pytest.param(PROJECT, {}, None, id="project-untouched"),
    pytest.param(PROJECT, {"unprotect": True, "drop_validations": True}, None, id="project-unprotected-no-validations"),
    pytest.param(PROJECT, {"insert_rows_at": (13, 2)}, None, id="project-rows-inserted-inside-merged-group"),
    pytest.param(PROJECT, {"insert_rows_at": 11}, None, id="project-row-inserted-above-table-header"),
    pytest.param(PROJECT, {"insert_rows_at": 10}, None, id="project-row-inserted-inside-the-upper-part"),
    pytest.param(PROJECT, {"delete_rows_at": (18, 15)}, None, id="project-all-blank-rows-deleted"),
    pytest.param(PROJECT, {"merge": ["A12:A15"]}, None, id="project-group-merged-by-the-clerk"),
    pytest.param(PROJECT, {"insert_rows_at": 16, "edits": typed_at(16, TYPED_PROJECT)},
                 with_row(project_data(), 4, {"一级指标": "产出指标", "二级指标": "成本指标", **NEW_PROJECT_ROW}, "项目"),
                 id="project-row-typed-into-inserted-row-below-merged-group"),
    pytest.param(PROJECT, {"insert_rows_at": 15, "edits": typed_at(15, TYPED_PROJECT)},
                 with_row(project_data(), 3, {"一级指标": "产出指标", "二级指标": "时效指标", **NEW_PROJECT_ROW}, "项目"),
                 id="project-row-typed-into-inserted-row-inside-merged-group"),
    pytest.param(PROJECT, {"edits": typed_at(18, TYPED_PROJECT)},
                 with_row(project_data(), 6, {"一级指标": "满意度指标", "二级指标": "服务对象满意度指标", **NEW_PROJECT_ROW},
                          "项目"),
                 id="project-row-typed-at-end-level1-level2-blank"),
    pytest.param(PROJECT, reversed_rows(PROJECT), "reordered", id="project-rows-pasted-in-reverse-order"),
]


def _rows(data: dict[str, Any], template_id: str) -> list[str]:
    rows = data["绩效指标"] if template_id == DEPT else data["项目"][0]["绩效指标"]
    return sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows)


@pytest.mark.parametrize(("template_id", "change", "expected_data"), FALSE_POSITIVES)
def test_check__edit_that_changes_nothing_locked__zero_findings(
    template_id: str, change: dict[str, Any], expected_data: Any
) -> None:
    data = full_data(template_id)
    report = check(returned(template_id, data, **change))
    assert_findings(report, [])
    assert report.data is not None
    if expected_data == "reordered":  # the same rows, in the order they were pasted
        assert _rows(report.data, template_id) == _rows(data, template_id)
        assert report.data["绩效指标" if template_id == DEPT else "项目"] != data["绩效指标" if template_id == DEPT else "项目"]
    else:
        assert report.data == (expected_data or data)


def test_module_docstring__counts__match_the_tables() -> None:
    import re

    doc = __doc__ or ""
    m = re.search(r"MUTATIONS: (\d+) cases of (\d+) kinds of edit \(dept-overall (\d+) cases, project (\d+)\)", doc)
    assert m is not None
    ids = [c.id for c in MUTATIONS]
    kinds = {i.split("-", 1)[1] for i in ids}
    assert tuple(map(int, m.groups())) == (len(ids), len(kinds), sum(i.startswith("dept-") for i in ids),
                                           sum(i.startswith("project-") for i in ids))
    f = re.search(r"FALSE POSITIVES: (\d+) scenarios \(dept-overall (\d+), project (\d+)\)", doc)
    assert f is not None
    fp = [c.id for c in FALSE_POSITIVES]
    dept = sum(i.startswith("dept-") for i in fp)
    assert tuple(map(int, f.groups())) == (len(fp), dept, len(fp) - dept)


# ---- any edit at all: findings, never a traceback -----------------------------------------------------------

def _cell_value() -> st.SearchStrategy[Any]:
    text = free_text(40).filter(lambda s: ILLEGAL_CHARACTERS_RE.search(s) is None)  # openpyxl refuses those
    return st.one_of(st.none(), text, st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                     st.booleans(), st.sampled_from([Formula("=1+1"), Percent(0.95), "≥", ">=", "定性", "产出指标"]))


_EDITS = st.dictionaries(
    st.builds(lambda c, r: f"{c}{r}", st.sampled_from("ABCDEFGHIJ"), st.integers(1, 60)), _cell_value(), max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template_id=st.sampled_from([DEPT, PROJECT]), edits=_EDITS,
       rows=st.lists(st.tuples(st.sampled_from(["insert", "delete"]), st.integers(1, 50), st.integers(1, 3)), max_size=2))
def test_check__random_clerk_edits__findings_with_registered_codes_never_a_traceback(
    template_id: str, edits: dict[str, Any], rows: list[tuple[str, int, int]]
) -> None:
    sheet = S if template_id == DEPT else P
    report = check(returned(template_id, full_data(template_id), edits, ops=[(k, sheet, r, n) for k, r, n in rows]))
    assert report.template == template_id and report.data is not None
    for f in report.findings:
        assert f.code in CODES and f.severity == CODES[f.code].severity
        assert f.sheet is None or f.sheet in (sheet, META_SHEET)
    if not edits and not rows:
        assert report.findings == ()


def test_split_value__unit_repeated_in_the_value__normalised_to_the_number() -> None:
    """95% typed into 指标值 while 计量单位 says % is unambiguous; 100万元 there is not."""
    report = check(returned(DEPT, dept_data(), {"E13": "95%"}))
    assert_findings(report, [(S, "E13", "W-NORMALISED")])
    assert report.data is not None and report.data["绩效指标"][3]["指标值"] == "95"
