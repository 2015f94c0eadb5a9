"""The round's tables as one .xlsx: a sheet per table, frozen header, filter, widths that fit Chinese text.

The one module of the round that imports xlsxwriter. User text is written as text, always: the
workbook is opened with strings_to_formulas/urls/numbers off, and every string goes through write_string,
so ``=1+1``, ``+86 ...``, ``-5`` or ``@SUM(A1)`` typed by a clerk stay inert text in the bureau's Excel.
Characters XML cannot hold are removed (Excel would call the file corrupt) and the row's 备注 says so.
"""

from __future__ import annotations

import io
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from ..errors import WriteError
from ..excel import MAX_SHEET_ROWS, WORKBOOK_OPTIONS, check_code, clean_sheet_name, display_width
from ..writer.generate import write_atomic
from .export_tables import Cell, Table
from .text import xml_safe

NOTE_COLUMN = "备注"
MIN_WIDTH, MAX_WIDTH = 6, 60


def sheet_names(tables: list[Table]) -> list[str]:
    """Excel-valid sheet names for the tables, unique ignoring case."""
    taken: set[str] = set()
    out: list[str] = []
    for t in tables:
        name = clean_sheet_name(t.name, taken, fallback="Sheet")
        taken.add(name.lower())
        out.append(name)
    return out


def xlsx_bytes(tables: list[Table]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top",
                          "font_name": "宋体"})
    body = wb.add_format({"valign": "top", "font_name": "宋体"})
    for table, name in zip(tables, sheet_names(tables), strict=True):
        _sheet(wb.add_worksheet(name), table, head, body)
    wb.close()
    return buf.getvalue()


def write_xlsx(tables: list[Table], out: str | Path) -> None:
    write_atomic(out, xlsx_bytes(tables))


def _sheet(ws: Any, table: Table, head: Any, body: Any) -> None:
    if len(table.rows) + 1 > MAX_SHEET_ROWS:
        raise WriteError(f"the table {table.name} has {len(table.rows)} rows, more than a sheet holds")
    columns = [*table.columns, NOTE_COLUMN]
    widths = [display_width(c) for c in columns]
    for c, title in enumerate(columns):
        _ok(ws.write_string(0, c, title, head), table.name, 0, c)
    for r, row in enumerate(table.rows, start=1):
        stripped: list[str] = []
        for c, value in enumerate(row):
            shown = _write(ws, r, c, value, body, table.name)
            if shown is None:
                continue
            text, removed = shown
            if removed:
                stripped.append(f"{table.columns[c]}（{removed} 个）")
            widths[c] = max(widths[c], display_width(text))
        if stripped:
            note = "已删除 XML 不允许的控制字符：" + "、".join(stripped)
            _ok(ws.write_string(r, len(row), note, body), table.name, r, len(row))
            widths[-1] = max(widths[-1], display_width(note))
    for c, w in enumerate(widths):
        ws.set_column(c, c, min(MAX_WIDTH, max(MIN_WIDTH, w + 2)))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(table.rows), 1), len(columns) - 1)


def _write(ws: Any, r: int, c: int, value: Cell, fmt: Any, where: str) -> tuple[str, int] | None:
    """Write one cell; (the text shown, characters removed), or None for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            _ok(ws.write_number(r, c, number, fmt), where, r, c)
            return str(value), 0
        value = str(value)
    text, removed = xml_safe(str(value))
    _ok(ws.write_string(r, c, text, fmt), where, r, c)
    return text, removed


def _ok(code: int | None, where: str, r: int, c: int) -> None:
    check_code(code, f"the cell at row {r + 1}, column {c + 1} of {where}")
