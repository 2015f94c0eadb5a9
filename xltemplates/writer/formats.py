"""A role's Style -> the xlsxwriter format properties of a cell (pure; emit.py creates the Format objects)."""

from __future__ import annotations

from typing import Any

from ..spec.model import Style, ValueType

#: Text columns are stored as text (@) so that 95% and 001 survive; money shows two decimals.
NUM_FORMATS = {ValueType.TEXT: "@", ValueType.MONEY: "0.00", ValueType.NUMBER: "General"}


def format_props(style: Style, locked: bool, vtype: ValueType) -> dict[str, Any]:
    props: dict[str, Any] = {
        "font_name": style.font, "font_size": style.size, "bold": style.bold, "align": style.align,
        "valign": style.valign, "text_wrap": style.wrap, "locked": locked, "num_format": NUM_FORMATS[vtype],
    }
    if style.fill:
        props.update(bg_color=style.fill, pattern=1)
    if style.font_color:
        props["font_color"] = style.font_color
    if style.border:
        props["border"] = 1
    return props
