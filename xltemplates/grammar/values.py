"""Indicator values (指标值): ``[op] number [unit]``, deadline phrases, or qualitative text.

Pure, stdlib only. Every form uses it twice: for combined cells (``≥95%``) and for the split
layout (指标值类型 / 指标值 / 计量单位). Unit arithmetic lives in :mod:`xltemplates.grammar.units`.

Decisions, each pinned by a case in tests/test_values.py:

* Text normalisation is deliberately *narrower* than NFKC: only the full-width ASCII block
  (U+FF01-FF5E) and the small forms ﹢﹣﹤﹥﹦﹪ are folded, so ``＞＝９５％`` becomes ``>=95%`` while
  Chinese punctuation （），：；！？ and units such as ㎡ or m² keep their meaning. Dashes and the minus
  sign (‐‑‒–−) become ``-``; zero-width characters vanish; every whitespace run (ideographic
  space, NBSP, tab, newline) becomes one ASCII space, and the ends are stripped. Inner single spaces
  are kept by :func:`normalise_text` because in qualitative text they are content; the parser
  drops them between grammar tokens (and reports ``normalised``).
* ``normalised`` is True when the input needed a fix a clerk should learn from: character folding,
  whitespace, a non-canonical operator spelling (``>=``, ``大于等于``), thousands separators, a ``+``
  sign, or an ``以上``/``以下``/``以内`` suffix. Accepted wordings are not fixes: ``1.2万人次`` (the
  multiplier is folded into 12000 人次), ``2024年12月底前``, ``之前``/``以前``.
* A number without operator is read as ``=`` with ``implied_op`` (callers warn W-NO-OPERATOR):
  ``100%``, ``0起``. An ``以上`` suffix means ≥ and ``以下``/``以内`` ≤; a suffix contradicting the
  operator (``≥90%以下``) is invalid, a redundant one (``≥90%以上``) is only normalised.
* Negative numbers need an explicit ``-`` right before the digits (``≥-5%``); a lone ``-`` is a
  placeholder. Ranges (``90-95%``, ``90%~95%``, ``5至10次``) are invalid: one bound only.
* 万/亿 before a counting unit fold into the number (``1.2万人次`` -> 12000 人次); money units
  (万元, 亿元, 万元/人) and a bare ``万`` are kept verbatim. 千/百 never fold (千米, 千克, 百分点).
* Deadlines: ``2024年12月31日前``, ``2025 年 12 月 31 日前``, ``2024-12-31前``, ``截至2024年12月31日``,
  ``2024年12月底前``/``2024年12月前`` (last day of that month), ``2024年底前`` (31 Dec) -> kind
  deadline, op ≤. Without a year (``12月底前``, ``年底前``) ``date`` is None. A bare date is a
  deadline too (op ≤). A bare ``6月`` is a quantity (6 months), not a deadline. A deadline that says
  "by then" (前, 以前, 截至, 月底, 年底) may be followed by text without digits: ``12月底前有序完成``,
  ``年底前完成`` are deadlines (never ``=12`` with the unit ``月底前有序完成``); the text is kept in
  ``canonical``.
* Qualitative: anything else that is not a placeholder, op ``定性``. A *symbol* operator before
  non-numeric text (``≤上年数``, ``≥上年``) is a qualitative comparison: kind qualitative, op keeps
  the comparison (for direction checks), number None. Operator *words* before text are not split
  off (``最多跑一次`` stays plain 定性 text). ``按期完成``/``序时进度`` are qualitative.
  Callers must tell quantitative from qualitative by ``kind``, never by ``op``.
* Placeholders are invalid: ``XX``, ``*``, ``-``, ``_``, ``/``, ``—``, ``无``, ``待定``, ``略``,
  ``…``, ``?``, anything mentioning 附件, a lone operator (``≥``), or X's in the number (``≥XX%``).
  Extra text after a unit (``≥95%，``, ``≥95%的村民``) is invalid; a unit is otherwise kept as typed.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from .units import fold_multiplier
from .units import is_money_unit as is_money_unit  # re-exported: one import for the grammar
from .units import is_percent_unit as is_percent_unit
from .units import to_yuan as to_yuan

OPERATORS: tuple[str, ...] = ("定性", ">", "≥", "<", "≤", "=")
QUANT_OPS: tuple[str, ...] = (">", "≥", "<", "≤", "=")
QUALITATIVE = "定性"
QUANTITATIVE = "定量"  # what a 定量/定性 switch column (指标属性) says of a row with a number


def meaning_of(value: str) -> str | None:
    """What a dropdown value unambiguously means to the grammar: an operator (">=" -> "≥", 定性), or a switch's
    定量/定性 (定量指标, 定性指标); None when it has to be declared (``{value: 定量（其他）, means: "="}``)."""
    op = normalise_operator(value)
    if op is not None:
        return op
    t = normalise_text(value)
    return next((m for m in (QUALITATIVE, QUANTITATIVE) if t.startswith(m)), None)

Kind = Literal["quantitative", "qualitative", "deadline", "invalid"]

_KEEP_FULLWIDTH = frozenset("！（），：；？")
_FOLD_SMALL = frozenset("﹢﹣﹤﹥﹦﹪")
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2212")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_SPACE_RUN = re.compile(r" {2,}")
_LAST_SPACE = 0x3000  # str.isspace() is False above the ideographic space (a test walks every code point)
_FOLD: dict[int, str | None] = {
    **{i: " " for i in range(_LAST_SPACE + 1) if chr(i).isspace()},
    **{i: unicodedata.normalize("NFKC", chr(i)) for i in range(0xFF01, 0xFF5F) if chr(i) not in _KEEP_FULLWIDTH},
    **{ord(ch): unicodedata.normalize("NFKC", ch) for ch in _FOLD_SMALL},
    **{ord(ch): "-" for ch in _DASHES},
    **{ord(ch): None for ch in _ZERO_WIDTH},
}
"""normalise_text's character folding as one str.translate table (C speed on a 32,767-character cell)."""

# Symbol spellings may also precede non-numeric text (qualitative comparison); word spellings only
# count before a number or a date. Longest first, so ">=" wins over ">" and "不低于" over "低于".
_SYMBOL_OPS = {
    "≥": "≥", ">=": "≥", "=>": "≥", "≧": "≥", "⩾": "≥",
    "≤": "≤", "<=": "≤", "=<": "≤", "≦": "≤", "⩽": "≤",
    ">": ">", "<": "<", "=": "=", "==": "=",
}
_WORD_OPS = {
    "大于等于": "≥", "大于或等于": "≥", "不低于": "≥", "不少于": "≥", "不小于": "≥", "至少": "≥",
    "小于等于": "≤", "小于或等于": "≤", "不超过": "≤", "不高于": "≤", "不大于": "≤", "不多于": "≤",
    "大于": ">", "高于": ">", "多于": ">", "小于": "<", "低于": "<", "少于": "<", "等于": "=",
}
_SUFFIX_OPS = {"及以上": "≥", "以上": "≥", "及以下": "≤", "以下": "≤", "以内": "≤"}
_WHOLE_WORD_OPS = {"定性": "定性", "以上": "≥", "以下": "≤", "以内": "≤"}
_PREFIXES = sorted([*_SYMBOL_OPS, *_WORD_OPS], key=len, reverse=True)

_NUM = r"(?P<sign>[+-])?(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)"
_QUANT = re.compile(_NUM + r"(?P<unit>.*)", re.S)
_PLAIN_NUMBER = re.compile(_NUM)
_RANGE = re.compile(r"[+-]?[0-9.,]+[^0-9~—至到-]*(?:-|~|—+|至|到)[+-]?[0-9.,]+[^0-9]*")
_X_NUMBER = re.compile(r"[xX×]+[^0-9xX×]{0,4}")  # "XX%", "XX次": a placeholder where the number goes
_PLACEHOLDER = re.compile(r"[xX×*_/\\.…?？—-]+|无|暂无|待定|略|同上")
_BAD_UNIT_CHARS = re.compile(r"[<>=≥≤~—，。；：,;:！!？?、-]|(?<![A-Za-z^])[0-9]")
_CN_DATE = re.compile(
    r"(?P<pre>截至|截止到?)?(?:(?P<y>[0-9]{4})年)?"
    r"(?:(?P<m>[0-9]{1,2})月(?:(?P<d>[0-9]{1,2})[日号]|(?P<mend>底|末|份))?|(?P<yend>年?[底末]))"
    r"(?P<suf>之?前|以前)?"
)
_ISO_DATE = re.compile(
    r"(?P<pre>截至|截止到?)?(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
    r"(?P<suf>之?前|以前)?"
)


# Why a value is invalid, in the clerk's words: what is wrong and how to write it instead.
# The text fills the {hint} of E-VALUE-UNPARSEABLE (codes.py); tests compare against this table.
PROBLEMS: dict[str, str] = {
    "empty": "指标值为空。请填写，如 ≥95%、≤10万元、2024年12月31日前 或 优。",
    "attachment": "请直接填写指标值，不要填写“详见附件”。",
    "placeholder": "「{found}」是占位符，不是指标值。请填写具体数值或定性描述，如 ≥95%、优。",
    "op-only": "只有符号「{op}」，没有数值。请填写数值和单位，如 {op}95%。",
    "op-twice": "比较符号重复或无法识别。请只写一个符号：>、≥、<、≤ 或 =。",
    "x-number": "数值处是占位符（如 XX）。请填写具体数值。",
    "range": "这是一个区间。指标值只能填写一个界限值，如 ≥90% 或 ≤95%。",
    "suffix-conflict": "符号「{op}」与「{suffix}」矛盾。请只保留一种写法，如 {implied}90%。",
    "unit": "计量单位「{unit}」不规范。指标值只填写「符号+数值+单位」，说明文字请写在指标解释中。",
    "deadline-op": "符号「{op}」与「前」矛盾。完成时限请写成 2024年12月31日前。",
    "no-such-date": "日期「{found}」不存在。请核对年月日，如 2024年12月31日前。",
    "split-op": "指标值类型「{op}」无法识别，应为 定性、>、≥、<、≤、= 之一。请从下拉列表选择。",
    "split-qualitative-number": "指标值类型为「定性」时，指标值应为文字（如 优、合格、有效提升）。"
    "数值请选 ≥、≤、= 等。",
    "split-not-number": "指标值类型为「{op}」时，指标值应为数字（不要带单位或文字）。",
    "split-unit-in-value": "指标值一栏只填数字，单位「{unit}」请填在计量单位一栏。",
}


@dataclass(frozen=True)
class ParsedValue:
    """One indicator value, combined or split. Tell the kinds apart by ``kind``, never by ``op``.

    ``text`` is the input as given (the 指标值 cell for split rows); ``op`` is canonical (≤ for
    deadlines, 定性 or a symbol comparison for qualitative, None when invalid); ``unit`` is verbatim
    (元/月/人) after folding 万/亿; ``canonical`` is how the value should have been written (the
    {expected} of W-NORMALISED), empty when invalid; ``problem`` comes from PROBLEMS.
    """

    text: str
    kind: Kind
    op: str | None
    number: Decimal | None
    unit: str | None
    date: datetime.date | None
    implied_op: bool
    normalised: bool
    problem: str | None
    canonical: str = ""


def normalise_text(s: str) -> str:
    """Fold full-width ASCII, dashes and whitespace (see the module docstring for what is kept)."""
    return _SPACE_RUN.sub(" ", s.translate(_FOLD)).strip()


def normalise_operator(s: str) -> str | None:
    """Any unambiguous spelling of an operator (the whole cell) -> its canonical form, else None."""
    t = normalise_text(s).replace(" ", "")
    return _SYMBOL_OPS.get(t) or _WORD_OPS.get(t) or _WHOLE_WORD_OPS.get(t)


def parse_number(s: str | float | int | Decimal) -> Decimal | None:
    """A plain number (text or numeric cell) as an exact Decimal; None for anything else.

    Integral floats become integers (Excel's 100.0 is 100); other floats go through repr, so 0.95
    is Decimal("0.95"), not the binary expansion. Thousands separators must be correctly grouped.
    """
    if isinstance(s, bool):
        return None
    if isinstance(s, Decimal):
        return s if s.is_finite() else None
    if isinstance(s, int):
        return Decimal(s)
    if isinstance(s, float):
        if s != s or s in (float("inf"), float("-inf")):
            return None
        return Decimal(int(s)) if s.is_integer() else Decimal(repr(s))
    m = _PLAIN_NUMBER.fullmatch(normalise_text(s))
    return _decimal(m) if m else None


def _decimal(m: re.Match[str]) -> Decimal:
    n = Decimal(m["num"].replace(",", ""))
    return -n if m["sign"] == "-" else n


def format_value(op: str | None, number: Decimal | None, unit: str | None) -> str:
    """Parts -> canonical text: ``format_value("≥", Decimal("95"), "%") == "≥95%"``.

    The number is written in positional notation exactly as the Decimal holds it (95.0 stays 95.0),
    so text -> parts -> text is the identity for canonical text. Qualitative values have no parts.
    """
    canon = None if op is None else normalise_operator(op)
    if op is not None and canon not in QUANT_OPS:
        raise ValueError(f"op must be one of {QUANT_OPS} or None (got {op!r})")
    if number is None:
        raise ValueError("number must not be None (qualitative values have no parts; use their text)")
    return f"{canon or ''}{format(number, 'f')}{unit or ''}"


def _result(text: str, kind: Kind, op: str | None = None, number: Decimal | None = None,
            unit: str | None = None, date: datetime.date | None = None, *, implied: bool = False,
            norm: bool = False, problem: str | None = None, canonical: str = "") -> ParsedValue:
    return ParsedValue(text, kind, op, number, unit, date, implied, norm, problem, canonical)


def _invalid(text: str, problem: str, **params: str) -> ParsedValue:
    return _result(text, "invalid", problem=PROBLEMS[problem].format(**params))


@lru_cache(maxsize=8192)  # pure and called per cell by the reader, the rules and the export: a round repeats values
def parse_value(s: str) -> ParsedValue:
    """A combined cell (``≥95%``, ``2024年12月31日前``, ``优``) -> its parts; never raises."""
    t = normalise_text(s)
    if not t:
        return _invalid(s, "empty")
    if "附件" in t:
        return _invalid(s, "attachment")
    if _PLACEHOLDER.fullmatch(t.replace(" ", "")):
        return _invalid(s, "placeholder", found=t)
    spelling = next((p for p in _PREFIXES if t.startswith(p)), None)
    op = None if spelling is None else _SYMBOL_OPS.get(spelling) or _WORD_OPS[spelling]
    rest = t[len(spelling or ""):]
    compact = rest.replace(" ", "")
    respelt = spelling is not None and spelling != op
    norm = t != s or " " in t or respelt  # for numbers and dates; qualitative text keeps its spaces
    if op is not None and not compact:
        return _invalid(s, "op-only", op=op)
    if spelling is not None and compact[0] in "<>=≥≤":
        return _invalid(s, "op-twice")
    if _X_NUMBER.fullmatch(compact):
        return _invalid(s, "x-number")
    deadline = _deadline(s, compact, op, norm)
    if deadline is not None:
        return deadline
    if _RANGE.fullmatch(compact):
        return _invalid(s, "range")
    m = _QUANT.fullmatch(compact)
    if m is not None:
        return _quantitative(s, m, op, norm)
    if spelling is None or spelling in _WORD_OPS:
        return _result(s, "qualitative", QUALITATIVE, norm=t != s, canonical=t)
    return _result(s, "qualitative", op, norm=t != s or respelt or rest.startswith(" "),
                   canonical=f"{op}{rest.strip()}")


def _quantitative(s: str, m: re.Match[str], op: str | None, norm: bool) -> ParsedValue:
    number, unit = _decimal(m), m["unit"]
    norm = norm or "," in m["num"] or m["sign"] == "+"
    suffix = next((x for x in _SUFFIX_OPS if unit.endswith(x)), None)
    if suffix is not None:
        unit, norm = unit[: -len(suffix)], True
        implied = _SUFFIX_OPS[suffix]
        if op is None:
            op = implied
        elif {op, implied} not in ({"≥"}, {"≥", ">"}, {"≤"}, {"≤", "<"}):
            return _invalid(s, "suffix-conflict", op=op, suffix=suffix, implied=implied)
    bad = _BAD_UNIT_CHARS.search(unit)
    if bad is not None and bad[0] in "<>=≥≤~—-":
        return _invalid(s, "range")
    number, folded = fold_multiplier(number, unit or None)
    if bad is not None or "的" in unit or (folded or "")[:1] == "%" and folded != "%":  # "≥95%的村民"
        return _invalid(s, "unit", unit=unit)
    unit = folded
    implied_op = op is None
    op = op or "="
    return _result(s, "quantitative", op, number, unit, implied=implied_op, norm=norm,
                   canonical=format_value(op, number, unit))


def _deadline(s: str, compact: str, op: str | None, norm: bool) -> ParsedValue | None:
    m = _CN_DATE.fullmatch(compact) or _ISO_DATE.fullmatch(compact)
    tail = ""
    if m is None:  # "12月底前有序完成", "年底前完成": a deadline, then what is done by then
        m = _CN_DATE.match(compact) or _ISO_DATE.match(compact)
        if m is None or not _is_deadline_mark(m) or _HAS_DIGIT.search(compact[m.end():]):
            return None
        tail = compact[m.end():]
    g = m.groupdict()
    mend, yend = g.get("mend"), g.get("yend")
    if yend and not yend.startswith("年") and not g["y"]:
        return None
    if g.get("m") and not (g["y"] or g["d"] or mend in ("底", "末") or g["suf"] or g["pre"]):
        return None  # "6月": a number of months
    if g["suf"] and op in ("≥", ">", "="):
        return _invalid(s, "deadline-op", op=op)
    op = op or "≤"
    y, mo, d = (int(g[k]) if g.get(k) else None for k in ("y", "m", "d"))
    try:
        if mo is not None and not 1 <= mo <= 12:
            raise ValueError
        if mo is not None and d is not None:
            datetime.date(y or 2000, mo, d)  # validates the day even without a year (leap-year safe)
    except ValueError:
        return _invalid(s, "no-such-date", found=compact)
    date = None
    if y is not None:
        mo = mo or 12
        date = datetime.date(y, mo, d or calendar.monthrange(y, mo)[1])
    if date is not None:
        before = "前" if op == "≤" else ""
        canonical = f"{'' if op == '≤' else op}{date.year}年{date.month}月{date.day}日{before}{tail}"
    else:
        canonical = compact if op == "≤" and (g["suf"] or g["pre"] or tail) else f"{op}{compact}"
    return _result(s, "deadline", op, date=date, norm=norm, canonical=canonical)


_HAS_DIGIT = re.compile(r"[0-9]")


def _is_deadline_mark(m: re.Match[str]) -> bool:
    """The date says "by then" (前, 以前, 截至, 月底, 年底), so text may follow it: 12月底前有序完成."""
    g = m.groupdict()
    return bool(g.get("suf") or g.get("pre") or g.get("mend") in ("底", "末") or g.get("yend"))


_UNIT_BLANKS = frozenset({"", "/", "\\", "-", "—", "——", "无"})


def parse_split(op: str | None, value: str | float | int | None, unit: str | None) -> ParsedValue:
    """The three-column layout (指标值类型 / 指标值 / 计量单位). ``text`` is the 指标值 cell.

    Quantitative operators need a plain number in the value cell (a unit typed into it is an
    error: it belongs in 计量单位); 定性 needs text. A deadline phrase is accepted under either.
    A missing operator reads the two cells as one combined value (so ``95`` + ``%`` is an implied =).
    A unit cell of ``/``, ``-`` or ``无`` means no unit.
    """
    vnum = None if value is None or isinstance(value, str) else parse_number(value)
    if isinstance(value, str) or value is None:
        text = value or ""
    else:
        text = str(value) if vnum is None else format(vnum, "f")
    v, u = normalise_text(text), normalise_text(unit or "").replace(" ", "")
    norm = v != text or (unit is not None and u != unit.strip() and unit.strip() not in _UNIT_BLANKS)
    u_or_none = None if u in _UNIT_BLANKS else u
    if not v:
        return _invalid(text, "empty")
    if op is None or not normalise_text(op):
        res = parse_value(text + (u_or_none or ""))
        return _result(text, res.kind, res.op, res.number, res.unit, res.date, implied=res.implied_op,
                       norm=res.normalised or norm, problem=res.problem, canonical=res.canonical)
    canon = normalise_operator(op)
    if canon is None:
        return _invalid(text, "split-op", op=op)
    norm = norm or op != canon
    deadline = _deadline(text, v.replace(" ", ""), None if canon == QUALITATIVE else canon, norm or " " in v)
    if deadline is not None:
        return deadline
    number = vnum if vnum is not None else parse_number(v)
    if canon == QUALITATIVE:
        res = parse_value(text)
        if number is not None or res.kind == "quantitative":
            return _invalid(text, "split-qualitative-number")
        if res.kind == "invalid":  # placeholders, ranges, 详见附件
            return res
        return _result(text, "qualitative", QUALITATIVE, norm=norm, canonical=v)
    if number is None:
        combined = parse_value(v)
        if combined.kind == "quantitative" and combined.unit:
            return _invalid(text, "split-unit-in-value", unit=combined.unit)
        return _invalid(text, "split-not-number", op=canon)
    norm = norm or "," in v or v.startswith("+")
    number, u_or_none = fold_multiplier(number, u_or_none)
    return _result(text, "quantitative", canon, number, u_or_none, norm=norm,
                   canonical=format_value(canon, number, u_or_none))
