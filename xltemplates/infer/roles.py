"""What a cell of an official form is, from its look: the colour convention of the provinces' forms (blue, yellow
and green header rows, grey issued data, white cells to fill), red instruction lines and a large bold title.

Only a guess about someone else's file, so every rule here is deliberately loose (a light or a dark blue is blue)
and what it could not place is said in the inferred template's comments.
"""

from __future__ import annotations

import re

from ..form.model import Role, ValueType
from .source import SCell


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def fill_role(fill: str | None) -> Role | None:
    """The role a fill colour stands for: blue header, yellow required, green optional, grey prefilled; None for
    no fill (white included) or a colour the convention does not name."""
    if fill is None:
        return None
    r, g, b = _rgb(fill)
    if min(r, g, b) >= 0xF5:
        return None  # white
    if max(r, g, b) - min(r, g, b) <= 0x14:
        return Role.PREFILLED
    if b > r + 0x10 and b >= g:
        return Role.HEADER
    if r >= 0xC0 and g >= 0xA0 and b < min(r, g) - 0x30:
        return Role.REQUIRED
    if g > r and g > b:
        return Role.OPTIONAL
    return Role.HEADER


def is_red(colour: str | None) -> bool:
    if colour is None:
        return False
    r, g, b = _rgb(colour)
    return r >= 0x99 and g <= 0x60 and b <= 0x60


LABEL_FILLS = frozenset({Role.HEADER, Role.REQUIRED, Role.OPTIONAL})


def label_role(cell: SCell | None) -> Role | None:
    """A label's role when the cell is a coloured header (blue, yellow, green)."""
    if cell is None:
        return None
    role = fill_role(cell.fill)
    return role if role in LABEL_FILLS else None


def text_role(cell: SCell, wide: bool) -> Role:
    """A text cell without a label colour: an instruction (red), a title (large and bold, or bold across the
    sheet), or a plain blue-less header (a caption such as 「单位：万元」)."""
    if is_red(cell.font_color):
        return Role.INSTRUCTION
    if cell.bold and ((cell.size or 11) >= 14 or wide):
        return Role.TITLE
    return Role.HEADER


_DATE_CODE = re.compile(r"[yd]", re.I)


def value_type(cell: SCell | None, check: str | None) -> tuple[ValueType, int | None]:
    """A value cell's type (and decimals) from its number format, else from its data validation."""
    code = (cell.number_format if cell is not None else "General") or "General"
    plain = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    if code == "@":
        return ValueType.TEXT, None
    if "%" in plain:
        return ValueType.PERCENT, None
    if _DATE_CODE.search(plain) and code != "General":
        return ValueType.DATE, None
    m = re.fullmatch(r"(?:#,##)?0(?:\.(0+))?", plain)
    if m:
        places = len(m[1] or "")
        if places == 2:
            return ValueType.MONEY, None
        return (ValueType.INTEGER, None) if places == 0 else (ValueType.NUMBER, places)
    if check == "date":
        return ValueType.DATE, None
    if check == "whole":
        return ValueType.INTEGER, None
    if check == "decimal":
        return ValueType.NUMBER, None
    return ValueType.TEXT, None
