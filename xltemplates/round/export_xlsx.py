"""The round's tables as one .xlsx: a sheet per table, frozen header, filter, widths that fit Chinese text.

The one module of the round that imports xlsxwriter (it also writes the links' send list, send_list.py).
User text is written as text, always: the workbook is opened with strings_to_formulas/urls/numbers off,
and every string goes through write_string, so ``=1+1``, ``+86 ...``, ``-5`` or ``@SUM(A1)`` typed by a clerk
stay inert text in the bureau's Excel.
Characters XML cannot hold are removed (Excel would call the file corrupt) and the row's 备注 says so.

Export writes what it can and marks what it cut: a text longer than a cell holds (32,767 characters) is cut
to fit, the row's 备注 naming the column and the original length; rows beyond a sheet's million are left
out, a last row saying how many (the CSV export has them all).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from ..excel import MAX_CELL_TEXT, MAX_SHEET_ROWS, WORKBOOK_OPTIONS, check_code, clean_sheet_name, display_width
from ..fsutil import write_atomic
from .export_tables import Cell, Table
from .text import xml_safe

if TYPE_CHECKING:
    from .send_list import SendRow

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
    columns = [*table.columns, NOTE_COLUMN]
    widths = [display_width(c) for c in columns]
    for c, title in enumerate(columns):
        _ok(ws.write_string(0, c, title, head), table.name, 0, c)
    rows = table.rows if len(table.rows) < MAX_SHEET_ROWS else table.rows[:MAX_SHEET_ROWS - 2]
    for r, row in enumerate(rows, start=1):
        stripped: list[str] = []
        cut: list[str] = []
        for c, value in enumerate(row):
            shown = _write(ws, r, c, value, body, table.name)
            if shown is None:
                continue
            text, removed, length = shown
            if removed:
                stripped.append(f"{table.columns[c]}（{removed} 个）")
            if length > len(text):
                cut.append(f"{table.columns[c]}（原 {length} 字）")
            widths[c] = max(widths[c], display_width(text))
        notes = ([f"超过单元格上限 {MAX_CELL_TEXT} 字，已截断：" + "、".join(cut)] if cut else []) + \
            (["已删除 XML 不允许的控制字符：" + "、".join(stripped)] if stripped else [])
        if notes:
            widths[-1] = max(widths[-1], _note(ws, r, len(row), "；".join(notes), body, table.name))
    if len(rows) < len(table.rows):
        left = len(table.rows) - len(rows)
        note = f"另有 {left} 行超出 Excel 工作表行数上限，未写入；请用 --csv 导出全部行。"
        widths[-1] = max(widths[-1], _note(ws, len(rows) + 1, len(table.columns), note, body, table.name))
    for c, w in enumerate(widths):
        ws.set_column(c, c, min(MAX_WIDTH, max(MIN_WIDTH, w + 2)))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


def _note(ws: Any, r: int, c: int, note: str, fmt: Any, where: str) -> int:
    """Write the 备注 cell; its display width."""
    _ok(ws.write_string(r, c, note, fmt), where, r, c)
    return display_width(note)


def _write(ws: Any, r: int, c: int, value: Cell, fmt: Any, where: str) -> tuple[str, int, int] | None:
    """Write one cell; (the text shown, characters removed, length before any cut), or None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            _ok(ws.write_number(r, c, number, fmt), where, r, c)
            return str(value), 0, len(str(value))
        value = str(value)
    text, removed = xml_safe(str(value))
    length = len(text)
    text = text[:MAX_CELL_TEXT]
    _ok(ws.write_string(r, c, text, fmt), where, r, c)
    return text, removed, length


def _ok(code: int | None, where: str, r: int, c: int) -> None:
    check_code(code, f"the cell at row {r + 1}, column {c + 1} of {where}")


def send_list_xlsx(rows: Iterable[SendRow]) -> bytes:
    """The send list (send_list.py) as a workbook: unit, link and its QR code (a PNG in the row), ready to print."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "宋体"})
    body = wb.add_format({"valign": "vcenter", "font_name": "宋体", "text_wrap": True})
    ws = wb.add_worksheet("填报链接")
    for c, title in enumerate(("单位编码", "单位名称", "填报链接", "二维码")):
        _ok(ws.write_string(0, c, title, head), "填报链接", 0, c)
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate((row.code, row.name, row.url)):
            _ok(ws.write_string(r, c, xml_safe(text)[0], body), "填报链接", r, c)
        ws.set_row(r, 100)
        _ok(ws.insert_image(r, 3, f"qr{r}.png", {"image_data": io.BytesIO(row.qr_png()), "object_position": 1,
                                                  "x_offset": 4, "y_offset": 4}), "填报链接", r, 3)
    for c, width in enumerate((12, 36, 70, 20)):
        ws.set_column(c, c, width)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.repeat_rows(0)
    wb.close()
    return buf.getvalue()
