"""A layout's Validation -> the xlsxwriter data-validation options of its cells (pure; emit.py writes them).

A list column gets its dropdown (the cascade's source looked up from its parent cell), a number or money
cell a number check at its precision, and any cell with a hint the input message shown when it is selected.
Excel allows one validation per cell, so each carries all three where they apply.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..a1 import a1
from ..form.model import Template, ValueType
from ..layout import LSheet, Validation
from .lists import error_message, source_for


def validation_options(t: Template, sheet: LSheet, dv: Validation) -> dict[str, Any]:
    if dv.list is not None:
        opts: dict[str, Any] = {
            "validate": "list", "source": source_for(t, dv.list, dv.first_row, dv.cascade_col),
            "error_type": "stop", "error_title": "输入无效",
            "error_message": _list_message(t, sheet, dv),
            "show_error": True, "ignore_blank": True,
        }
    elif dv.number is not None:
        opts = _number_check(dv)
    else:
        opts = {"validate": "any"}
    if dv.hint:
        opts.update(input_title=(dv.title or "填写提示")[:31], input_message=dv.hint[:250], show_input=True)
    return opts


def _list_message(t: Template, sheet: LSheet, dv: Validation) -> str:
    assert dv.list is not None
    label = dv.title or ""
    if dv.cascade_col is None:
        return error_message(t, dv.list, label)
    parent_cell = sheet.cells.get((dv.first_row if dv.cascade_row is None else dv.cascade_row, dv.cascade_col))
    fixed = parent_cell is not None and parent_cell.locked and (dv.cascade_row is not None or dv.first_row == dv.last_row)
    parent_label = (parent_cell.label if parent_cell is not None else None) or "上一级"
    parent = str(parent_cell.value) if fixed and parent_cell is not None and parent_cell.value is not None else None
    return error_message(t, dv.list, label, parent_label, parent)


def _number_check(dv: Validation) -> dict[str, Any]:
    """Only a number, at the field's precision: Excel, WPS and LibreOffice refuse anything else with a Chinese
    message (a pasted value gets past it; the reader reports what cannot be read as a number)."""
    if dv.number is ValueType.DATE:  # Excel's date check takes serials: 1900-01-01 .. 9999-12-31
        return {"validate": "date", "criteria": "between", "minimum": date(1900, 1, 1), "maximum": date(9999, 12, 31),
                "error_type": "stop", "error_title": "输入无效", "error_message": "请输入日期，如 2025-01-01。",
                "ignore_blank": True}
    if dv.number is ValueType.INTEGER:
        return {"validate": "integer", "criteria": "between", "minimum": -(10**15), "maximum": 10**15,
                "error_type": "stop", "error_title": "输入无效", "error_message": "请输入整数。", "ignore_blank": True}
    what = {ValueType.MONEY: "金额", ValueType.PERCENT: "百分比"}.get(dv.number or ValueType.NUMBER, "数字")
    if dv.number is ValueType.PERCENT and dv.decimals is not None:  # 95.5% is stored 0.955: two more places
        cell = a1(dv.first_row, dv.col)
        return {"validate": "custom", "value": f"=AND(ISNUMBER({cell}),ROUND({cell},{dv.decimals + 2})={cell})",
                "error_type": "stop", "error_title": "输入无效", "error_message": "请输入百分比，如 95%。",
                "ignore_blank": True}
    if dv.decimals is None:
        return {"validate": "decimal", "criteria": "between", "minimum": -1e15, "maximum": 1e15,
                "error_type": "stop", "error_title": "输入无效", "error_message": f"请输入{what}。", "ignore_blank": True}
    cell = a1(dv.first_row, dv.col)  # relative: each cell of the range checks itself
    places = f"最多 {dv.decimals} 位小数" if dv.decimals else "整数"
    return {"validate": "custom", "value": f"=AND(ISNUMBER({cell}),ROUND({cell},{dv.decimals})={cell})",
            "error_type": "stop", "error_title": "输入无效", "error_message": f"请输入{what}（{places}）。",
            "ignore_blank": True}
