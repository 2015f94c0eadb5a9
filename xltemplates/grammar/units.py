"""Units of indicator values (计量单位): money conversion, percent, and the 万/亿 multiplier.

Pure; imported by :mod:`xltemplates.grammar.values`, which re-exports the public functions.
Units are compared after NFKC and with spaces removed (``％`` is ``%``, ``万 元`` is ``万元``); that
is safe here because only membership in the tables below is decided, the unit text is never rewritten.
"""

from __future__ import annotations

from decimal import Decimal

from .text import squash

# Amounts only: a compound such as 元/人 is a money unit (unit cost) but not an amount.
MONEY_UNITS: dict[str, int] = {
    "元": 1, "千元": 10**3, "万元": 10**4, "百万元": 10**6, "亿元": 10**8, "万亿元": 10**12,
}
PERCENT_UNITS = frozenset({"%", "百分比"})
_MULTIPLIERS = {"万": 4, "亿": 8}


def _key(unit: str | None) -> str:
    return squash(unit or "")


def is_money_unit(unit: str | None) -> bool:
    """True for 元/千元/万元/百万元/亿元 and compounds whose numerator is one of them (元/月/人)."""
    return _key(unit).split("/")[0] in MONEY_UNITS


def is_percent_unit(unit: str | None) -> bool:
    """True for % (full-width ％ included). 个百分点 is a difference of percentages, not a percent."""
    return _key(unit) in PERCENT_UNITS


def to_yuan(number: Decimal, unit: str | None) -> Decimal | None:
    """An amount in 元 (exact), or None when the unit is not a plain money amount (元/人, 次, None)."""
    factor = MONEY_UNITS.get(_key(unit))
    return None if factor is None else number * factor


def fold_multiplier(number: Decimal, unit: str | None) -> tuple[Decimal, str | None]:
    """``1.2`` + ``万人次`` -> ``12000`` + ``人次``.

    Left alone: money units, a bare 万, 万分之…, and stacked multipliers (万亿…), which are rare
    enough that keeping the text verbatim beats guessing.
    """
    if not unit or unit[0] not in _MULTIPLIERS or len(unit) == 1 or unit[1] in "分万亿" or is_money_unit(unit):
        return number, unit
    return Decimal(format(number.scaleb(_MULTIPLIERS[unit[0]]), "f")), unit[1:]
