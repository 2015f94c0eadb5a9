"""The indicator value grammar (xltemplates.grammar.values): every value found in the three seed texts, the
spellings clerks use, and the edge cases whose reading is a decision (see the values.py docstring).

Seed values were extracted from /work/shared/seeds/*.txt:
* hebei-township-project-targets.txt: 13 project tables x 6 rows = 78 指标值 cells, 26 distinct strings
  (SEED_HEBEI_TOWNSHIP, with the table numbers each occurs in), plus 4 values written in the
  绩效指标 prose (SEED_HEBEI_TOWNSHIP_PROSE).
* hebei-2025-dept-budget-performance-text.txt: one table, 7 指标值 cells (SEED_HEBEI_2025), and the
  values in the 分项绩效目标 prose with the PDF's LaTeX artefacts undone, ``$\\geq 98\\%$`` -> ``≥98%``
  (SEED_HEBEI_2025_PROSE). Deliberately left out: ``\\leq 超过项目预算`` and ``\\leq 被破坏比率 \\geq 90%``
  (garbled: two operators or an operator before a verb), ``是否按月及时发放`` (a question),
  ``全镇生态环境持续向好`` (a sentence), ``61.20 万元`` (an amount in the goal text).
* hunan-dept-overall-declaration-form.txt: 13 rows of 指标值类型 / 指标值 / 计量单位, 7 distinct
  (SEED_HUNAN_SPLIT), plus the targets in its 年度总体目标 prose (SEED_HUNAN_PROSE); left out: the
  wording around them (``达到100%`` -> the value ``100%`` is tested).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltemplates.grammar.values import (
    OPERATORS,
    PROBLEMS,
    QUANT_OPS,
    ParsedValue,
    format_value,
    is_money_unit,
    is_percent_unit,
    normalise_operator,
    normalise_text,
    parse_number,
    parse_split,
    parse_value,
    to_yuan,
)

D = Decimal
DEC31 = datetime.date(2024, 12, 31)


def Q(op: str, number: str, unit: str | None, *, implied: bool = False, norm: bool = False) -> dict[str, Any]:
    """Expected parts of a quantitative value."""
    return dict(kind="quantitative", op=op, number=D(number), unit=unit, date=None,
                implied_op=implied, normalised=norm, problem=None)


def T(op: str = "定性", *, norm: bool = False) -> dict[str, Any]:
    """Expected parts of qualitative text (op is 定性 unless a symbol comparison: ≤上年数)."""
    return dict(kind="qualitative", op=op, number=None, unit=None, date=None,
                implied_op=False, normalised=norm, problem=None)


def DL(date: datetime.date | None, op: str = "≤", *, norm: bool = False) -> dict[str, Any]:
    """Expected parts of a deadline."""
    return dict(kind="deadline", op=op, number=None, unit=None, date=date,
                implied_op=False, normalised=norm, problem=None)


def BAD(problem: str, **params: str) -> dict[str, Any]:
    """Expected parts of an invalid value: the problem text comes from the PROBLEMS table."""
    return dict(kind="invalid", op=None, number=None, unit=None, date=None,
                implied_op=False, normalised=False, problem=PROBLEMS[problem].format(**params))


def parts(pv: ParsedValue) -> dict[str, Any]:
    return dict(kind=pv.kind, op=pv.op, number=pv.number, unit=pv.unit, date=pv.date,
                implied_op=pv.implied_op, normalised=pv.normalised, problem=pv.problem)


# --- seed values ---------------------------------------------------------------------------------

SEED_HEBEI_TOWNSHIP = [  # (text, tables it occurs in, expected)
    ("≥5次", "1,2", Q("≥", "5", "次")),
    ("优", "1,2,4,5,8,12,13", T()),
    ("2024年12月31日前", "1-13", DL(DEC31)),
    ("≤0.5万元", "1", Q("≤", "0.5", "万元")),
    ("≥95%", "1-13", Q("≥", "95", "%")),
    ("≤2500元", "2,13", Q("≤", "2500", "元")),
    ("≥27个", "3,6", Q("≥", "27", "个")),
    ("≤1万元", "3", Q("≤", "1", "万元")),
    ("≥30次", "4", Q("≥", "30", "次")),
    ("≤3万元", "4", Q("≤", "3", "万元")),
    ("≥50次", "5", Q("≥", "50", "次")),
    ("≤6万元", "5", Q("≤", "6", "万元")),
    ("≤2万元", "6", Q("≤", "2", "万元")),
    ("≥5人", "7", Q("≥", "5", "人")),
    ("≤5万元", "7", Q("≤", "5", "万元")),
    ("≥4次", "8,12", Q("≥", "4", "次")),
    ("≤1700元", "8", Q("≤", "1700", "元")),
    ("≥20户", "9", Q("≥", "20", "户")),
    ("优 ", "9", T(norm=True)),  # a trailing space in the seed
    ("≤500元/月", "9", Q("≤", "500", "元/月")),
    ("≥6个", "10", Q("≥", "6", "个")),
    ("≤30万元", "10", Q("≤", "30", "万元")),
    ("≥4人", "11", Q("≥", "4", "人")),
    ("≤3000元", "11", Q("≤", "3000", "元")),
    ("≤2000元", "12", Q("≤", "2000", "元")),
    ("≥3次", "13", Q("≥", "3", "次")),
]
SEED_HEBEI_TOWNSHIP_PROSE = [
    ("大于等于90%", Q("≥", "90", "%", norm=True)),
    ("大于等于95%", Q("≥", "95", "%", norm=True)),
    ("大于等于100%", Q("≥", "100", "%", norm=True)),
    ("不少于5件", Q("≥", "5", "件", norm=True)),
]
SEED_HEBEI_2025 = [
    ("≥10 次", Q("≥", "10", "次", norm=True)),
    ("100%", Q("=", "100", "%", implied=True)),
    ("序时进度", T()),
    ("≤10 万元", Q("≤", "10", "万元", norm=True)),
    ("较上一年提高", T()),
    ("建立健全", T()),
    ("≥95%", Q("≥", "95", "%")),
]
SEED_HEBEI_2025_PROSE = [
    ("≥98%", Q("≥", "98", "%")),
    ("≥95%", Q("≥", "95", "%")),
    ("≤100%", Q("≤", "100", "%")),
    ("≥90%", Q("≥", "90", "%")),
    ("≥ 8 小时", Q("≥", "8", "小时", norm=True)),
    ("≤上年数", T("≤")),
    ("98%以上", Q("≥", "98", "%", norm=True)),
    ("良好", T()),
    ("可持续", T()),
    ("2025 年 12 月 31 日前", DL(datetime.date(2025, 12, 31), norm=True)),  # from a 绩效指标描述
]
SEED_HUNAN_PROSE = [
    ("≥98%", Q("≥", "98", "%")),
    ("≥100%", Q("≥", "100", "%")),
    ("≤1%", Q("≤", "1", "%")),
    ("≤100%", Q("≤", "100", "%")),
    ("100%", Q("=", "100", "%", implied=True)),
    ("98%", Q("=", "98", "%", implied=True)),
]
SEED_HUNAN_SPLIT = [  # (指标值类型, 指标值, 计量单位) -> expected
    (("定性", "科学", "/"), T()),
    (("定性", "合理", "/"), T()),
    (("定性", "相关", "/"), T()),
    (("≥", "100", "%"), Q("≥", "100", "%")),
    (("定性", "有效提升", "/"), T()),
    (("=", "100", "%"), Q("=", "100", "%")),
    (("≤", "1", "%"), Q("≤", "1", "%")),
]
SEED_COMBINED = (
    [(f"hebei-township[{tables}]:{text}", text, exp) for text, tables, exp in SEED_HEBEI_TOWNSHIP]
    + [(f"hebei-township-prose:{t}", t, e) for t, e in SEED_HEBEI_TOWNSHIP_PROSE]
    + [(f"hebei-2025:{t}", t, e) for t, e in SEED_HEBEI_2025]
    + [(f"hebei-2025-prose:{t}", t, e) for t, e in SEED_HEBEI_2025_PROSE]
    + [(f"hunan-prose:{t}", t, e) for t, e in SEED_HUNAN_PROSE]
)


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in SEED_COMBINED], ids=[c[0] for c in SEED_COMBINED]
)
def test_parse_value__seed_values__parts_as_expected(text: str, expected: dict[str, Any]) -> None:
    assert parts(parse_value(text)) == expected


@pytest.mark.parametrize(
    ("cells", "expected"), SEED_HUNAN_SPLIT, ids=["|".join(c) for c, _ in SEED_HUNAN_SPLIT]
)
def test_parse_split__hunan_seed_rows__parts_as_expected(
    cells: tuple[str, str, str], expected: dict[str, Any]
) -> None:
    assert parts(parse_split(*cells)) == expected


def test_seed_tables__counted__match_the_extraction() -> None:
    assert len(SEED_HEBEI_TOWNSHIP) == 26 and len(SEED_HEBEI_2025) == 7 and len(SEED_HUNAN_SPLIT) == 7
    assert len({t for t, _, _ in SEED_HEBEI_TOWNSHIP}) == 26


# --- normalisation --------------------------------------------------------------------------------

NORMALISED = [
    (">=95", Q("≥", "95", None, norm=True)),
    ("=>95", Q("≥", "95", None, norm=True)),
    ("＞＝95", Q("≥", "95", None, norm=True)),
    ("≧95", Q("≥", "95", None, norm=True)),
    ("⩾95", Q("≥", "95", None, norm=True)),
    ("≥９５％", Q("≥", "95", "%", norm=True)),
    ("≥９５．５％", Q("≥", "95.5", "%", norm=True)),
    ("≥95% ", Q("≥", "95", "%", norm=True)),
    ("\u3000≥95%\u3000", Q("≥", "95", "%", norm=True)),
    ("≥95%\xa0", Q("≥", "95", "%", norm=True)),
    ("≥ 95 %", Q("≥", "95", "%", norm=True)),
    ("≥95\u200b%", Q("≥", "95", "%", norm=True)),
    ("大于等于90%", Q("≥", "90", "%", norm=True)),
    ("大于或等于90%", Q("≥", "90", "%", norm=True)),
    ("不低于90%", Q("≥", "90", "%", norm=True)),
    ("不小于90%", Q("≥", "90", "%", norm=True)),
    ("至少3次", Q("≥", "3", "次", norm=True)),
    ("<=5万元", Q("≤", "5", "万元", norm=True)),
    ("=<5万元", Q("≤", "5", "万元", norm=True)),
    ("≦5万元", Q("≤", "5", "万元", norm=True)),
    ("⩽5", Q("≤", "5", None, norm=True)),
    ("小于等于5万元", Q("≤", "5", "万元", norm=True)),
    ("不超过5万元", Q("≤", "5", "万元", norm=True)),
    ("不高于5%", Q("≤", "5", "%", norm=True)),
    ("不大于5%", Q("≤", "5", "%", norm=True)),
    ("5万元以内", Q("≤", "5", "万元", norm=True)),
    ("5%以下", Q("≤", "5", "%", norm=True)),
    ("90%及以上", Q("≥", "90", "%", norm=True)),
    ("＞90%", Q(">", "90", "%", norm=True)),
    ("大于90%", Q(">", "90", "%", norm=True)),
    ("高于90%", Q(">", "90", "%", norm=True)),
    ("＜5%", Q("<", "5", "%", norm=True)),
    ("小于5%", Q("<", "5", "%", norm=True)),
    ("低于5%", Q("<", "5", "%", norm=True)),
    ("＝100%", Q("=", "100", "%", norm=True)),
    ("==100%", Q("=", "100", "%", norm=True)),
    ("等于100%", Q("=", "100", "%", norm=True)),
    ("≥1,234.5元", Q("≥", "1234.5", "元", norm=True)),
    ("＋5%", Q("=", "5", "%", implied=True, norm=True)),
    ("≥\u22125%", Q("≥", "-5", "%", norm=True)),  # U+2212 minus sign
    ("≥5 万 元", Q("≥", "5", "万元", norm=True)),
]


@pytest.mark.parametrize(("text", "expected"), NORMALISED)
def test_parse_value__variant_spellings__canonical_parts_and_normalised(
    text: str, expected: dict[str, Any]
) -> None:
    assert parts(parse_value(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("＞＝９５％", ">=95%"),
        ("ＡＢｃ１２３", "ABc123"),
        ("  有效\u3000\u3000提升\t", "有效 提升"),  # inner runs collapse to one space; ends stripped
        ("\xa0优\xa0", "优"),
        ("合格（含）：优，良；好！？", "合格（含）：优，良；好！？"),  # CJK punctuation kept
        ("≥100㎡", "≥100㎡"),  # not NFKC: ㎡ would become m2
        ("m²", "m²"),
        ("90\u201395%", "90-95%"),  # en dash -> hyphen
        ("\ufeff优\u200b", "优"),
        ("﹥5﹪", ">5%"),
        ("", ""),
    ],
)
def test_normalise_text__cases__as_documented(text: str, expected: str) -> None:
    assert normalise_text(text) == expected


OPERATOR_SPELLINGS = {
    "≥": [">=", "=>", "＞＝", "≧", "⩾", "≥", "大于等于", "不低于", "不少于", "至少", "> =", " ≥ "],
    "≤": ["<=", "=<", "＜＝", "≦", "⩽", "≤", "小于等于", "不超过", "不高于", "不大于", "以内"],
    ">": [">", "＞", "大于", "高于"],
    "<": ["<", "＜", "小于", "低于"],
    "=": ["=", "＝", "==", "等于"],
    "定性": ["定性", " 定性 "],
}


@pytest.mark.parametrize(
    ("spelling", "canonical"), [(s, c) for c, spellings in OPERATOR_SPELLINGS.items() for s in spellings]
)
def test_normalise_operator__known_spelling__canonical(spelling: str, canonical: str) -> None:
    assert normalise_operator(spelling) == canonical


@pytest.mark.parametrize("text", ["", " ", "定量", "优", "≥95%", "95", "≥≥", "大", "超", "以"])
def test_normalise_operator__not_an_operator__none(text: str) -> None:
    assert normalise_operator(text) is None


def test_operators__dropdown_order__canonical_values() -> None:
    assert OPERATORS == ("定性", ">", "≥", "<", "≤", "=")
    assert QUANT_OPS == OPERATORS[1:]
    assert all(normalise_operator(op) == op for op in OPERATORS)


# --- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,234.5", "1234.5"),
        ("１２３", "123"),
        (" 95 ", "95"),
        ("95.0", "95.0"),
        ("0", "0"),
        ("-5", "-5"),
        ("+5", "5"),
        ("1,234,567", "1234567"),
        (95, "95"),
        (95.0, "95"),  # Excel's integral float is an integer
        (0.95, "0.95"),  # through repr, not the binary expansion
        (1e-7, "1E-7"),
        (D("2.50"), "2.50"),
    ],
)
def test_parse_number__plain_number__exact_decimal(value: Any, expected: str) -> None:
    got = parse_number(value)
    assert got == D(expected) and str(got) == expected


@pytest.mark.parametrize(
    "value", ["", " ", "95%", "≥95", "1,23", "1.2.3", "1.2万", "abc", ".5", "5.", "XX", True, False,
              float("nan"), float("inf"), D("NaN"), "1 234"],
)
def test_parse_number__not_a_plain_number__none(value: Any) -> None:
    assert parse_number(value) is None


# --- deadlines -------------------------------------------------------------------------------------

DEADLINES = [
    ("2024年12月31日前", DL(DEC31)),
    ("2024年12月31日", DL(DEC31)),  # a bare date is a deadline
    ("2024年12月31日之前", DL(DEC31)),
    ("2024年12月31号以前", DL(DEC31)),
    ("2024年6月30日前", DL(datetime.date(2024, 6, 30))),
    ("2024年2月29日前", DL(datetime.date(2024, 2, 29))),
    ("2024年12月底前", DL(DEC31)),
    ("2024年2月底前", DL(datetime.date(2024, 2, 29))),
    ("2024年12月前", DL(DEC31)),  # "by December": last day of the month
    ("2024年底前", DL(DEC31)),
    ("2024年年底前", DL(DEC31)),
    ("2024-12-31前", DL(DEC31)),
    ("2024/6/30", DL(datetime.date(2024, 6, 30))),
    ("截至2024年12月31日", DL(DEC31)),
    ("≤2024年12月31日", DL(DEC31)),
    ("<2024年12月31日前", DL(DEC31, "<")),
    ("=2024年12月31日", DL(DEC31, "=")),
    ("１２月底前", DL(None, norm=True)),
    ("12月底前", DL(None)),
    ("12月31日前", DL(None)),
    ("年底前", DL(None)),
    ("年底", DL(None)),
    ("2025 年 12 月 31 日前", DL(datetime.date(2025, 12, 31), norm=True)),
    # what is done by the deadline may follow it (never "=12" with the unit 「月底前有序完成」)
    ("12月底前有序完成", DL(None)),
    ("12月底前完成", DL(None)),
    ("12月底完成", DL(None)),
    ("年底前完成", DL(None)),
    ("2024年12月31日前完成", DL(DEC31)),
    ("2024年12月底前全部完成", DL(DEC31)),
    ("截至2024年12月31日完成", DL(DEC31)),
]


@pytest.mark.parametrize(("text", "expected"), DEADLINES)
def test_parse_value__deadline_phrase__deadline_le(text: str, expected: dict[str, Any]) -> None:
    assert parts(parse_value(text)) == expected


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("2024年12月底前", "2024年12月31日前"), ("2024-12-31", "2024年12月31日前"),
     ("=2024年12月31日", "=2024年12月31日"), ("年底前", "年底前"), ("2025 年 12 月 31 日前", "2025年12月31日前"),
     ("12月底前有序完成", "12月底前有序完成"), ("2024年12月底前全部完成", "2024年12月31日前全部完成")],
)
def test_parse_value__deadline__canonical_spelling(text: str, canonical: str) -> None:
    assert parse_value(text).canonical == canonical


# --- edge cases whose reading is a decision ---------------------------------------------------------

EDGE = [
    ("0起", Q("=", "0", "起", implied=True)),  # no operator: = implied, callers warn
    ("=0次", Q("=", "0", "次")),
    ("≥90%以上", Q("≥", "90", "%", norm=True)),  # redundant suffix
    ("≤5万元以内", Q("≤", "5", "万元", norm=True)),
    (">90%以上", Q(">", "90", "%", norm=True)),  # same direction: the explicit operator wins
    ("1.2万人次", Q("=", "12000", "人次", implied=True)),  # multiplier folds into the number
    ("≥1.2万人次", Q("≥", "12000", "人次")),
    ("≥3亿人次", Q("≥", "300000000", "人次")),
    ("≥2.5万亩", Q("≥", "25000", "亩")),
    ("≥1万亿次", Q("≥", "1", "万亿次")),  # stacked multipliers are kept verbatim
    ("≤5万分之一", Q("≤", "5", "万分之一")),  # 万分之… is no multiplier: the unit is kept verbatim
    ("≤0.5万元", Q("≤", "0.5", "万元")),  # money: kept
    ("≤1.5亿元", Q("≤", "1.5", "亿元")),
    ("=2万元/人", Q("=", "2", "万元/人")),
    ("≥5万", Q("≥", "5", "万")),  # a bare multiplier is kept as the unit
    ("≥3千米", Q("≥", "3", "千米")),  # 千 never folds
    ("≥2个百分点", Q("≥", "2", "个百分点")),
    ("=2878元/月/人", Q("=", "2878", "元/月/人")),
    ("≤166060元", Q("≤", "166060", "元")),
    ("≥-5%", Q("≥", "-5", "%")),  # negative with an explicit sign
    ("-3%", Q("=", "-3", "%", implied=True)),
    ("≥10", Q("≥", "10", None)),  # no unit: callers report E-UNIT-MISSING
    ("6月", Q("=", "6", "月", implied=True)),  # a number of months, not a deadline
    ("≥100m2", Q("≥", "100", "m2")),  # digits after a Latin letter belong to the unit
    ("≥95.0%", Q("≥", "95.0", "%")),
    ("≤上年数", T("≤")),  # symbol comparison with no number: qualitative, op kept for direction
    ("≥ 上年", T("≥", norm=True)),
    (">=上年", T("≥", norm=True)),
    ("不低于上年", T()),  # operator words before text are not split off
    ("最多跑一次", T()),
    ("按期完成", T()),
    ("序时进度", T()),
    ("达标", T()),
    ("合格", T()),
    ("有效提升", T()),
    ("有效 提升", T()),  # an inner space in text is content, not a fix
    ("达到100%", T()),  # text around a number: qualitative (the grammar is not a sentence parser)
    ("符合GB3838-2002标准", T()),  # not mistaken for a range
    ("X射线设备正常运行", T()),
]


@pytest.mark.parametrize(("text", "expected"), EDGE)
def test_parse_value__edge_case__documented_reading(text: str, expected: dict[str, Any]) -> None:
    assert parts(parse_value(text)) == expected


INVALID = [
    ("90-95%", BAD("range")),
    ("90%-95%", BAD("range")),
    ("90%~95%", BAD("range")),
    ("90～95%", BAD("range")),
    ("90—95%", BAD("range")),
    ("5至10次", BAD("range")),
    ("≥90%≤95%", BAD("range")),
    ("≥90%-95%", BAD("range")),
    ("XX", BAD("placeholder", found="XX")),
    ("ＸＸ", BAD("placeholder", found="XX")),
    ("xx", BAD("placeholder", found="xx")),
    ("*", BAD("placeholder", found="*")),
    ("**", BAD("placeholder", found="**")),
    ("-", BAD("placeholder", found="-")),
    ("--", BAD("placeholder", found="--")),
    ("—", BAD("placeholder", found="—")),
    ("_", BAD("placeholder", found="_")),
    ("/", BAD("placeholder", found="/")),
    ("…", BAD("placeholder", found="…")),
    ("无", BAD("placeholder", found="无")),
    ("待定", BAD("placeholder", found="待定")),
    ("详见附件", BAD("attachment")),
    ("见附件2", BAD("attachment")),
    ("", BAD("empty")),
    ("\u3000 ", BAD("empty")),
    ("≥", BAD("op-only", op="≥")),
    ("大于等于", BAD("op-only", op="≥")),
    ("≥=95", BAD("op-twice")),
    ("≥XX%", BAD("x-number")),
    ("XX次", BAD("x-number")),
    ("≥××%", BAD("x-number")),
    ("≥90%以下", BAD("suffix-conflict", op="≥", suffix="以下", implied="≤")),
    ("≤90%以上", BAD("suffix-conflict", op="≤", suffix="以上", implied="≥")),
    ("=90%以上", BAD("suffix-conflict", op="=", suffix="以上", implied="≥")),
    ("≥95%，", BAD("unit", unit="%，")),
    ("≥95%的村民", BAD("unit", unit="%的村民")),
    ("≥5次/年2", BAD("unit", unit="次/年2")),
    ("12月底前完成率100%", BAD("unit", unit="月底前完成率100%")),  # digits after the deadline: not a deadline
    ("≥2024年12月31日前", BAD("deadline-op", op="≥")),
    ("2024年2月30日前", BAD("no-such-date", found="2024年2月30日前")),
    ("2024年13月1日前", BAD("no-such-date", found="2024年13月1日前")),
    ("2月30日前", BAD("no-such-date", found="2月30日前")),
]


@pytest.mark.parametrize(("text", "expected"), INVALID)
def test_parse_value__invalid__chinese_problem(text: str, expected: dict[str, Any]) -> None:
    assert parts(parse_value(text)) == expected


def test_parse_value__any_input__text_kept_and_canonical_set() -> None:
    pv = parse_value("＞＝９５％")
    assert (pv.text, pv.canonical) == ("＞＝９５％", "≥95%")
    assert parse_value("100%").canonical == "=100%"
    assert parse_value("1.2万人次").canonical == "=12000人次"
    assert parse_value(" 优 ").canonical == "优"
    assert parse_value("≤ 上年数").canonical == "≤上年数"


# --- round trip -----------------------------------------------------------------------------------

CANONICAL = ["≥95%", "≤0.5万元", "=2878元/月/人", "≥5次", "=0次", "<3起", ">1.25万元", "≥-5%", "≤166060元",
             "=95.0%", "≥10", "≤1700元", "≥12000人次", "≤500元/月", "≥2个百分点", "=0.0001%"]


@pytest.mark.parametrize("text", CANONICAL)
def test_format_value__canonical_text_parsed__same_text(text: str) -> None:
    pv = parse_value(text)
    assert (pv.kind, pv.normalised, pv.implied_op) == ("quantitative", False, False)
    assert format_value(pv.op, pv.number, pv.unit) == text == pv.canonical


@pytest.mark.parametrize(
    ("args", "expected"),
    [(("≥", D("95"), "%"), "≥95%"), ((None, D("100"), "%"), "100%"), ((">=", D("95"), None), "≥95"),
     (("＝", D("1E+3"), "元"), "=1000元"), (("≤", D("0.50"), "万元"), "≤0.50万元"),
     (("<", D("-0"), ""), "<-0")],
)
def test_format_value__parts__text(args: tuple[Any, Any, Any], expected: str) -> None:
    assert format_value(*args) == expected


@pytest.mark.parametrize(
    ("op", "number"), [("定性", None), ("定性", D(1)), ("≥", None), ("foo", D(1)), ("", D(1))]
)
def test_format_value__no_parts__value_error(op: str, number: Decimal | None) -> None:
    with pytest.raises(ValueError):
        format_value(op, number, None)


UNITS = [None, "%", "次", "个", "人次", "元", "万元", "亿元", "元/月/人", "元/人", "户", "小时", "个百分点",
         "m2", "起"]
decimals = st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False)


@given(op=st.sampled_from(QUANT_OPS), number=decimals, unit=st.sampled_from(UNITS))
def test_format_value__random_parts__parse_value_gives_them_back(
    op: str, number: Decimal, unit: str | None
) -> None:
    pv = parse_value(format_value(op, number, unit))
    assert (pv.kind, pv.op, pv.number, pv.unit, pv.implied_op, pv.normalised) == (
        "quantitative", op, number, unit, False, False)
    assert str(pv.number) == format(number, "f")  # not just equal: the same digits


VALUE_ALPHABET = list("0123456789.,%≥≤<>=＞＝＜－-~至年月日前底末万亿元次人/ XxＸ×以上下内优良合格２３\u3000")


@given(st.text(st.sampled_from(VALUE_ALPHABET), max_size=14))
def test_parse_value__canonical_of_any_value__parses_to_same_parts(text: str) -> None:
    pv = parse_value(text)
    if pv.kind != "invalid":
        again = parse_value(pv.canonical)
        assert (again.kind, again.op, again.number, again.unit, again.date, again.normalised) == (
            pv.kind, pv.op, pv.number, pv.unit, pv.date, False)


@given(st.text(max_size=30))
def test_parse_value__any_text__never_raises_and_invalid_iff_problem(text: str) -> None:
    pv = parse_value(text)
    assert (pv.kind == "invalid") == (pv.problem is not None)
    assert pv.op is None or pv.op in OPERATORS
    assert (pv.number is not None) == (pv.kind == "quantitative")
    if pv.kind == "quantitative":
        assert parts(parse_value(pv.canonical))["number"] == pv.number


# --- the split layout -------------------------------------------------------------------------------

SPLIT = [
    (("≥", "95", "%"), Q("≥", "95", "%")),
    (("≥", 95, "%"), Q("≥", "95", "%")),
    (("≥", 95.0, "%"), Q("≥", "95", "%")),
    (("≤", 0.5, "万元"), Q("≤", "0.5", "万元")),
    (("=", "2878", "元/月/人"), Q("=", "2878", "元/月/人")),
    (("≥", 0, "次"), Q("≥", "0", "次")),
    (("≥", 1.2, "万人次"), Q("≥", "12000", "人次")),
    (("≥", "10", None), Q("≥", "10", None)),  # callers report E-UNIT-MISSING
    (("≥", "10", "/"), Q("≥", "10", None)),
    ((">=", "95", "%"), Q("≥", "95", "%", norm=True)),
    (("＞", "５", " 次"), Q(">", "5", "次", norm=True)),
    (("大于", "1,234", "元"), Q(">", "1234", "元", norm=True)),
    (("≥", " 95 ", "%"), Q("≥", "95", "%", norm=True)),
    (("≥", "95", "％"), Q("≥", "95", "%", norm=True)),
    (("定性", "优", None), T()),
    (("定性", "优", "/"), T()),
    (("定性", "优", "-"), T()),
    (("定性", "优 ", "/"), T(norm=True)),
    (("定性", "有效提升", "%"), T()),  # a unit under 定性 is ignored
    ((" 定性 ", "合格", ""), T(norm=True)),
    (("≤", "2024年12月31日前", None), DL(DEC31)),
    (("定性", "2024年12月31日前", "/"), DL(DEC31)),  # a deadline under 定性 still gives its date
    (("定性", "年底前", "/"), DL(None)),
    (("定性", "12月底前有序完成", "/"), DL(None)),  # not "a number under 定性"
    (("≤", "12月底前有序完成", None), DL(None)),  # not "the unit 月底前有序完成 belongs in 计量单位"
    ((None, 95, "%"), Q("=", "95", "%", implied=True)),  # no operator: read as one combined value
    (("", "≥95", "%"), Q("≥", "95", "%")),
    ((None, "优", None), T()),
    (("定性", 95, None), BAD("split-qualitative-number")),
    (("定性", "≥95%", "/"), BAD("split-qualitative-number")),
    (("定性", "XX", "/"), BAD("placeholder", found="XX")),
    (("定性", "详见附件", "/"), BAD("attachment")),
    (("定性", "90-95%", "/"), BAD("range")),
    (("定性", "≤上年数", "/"), T()),  # under 定性 the text is taken as it stands
    (("≤", "2025 年 12 月 31 日前", None), DL(datetime.date(2025, 12, 31), norm=True)),
    ((None, None, "%"), BAD("empty")),
    (("定性", "95", "/"), BAD("split-qualitative-number")),
    (("定性", "", "/"), BAD("empty")),
    (("定性", None, None), BAD("empty")),
    (("≥", None, "%"), BAD("empty")),
    (("≥", "95%", None), BAD("split-unit-in-value", unit="%")),
    (("≥", "10万元", ""), BAD("split-unit-in-value", unit="万元")),
    (("≥", "优", None), BAD("split-not-number", op="≥")),
    (("≥", True, "%"), BAD("split-not-number", op="≥")),
    (("≥", "XX", "%"), BAD("split-not-number", op="≥")),
    (("定量", "95", "%"), BAD("split-op", op="定量")),
    (("≥", "2024年12月31日前", None), BAD("deadline-op", op="≥")),
]


@pytest.mark.parametrize(("cells", "expected"), SPLIT, ids=[repr(c) for c, _ in SPLIT])
def test_parse_split__cells__parts_as_expected(cells: tuple[Any, Any, Any], expected: dict[str, Any]) -> None:
    assert parts(parse_split(*cells)) == expected


def test_parse_split__numeric_cell__text_is_its_plain_spelling() -> None:
    assert parse_split("≥", 95.0, "%").text == "95"
    assert parse_split("≥", "95.0", "%").text == "95.0"
    assert parse_split("≥", 95.0, "%").canonical == "≥95%"
    assert parse_split(None, None, None).text == ""


@given(op=st.sampled_from(QUANT_OPS), number=decimals, unit=st.sampled_from(UNITS))
def test_parse_split__random_parts__agrees_with_combined(op: str, number: Decimal, unit: str | None) -> None:
    split = parse_split(op, format(number, "f"), unit)
    combined = parse_value(format_value(op, number, unit))
    assert (split.kind, split.op, split.number, split.unit) == (combined.kind, combined.op, combined.number,
                                                                 combined.unit)


# --- units -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "unit", "expected"),
    [("1", "元", "1"), ("0.5", "万元", "5000"), ("1.5", "亿元", "150000000"), ("2", "千元", "2000"),
     ("1.25", "百万元", "1250000"), ("3", "万 元", "30000"), ("166060", "元", "166060"), ("0", "万元", "0"),
     ("2", "万亿元", "2000000000000"), ("1", "元/人", None), ("1", "元/月/人", None), ("1", "万元/人", None),
     ("1", "次", None), ("1", None, None), ("1", "%", None), ("1", "", None), ("1", "美元", None)],
)
def test_to_yuan__unit__exact_amount_or_none(number: str, unit: str | None, expected: str | None) -> None:
    assert to_yuan(D(number), unit) == (None if expected is None else D(expected))


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("元", True), ("万元", True), ("亿元", True), ("千元", True), ("元/人", True), ("元/月/人", True),
     ("万元/个", True), (" 万元 ", True), ("次", False), ("%", False), ("万", False), ("人次", False),
     ("", False), (None, False)],
)
def test_is_money_unit__unit__as_expected(unit: str | None, expected: bool) -> None:
    assert is_money_unit(unit) is expected


@pytest.mark.parametrize(
    ("unit", "expected"), [("%", True), ("％", True), (" % ", True), ("个百分点", False), ("‰", False),
                           ("次", False), (None, False)],
)
def test_is_percent_unit__unit__as_expected(unit: str | None, expected: bool) -> None:
    assert is_percent_unit(unit) is expected
