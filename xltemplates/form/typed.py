"""Values in their field's type: what the bureau issues (presets, defaults, grid and table data) is written
as the type of its field, and compared by value when the workbook comes back (5 = 5.0; 100% = 1 in a
percent cell; 2025年1月1日 = 2025-01-01 in a date cell).

How each type is carried in the data (and returned by `check`):

- text: a string; a number given for a text field becomes its text (100 -> "100", 5.0 -> "5");
- number, money: an int or a float (numeric text such as "5" is taken as 5);
- integer: an int (5.0 and "5" are 5; 5.5 is not an integer);
- percent: the number the cell stores, as Excel does (0.95 shows as 95%); "95%" as text is 0.95;
- date: ISO text, "2025-01-01" (from a date, an Excel serial, or 20250101 / 2025-01-01 / 2025年1月1日).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ..grammar.dates import date_text, parse_date, to_serial
from ..grammar.text import squash
from ..grammar.values import normalise_text, parse_number
from .model import ValueType

Scalar = str | float | int | None


class TypeProblem(ValueError):
    """A value that cannot be read as its field's type; the message says what was expected and got."""


def _number_out(d: Decimal) -> float | int:
    return int(d) if d == d.to_integral_value() else float(d)


def _percent_text(s: str) -> Decimal | None:
    text = normalise_text(s).replace(" ", "")
    if text.endswith("%"):
        d = parse_number(text[:-1])
        return None if d is None else d / 100
    return parse_number(text)


def coerce(value: object, vtype: ValueType) -> Scalar:
    """`value` (from a template or prefill data) in the type of its field; TypeProblem when it is not one.

    Idempotent, and numbers given as numbers keep their Python type (20.0 stays 20.0), so a layout rebuilt
    from what was issued has the same fingerprint as the one written."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeProblem(f"expected a {vtype.value} value, got the flag {value!r}")
    if vtype is ValueType.TEXT:
        if isinstance(value, str):
            return value
        if isinstance(value, datetime.date):
            return date_text(value)
        if isinstance(value, (int, float)):
            d = parse_number(value)
            if d is None:
                raise TypeProblem(f"expected text, got {value!r}")
            return format(d.normalize(), "f") if d != d.to_integral_value() else str(int(d))
        raise TypeProblem(f"expected text, got {type(value).__name__} {value!r}")
    if vtype is ValueType.DATE:
        found = parse_date(value)
        if found is None:
            raise TypeProblem(f"expected a date (2025-01-01, 20250101, 2025年1月1日), got {value!r}")
        return date_text(found)
    if isinstance(value, (int, float)):
        d = parse_number(value)
        if d is None:
            raise TypeProblem(f"expected a finite number, got {value!r}")
        if vtype is ValueType.INTEGER:
            if d != d.to_integral_value():
                raise TypeProblem(f"expected a whole number, got {value!r}")
            return int(d)
        return value
    if not isinstance(value, str):
        raise TypeProblem(f"expected a {vtype.value} value, got {type(value).__name__} {value!r}")
    parsed = _percent_text(value) if vtype is ValueType.PERCENT else parse_number(value)
    if parsed is None:
        raise TypeProblem(f"expected a {vtype.value} value, got {value!r}")
    if vtype is ValueType.INTEGER and parsed != parsed.to_integral_value():
        raise TypeProblem(f"expected a whole number, got {value!r}")
    return _number_out(parsed)


def issue(value: object, vtype: ValueType) -> Any:
    """`value` in its field's type when it is one, else unchanged (data already checked by schema.py)."""
    try:
        return coerce(value, vtype)
    except TypeProblem:
        return value


def same(a: object, b: object, vtype: ValueType) -> bool:
    """Whether a returned value equals an issued one, by value in the field's type (text, and anything not
    of its type: after NFKC and without whitespace, as labels are compared)."""
    if vtype is not ValueType.TEXT:
        try:
            x, y = coerce(a, vtype), coerce(b, vtype)
        except TypeProblem:
            pass
        else:
            return _equal(x, y)
    return squash(_text(a)) == squash(_text(b))


def _equal(x: Scalar, y: Scalar) -> bool:
    if x is None or y is None or isinstance(x, str) or isinstance(y, str):
        return x == y
    dx, dy = parse_number(x), parse_number(y)
    if dx is None or dy is None:
        return False
    # a client that re-saves the file writes 15 significant digits (0.30000000000000004 comes back 0.3)
    return abs(dx - dy) <= Decimal("1e-12") * max(Decimal(1), abs(dx), abs(dy))


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        d = parse_number(v)
        return str(v) if d is None else format(d.normalize(), "f")
    return str(v)


def show(v: object, vtype: ValueType = ValueType.TEXT) -> str | None:
    """A value as a message shows it: 5.0 -> 5, 1 in a percent field -> 100%, a date as 2025-01-01."""
    if v is None:
        return None
    if vtype is ValueType.PERCENT and isinstance(v, (int, float)) and not isinstance(v, bool):
        d = parse_number(v)
        if d is not None:
            return format((d * 100).normalize(), "f") + "%"
    return _text(v)


def cell_number(value: object, vtype: ValueType) -> float | int | None:
    """The number a cell of this type stores for `value`: a date's Excel serial, a number itself; None for
    text (written as a string)."""
    if isinstance(value, bool):
        return None
    if vtype is ValueType.DATE and isinstance(value, str):
        found = parse_date(value)
        return None if found is None else to_serial(found)
    if isinstance(value, (int, float)):
        return value
    return None
