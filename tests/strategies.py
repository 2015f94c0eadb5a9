"""Hypothesis strategies for valid data of the shipped templates (shared by the round-trip tests).

"Valid" means: generate accepts it without --allow-findings and a clean return of it holds no finding, so
a round trip can assert the data AND an empty findings list. Free text is deliberately hostile: CJK,
full-width forms, astral characters, every C0 control character (\\x00-\\x1f; xlsxwriter writes them as
_xHHHH_ escapes and the reader undoes them, \\r and \\x00 included), U+FFFE/U+FFFF, text that looks like a
formula, a URL, a number or an escape (_x0041_), and long strings up to a few thousand characters.
Placeholder text (XX, 详见附件, a lone /) is kept out: in a required cell it is a finding (E-PLACEHOLDER).
What does NOT round-trip is kept out and pinned down by explicit tests instead (test_round_trip.py):
blank-only text (read as empty), lone surrogates (refused by generate), overlapping escape look-alikes.

Cells the reader normalises (list columns, the dept form's 指标值类型/指标值/计量单位, the project form's
combined 指标值) are drawn in their canonical spelling, since normalising them is reported as a warning.
Money is drawn in whole 分 (two decimals) and made consistent with the sum and spending-plan rules; no two
indicator rows share (二级指标, 三级指标) (the `unique` rule).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from xltemplates.catalogue.registry import get_template
from xltemplates.form.model import TableBlock, Template
from xltemplates.grammar.placeholders import is_placeholder
from xltemplates.grammar.values import normalise_text, parse_number, parse_value

YEAR = 2025
CTX = {"year": YEAR, "unit_code": "001", "unit_name": "测试单位"}
QUANT_OPS = (">", "≥", "<", "≤", "=")


def template(template_id: str) -> Template:
    return get_template(template_id, CTX)


def indicator_table(t: Template) -> TableBlock:
    return t.tables[0]


# ---- text ------------------------------------------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
FULL_WIDTH = st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)
CONTROL = st.characters(min_codepoint=0x00, max_codepoint=0x1F)
ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
ANY = st.characters(exclude_categories=("Cs",))  # lone surrogates cannot be stored (generate refuses them)
NONCHARS = st.sampled_from(["\ufffe", "\uffff", "\u2028", "\x85", "\u3000", "\ufeff"])
FRAGMENTS = st.sampled_from([
    "=SUM(A1:A3)", "=1+1", "http://www.example.cn", "001", "1e5", "95%", "_x0041_", "_x000D_", "_x005F_",
    "  前后空格  ", "\r\n", "\t", "≥", "＞＝", "𠀀😀", "项目编码", "TRUE", "#N/A", "<b>&amp;</b>", "'",
])

_char = st.one_of(CJK, CJK, FULL_WIDTH, CONTROL, ASCII, ASCII, ANY, NONCHARS)


def _overlapping_escape(s: str) -> bool:
    """'_x0041_x0042_': two escape look-alikes sharing an underscore; xlsxwriter escapes only the first."""
    import re

    return re.search(r"_x[0-9A-Fa-f]{4}(?=_x[0-9A-Fa-f]{4}_)", s) is not None


def free_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Any text a clerk or a bureau could put in a free-text cell (never blank-only)."""
    piece = st.one_of(st.text(_char, min_size=1, max_size=12), FRAGMENTS)
    return (st.lists(piece, min_size=1, max_size=6).map("".join)
            .map(lambda s: s[:max_size])
            .filter(lambda s: s.strip() != "" and not _overlapping_escape(s) and not is_placeholder(s)))


def long_text(limit: int) -> st.SearchStrategy[str]:
    """Short or long (up to `limit` characters) free text."""
    repeated = st.builds(lambda s, n: (s * n)[:limit], free_text(40), st.integers(20, 400))
    return st.one_of(free_text(min(limit, 60)), repeated).filter(
        lambda s: s.strip() != "" and not _overlapping_escape(s) and not is_placeholder(s))


def optional(s: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), s)


def canonical_text(max_size: int = 20) -> st.SearchStrategy[str]:
    """Text the reader leaves alone in a normalised cell: already NFKC-folded, single spaces, not a number."""
    alphabet = st.one_of(CJK, st.characters(min_codepoint=0x41, max_codepoint=0x7A), st.sampled_from(" /、，（）"))
    return (st.text(alphabet, min_size=1, max_size=max_size)
            .filter(lambda s: normalise_text(s) == s and s != "" and parse_number(s) is None and not is_placeholder(s)))


# ---- numbers and money -----------------------------------------------------------------------------------

def number_text() -> st.SearchStrategy[str]:
    """A plain number as the 指标值 column of the split form wants it: no separators, no spaces."""
    return st.from_regex(r"\A(0|[1-9][0-9]{0,6})(\.[0-9]{1,3})?\Z")


def money(max_fen: int = 10**9) -> st.SearchStrategy[float]:
    return st.integers(0, max_fen).map(lambda fen: float(Decimal(fen) / 100))


def fen(x: float | None) -> int:
    return 0 if x is None else int(Decimal(str(x)) * 100)


def yuan(n: int) -> float:
    return float(Decimal(n) / 100)


def distinct(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows without repeats of (二级指标, 三级指标) (the templates' `unique` rule), first ones kept."""
    seen: set[tuple[Any, Any]] = set()
    out = []
    for r in rows:
        key = (r["二级指标"], r["三级指标"])
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


# ---- the signature block both forms end with ---------------------------------------------------------------

SIGNATURE = ("填报单位", "单位负责人", "填报人", "联系电话", "填报日期")


def signature() -> st.SearchStrategy[dict[str, Any]]:
    """The signature block's fields: any of them may be left empty (they are signed by hand on the printout)."""
    return st.fixed_dictionaries({k: optional(free_text(40)) for k in SIGNATURE})


# ---- dept-overall --------------------------------------------------------------------------------------

UNITS = ("%", "个", "次", "人次", "万元", "元/人", "天", "平方米", "km", "项")


@st.composite
def dept_row(draw: st.DrawFn, level1: str | None = None) -> dict[str, Any]:
    t = template("dept-overall")
    l1 = level1 or draw(st.sampled_from(t.lists["level1"].values))
    op = draw(st.sampled_from(t.lists["ops"].values))
    if op == "定性":
        value = draw(canonical_text())
        unit = draw(st.one_of(st.none(), st.just("/"), canonical_text(6)))
    else:
        value = draw(number_text())
        unit = draw(st.one_of(st.sampled_from(UNITS), canonical_text(6).filter(lambda u: u.strip() != "/")))
    return {
        "一级指标": l1,
        "二级指标": draw(st.sampled_from(t.cascades["level2"][l1])),
        "三级指标": draw(free_text(100)),
        "指标值类型": op,
        "指标值": value,
        "计量单位": unit,
        "指标解释": draw(optional(free_text(300))),
        "评/扣分标准": draw(optional(free_text(80))),
    }


@st.composite
def dept_data(draw: st.DrawFn) -> dict[str, Any]:
    """部门整体 data: some of the issued presets (kept verbatim, so they are grey and locked), one row per
    required 一级 at least (level1_present), more rows of the unit's own, in any order."""
    t = template("dept-overall")
    table = indicator_table(t)
    presets = [{c.key: p.get(c.key) for c in table.columns} for p in table.presets]
    kept = [p for p in presets if draw(st.booleans())]
    own = [draw(dept_row(l1)) for l1 in t.lists["level1"].values]
    own += draw(st.lists(dept_row(), max_size=6))
    rows = draw(st.permutations(distinct(kept + own)))
    return {
        "部门单位名称": draw(st.one_of(st.just(CTX["unit_name"]), free_text(40))),
        "部门（单位）职责": draw(long_text(2000)),
        "年度总体目标": draw(long_text(4000)),
        "绩效指标": list(rows),
        **draw(signature()),
    }


# ---- project ---------------------------------------------------------------------------------------------

def _clean(value: str) -> bool:
    p = parse_value(value)
    return p.kind != "invalid" and not p.normalised and not p.implied_op


@st.composite
def indicator_value(draw: st.DrawFn, level2: str, budget_fen: int) -> str:
    """A combined 指标值 in canonical spelling that passes every project rule for its row."""
    if level2 == "成本指标":  # cost_within_budget: a money ceiling no higher than the budget (万元)
        amount = draw(st.integers(0, budget_fen))
        value = f"≤{Decimal(amount) / 100}万元"
    else:
        kind = draw(st.sampled_from(["quantity", "percent", "deadline", "qualitative"]))
        if kind == "quantity":
            value = draw(st.sampled_from(QUANT_OPS)) + draw(number_text()) + draw(st.sampled_from(UNITS[1:]))
        elif kind == "percent":  # percent_max: never above 100%
            value = draw(st.sampled_from(QUANT_OPS)) + str(draw(st.integers(0, 100))) + "%"
        elif kind == "deadline":  # deadline_in_year: inside the fiscal year
            month = draw(st.integers(1, 12))
            value = f"{YEAR}年{month}月{draw(st.integers(1, 28))}日前"
        else:
            value = draw(canonical_text(12).filter(lambda s: not any(ch.isdigit() for ch in s)))
    return value if _clean(value) else draw(st.sampled_from(["有效提升", "合格", "≥95%"]))


@st.composite
def project_row(draw: st.DrawFn, budget_fen: int, level1: str | None = None) -> dict[str, Any]:
    t = template("project")
    l1 = level1 or draw(st.sampled_from(t.lists["level1"].values))
    l2 = draw(st.sampled_from(t.cascades["level2"][l1]))
    return {
        "一级指标": l1,
        "二级指标": l2,
        "三级指标": draw(free_text(100)),
        "绩效指标描述": draw(optional(free_text(200))),
        "指标值": draw(indicator_value(l2, budget_fen)),
        "指标值确定依据": draw(optional(free_text(60))),
    }


@st.composite
def project_item(draw: st.DrawFn) -> dict[str, Any]:
    """One project: 预算数 = 财政资金 + 其他资金 (blank = 0), a cumulative plan ending at 预算数."""
    budget = draw(st.integers(1, 10**8))
    fiscal = draw(st.integers(0, budget))
    other = budget - fiscal
    cuts = sorted(draw(st.lists(st.integers(0, budget), min_size=3, max_size=3)))
    plan = [yuan(c) if draw(st.booleans()) else None for c in cuts]  # 3/6/10月底 optional, non-decreasing
    t = template("project")
    rows = [draw(project_row(budget, l1)) for l1 in t.lists["level1"].values]
    rows += draw(st.lists(project_row(budget), max_size=4))
    return {
        "项目编码": draw(st.one_of(st.from_regex(r"\A[0-9]{8}[A-Z][0-9A-Z]{4,12}\Z"), free_text(30))),
        "项目名称": draw(free_text(60)),
        "预算数": yuan(budget),
        "财政资金": yuan(fiscal) if fiscal or draw(st.booleans()) else None,
        "其他资金": yuan(other) if other or draw(st.booleans()) else None,
        "资金用途": draw(long_text(1000)),
        "3月底": plan[0],
        "6月底": plan[1],
        "10月底": plan[2],
        "12月底": yuan(budget),
        "绩效目标": draw(long_text(2000)),
        "绩效指标": list(draw(st.permutations(distinct(rows)))),
        **draw(signature()),
    }


def project_data() -> st.SearchStrategy[dict[str, Any]]:
    # distinct 项目编码: the same code twice is the same project twice (rule unique_field reports it)
    return st.lists(project_item(), min_size=1, max_size=3, unique_by=lambda p: p["项目编码"]).map(
        lambda items: {"项目": items})


DATA = {"dept-overall": dept_data, "project": project_data}
