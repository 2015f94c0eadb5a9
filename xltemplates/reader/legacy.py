"""The one module that opens returned .xls and .ods workbooks: guards first, then python-calamine.

WPS and old Excel save .xls by default, LibreOffice and Gnumeric offer .ods; converting them with a
LibreOffice run (reader/convert.py) costs seconds a file and runs an office suite on untrusted input.
python-calamine (Rust, no office suite) reads both formats' values and sheet visibility directly.

Behind the same guards as .xlsx: reader/guards.py has already refused every file that is not a plain
.xls/.ods (encrypted, a zip bomb, too many parts, too large); reader/extent.py then measures how many
cells the file unfolds into before calamine sees it, because calamine holds each sheet as a dense grid.
Cells are kept within the caller's Bounds and charged to the same text budget as .xlsx.

What calamine does not give: formulas (their computed values are read, as a clerk sees them), number
formats (a percent typed as 95% reads as 0.95; dates come typed and are marked as dates), and merges of
an .ods (merges are only drawn by the desk, never checked).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time, timedelta
from typing import Any

import python_calamine as pc

from ..limits import MAX_LEGACY_CELLS
from .extent import ExtentError, ods_cells, xls_cells
from .grid import Bounds, CellValue, SheetGrid, SheetState, WorkbookGrid
from .guards import LegacyFormat, fail
from .xlsx_cells import TextBudget, cut_cell_text

EPOCH = datetime(1899, 12, 30)
ODS_CONTENT = "content.xml"
_INDENT = re.compile(rb">\r?\n[ \t\r\n]*<")
_LINE_BREAK = re.compile(rb"<text:line-break\s*/>")
STATES: tuple[tuple[Any, SheetState], ...] = ((pc.SheetVisibleEnum.Visible, "visible"),
                                              (pc.SheetVisibleEnum.Hidden, "hidden"),
                                              (pc.SheetVisibleEnum.VeryHidden, "veryHidden"))

__all__ = ["open_legacy"]


def open_legacy(data: bytes, fmt: LegacyFormat, bounds: Bounds = Bounds()) -> WorkbookGrid:  # noqa: B008 - frozen
    """Read an .xls or .ods the guards let through (as `fmt`) into bounded grids; ReadError if it cannot be."""
    data, cells = _prepare(data, fmt)
    if cells > MAX_LEGACY_CELLS:
        raise fail("E-FILE-TOO-LARGE", found=f"工作表共 {cells} 个单元格", expected=f"{MAX_LEGACY_CELLS} 个")
    try:
        book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        out = WorkbookGrid(sheets=[])
        budget = TextBudget()
        for meta in book.sheets_metadata:
            grid = SheetGrid(name=meta.name, state=_state(meta.visible))
            out.sheets.append(grid)
            if meta.typ == pc.SheetTypeEnum.WorkSheet:
                _sheet(book.get_sheet_by_name(meta.name), grid, bounds, budget)
        return out
    except pc.PasswordError:
        raise fail("E-FILE-ENCRYPTED") from None
    except (pc.CalamineError, pc.XmlError, pc.ZipError, pc.WorksheetNotFound, ValueError, OverflowError) as exc:
        raise fail("E-FILE-CORRUPT", found=f"{type(exc).__name__}：{str(exc)[:120]}") from None


def _state(visible: Any) -> SheetState:
    """calamine's visibility (its enum values compare but do not hash); anything unknown counts as hidden."""
    return next((state for enum, state in STATES if visible == enum), "hidden")


def _prepare(data: bytes, fmt: LegacyFormat) -> tuple[bytes, int]:
    """(the bytes calamine reads, the cells they unfold into); an .ods's content.xml without indentation.

    Gnumeric writes content.xml indented, and calamine stops at the whitespace between two table cells
    ("Expecting 'table-cell'"), and drops the <text:line-break/> Gnumeric writes for a line break in a cell
    (it becomes the line feed it stands for). Whitespace that holds a line break between two tags is layout in every
    .ods writer; inside a paragraph it would be one collapsed space between two spans, which no form cell
    depends on.
    """
    try:
        if fmt == "xls":
            return data, xls_cells(data)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:  # the guards have bounded every member already
            content = zf.read(ODS_CONTENT)
            cells = ods_cells(content)
            fixed = _LINE_BREAK.sub(b"&#10;", _INDENT.sub(b"><", content))
            if fixed == content:
                return data, cells
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as out:
                for info in zf.infolist():
                    out.writestr(info, fixed if info.filename == ODS_CONTENT else zf.read(info))
            return buf.getvalue(), cells
    except (ExtentError, KeyError, zipfile.BadZipFile, ValueError, OSError) as exc:
        raise fail("E-FILE-CORRUPT", found=f"{fmt}：{exc}") from None
    except Exception as exc:  # defusedxml's refusals and expat's errors
        kind = type(exc).__name__
        code = "E-FILE-XML-UNSAFE" if "Forbidden" in kind else "E-FILE-CORRUPT"
        raise fail(code, found=f"{ODS_CONTENT}：{kind}") from None


def _sheet(sheet: Any, grid: SheetGrid, bounds: Bounds, budget: TextBudget) -> None:
    for r, row in enumerate(sheet.iter_rows()):
        if r >= bounds.max_rows:  # past the bounds: only whether anything is there (the extent is capped)
            if any(v != "" and v is not None for v in row):
                grid.truncated = True
                return
            continue
        for c, value in enumerate(row):
            if value == "" or value is None:
                continue
            if c >= bounds.max_cols:
                grid.truncated = True
                break
            kept = _value(value, grid, (r, c), budget)
            if kept is not None:
                grid.values[(r, c)] = kept


def _value(value: Any, grid: SheetGrid, pos: tuple[int, int], budget: TextBudget) -> CellValue:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        if len(value) > len(cut := cut_cell_text(value)):
            grid.overlong[pos] = len(value)
        budget.spend(len(cut))
        return cut
    serial = _serial(value)
    if serial is None:
        return None
    grid.dates.add(pos)
    return serial


def _serial(value: Any) -> float | None:
    """An Excel serial number for a date/time calamine typed (its 1904 epoch is already applied)."""
    if isinstance(value, datetime):
        return (value - EPOCH) / timedelta(days=1)
    if isinstance(value, date):
        return float((value - EPOCH.date()).days)
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if isinstance(value, timedelta):
        return value / timedelta(days=1)
    return None
