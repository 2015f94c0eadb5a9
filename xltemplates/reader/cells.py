"""Raw cell values as a returned workbook holds them -> the values the data JSON holds.

Excel, WPS and LibreOffice store what a clerk typed in different ways: 95% in a General cell is the number
0.95 with a percent format, 100 in a text column may come back as the number 100.0, a date as a serial
number. These helpers undo that, and say when they had to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..form import typed
from ..form.model import ValueType
from ..grammar.dates import date_text, parse_date
from .grid import CellValue, SheetGrid


def number_text(v: float) -> str:
    """100.0 -> '100', 0.5 -> '0.5', 1e-07 -> '0.0000001' (never scientific notation)."""
    d = Decimal(repr(v)).normalize()
    text = format(d, "f")
    return text


def excel_date(serial: float, date1904: bool = False) -> date:
    base = date(1904, 1, 1) if date1904 else date(1899, 12, 30)
    return base + timedelta(days=int(serial))


def as_text(grid: SheetGrid, row: int, col: int, v: CellValue, date1904: bool = False) -> tuple[str | None, str | None]:
    """(text, note): the cell as the text the clerk saw; note says how it was converted, if it was."""
    if v is None:
        return None, None
    if isinstance(v, bool):
        return ("TRUE" if v else "FALSE"), None
    if isinstance(v, (int, float)):
        if (row, col) in grid.percent:
            return number_text(round(float(v) * 100, 10)) + "%", "percent"
        if (row, col) in grid.dates:
            try:
                return excel_date(float(v), date1904).isoformat(), "date"
            except (OverflowError, ValueError):
                return number_text(float(v)), None
        return number_text(float(v)), None
    text = str(v)
    return (text if text != "" else None), None


def as_number(v: CellValue, percent: bool = False) -> tuple[float | None, bool]:
    """(number, was_text) for a number/money cell; (None, False) when it is not a number."""
    from ..grammar.values import parse_number

    if v is None or isinstance(v, bool):
        return None, False
    if isinstance(v, (int, float)):
        return (float(v) * 100 if percent else float(v)), False
    d = parse_number(str(v))
    if d is None:
        return None, False
    return float(d), True


def is_blank(v: CellValue) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


@dataclass(frozen=True, slots=True)
class Typed:
    """A typed cell read (typed.py): its value for the data, and what the reader says about it: `problem` a
    code (E-NOT-NUMBER, E-NOT-INTEGER, E-NOT-DATE; the value is then the raw one), `shown` the canonical
    text a W-NORMALISED names when the clerk's spelling differed (20250101 -> 2025-01-01)."""

    value: object
    problem: str | None = None
    shown: str | None = None


def as_typed(grid: SheetGrid, row: int, col: int, vtype: ValueType, date1904: bool = False) -> Typed:
    """A percent, integer or date cell's value (number and money cells: `as_number`)."""
    raw = grid.get(row, col)
    if vtype is ValueType.DATE:
        dated = (row, col) in grid.dates
        found = parse_date(raw, date1904, serial=dated)
        if found is None:
            return Typed(raw, "E-NOT-DATE")
        text = date_text(found)
        plain = isinstance(raw, str) and raw.strip() == text or dated and isinstance(raw, (int, float))
        return Typed(text, shown=None if plain else text)
    if vtype is ValueType.PERCENT:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return Typed(float(raw))
        value = typed.issue(raw if not isinstance(raw, str) or raw.strip().endswith(("%", "％")) else raw + "%",
                            ValueType.PERCENT)
        if not isinstance(value, (int, float)):
            return Typed(raw, "E-NOT-NUMBER")
        return Typed(value, shown=typed.show(value, ValueType.PERCENT))
    num, was_text = as_number(raw)
    if num is None:
        return Typed(raw, "E-NOT-NUMBER")
    if not num.is_integer():
        return Typed(raw, "E-NOT-INTEGER")
    return Typed(int(num), shown=str(int(num)) if was_text else None)
