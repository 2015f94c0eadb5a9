"""A role's Style -> the xlsxwriter format properties of a cell (pure; emit.py creates the Format objects)."""

from __future__ import annotations

from typing import Any

from ..form.model import Style, ValueType

#: How a date cell shows its date: ISO order, which every client reads back as a date (and the reader too).
DATE_FORMAT = "yyyy-mm-dd"


def num_format(vtype: ValueType, decimals: int | None) -> str:
    """Text is stored as text (@) so that 95% and 001 survive; a number shows its `decimals` places
    (money: two), else what it holds."""
    if vtype is ValueType.TEXT:
        return "@"
    if vtype is ValueType.DATE:
        return DATE_FORMAT
    if vtype is ValueType.PERCENT:
        return "0" + ("." + "0" * decimals if decimals else "") + "%"
    if decimals is None:
        return "General"
    return "0." + "0" * decimals if decimals else "0"


def format_props(style: Style, locked: bool, vtype: ValueType, decimals: int | None = None) -> dict[str, Any]:
    """A number with fixed decimal places (every money value) is right-aligned, so the places line up."""
    align = "right" if vtype.numeric and decimals is not None else style.align
    props: dict[str, Any] = {
        "font_name": style.font, "font_size": style.size, "bold": style.bold, "align": align,
        "valign": style.valign, "text_wrap": style.wrap, "locked": locked, "num_format": num_format(vtype, decimals),
    }
    if style.fill:
        props.update(bg_color=style.fill, pattern=1)
    if style.font_color:
        props["font_color"] = style.font_color
    if style.border:
        props["border"] = 1
    return props
