"""Layout -> .xlsx with xlsxwriter (the round's export_xlsx is the only other module that imports it).

Every xlsxwriter call that can fail by returning a negative code is checked and turned into WriteError.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..a1 import a1
from ..errors import WriteError
from ..excel import PAPER_SIZES, WORKBOOK_OPTIONS, check_code
from ..form.model import Style, ValueType
from ..form.typed import cell_number
from ..layout import SPARE, Layout, LCell, LPrint, LSheet
from ..layout.fit import text_height
from ..trust.identity import LIST_SHEET, META_SHEET, Identity, encode
from .formats import format_props
from .lists import plan_lists
from .validations import validation_options

PROTECT_OPTIONS = {
    "insert_rows": True,
    "delete_rows": True,  # Excel only lets a row go when every cell in it is unlocked
    "format_columns": True,
    "format_rows": True,
    "select_locked_cells": True,
    "select_unlocked_cells": True,
}
MARK_FILLS = {"error": "#FFC7CE", "warning": "#FFEB9C"}
#: Pink and yellow print as much the same grey: on paper an error's cell has a thick black frame, a warning's
#: a dashed one (xlsxwriter border styles 5 and 3).
MARK_BORDERS = {"error": 5, "warning": 3}
FINDINGS_SHEET = "问题清单"


@dataclass(slots=True)
class Notes:
    """Annotations for a returned workbook's corrected copy: marked cells with a note, and a findings sheet."""

    marks: dict[tuple[str, int, int], tuple[str, str]] = field(default_factory=dict)  # (sheet,row,col) -> (severity, text)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    heading: list[str] = field(default_factory=list)  # lines above the list: title, who/which form, the counts
    footer: tuple[str, str, str] = ("", "", "")  # printed on every page ({page}/{pages}: the page numbers)




class _Formats:
    """One xlsxwriter Format per distinct (style, locked, type, decimals), created on first use."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self.cache: dict[tuple[int, bool, ValueType, int | None], tuple[Style, Format]] = {}
        self.by_value: dict[tuple[Style, bool, ValueType, int | None], Format] = {}
        self.marks: dict[tuple[Style, bool, ValueType, int | None, str], Format] = {}

    def marked(self, style: Style, locked: bool, vtype: ValueType, decimals: int | None, severity: str) -> Format:
        """The format of a cell with a finding: its fill, and a frame that tells error from warning in black and white."""
        key = (style, locked, vtype, decimals, severity)
        fmt = self.marks.get(key)
        if fmt is None:
            props = format_props(replace(style, fill=MARK_FILLS[severity]), locked, vtype, decimals)
            props.update(border=MARK_BORDERS[severity], border_color="#000000")
            fmt = self.marks[key] = self.wb.add_format(props)
        return fmt

    def get(self, style: Style, locked: bool, vtype: ValueType, decimals: int | None) -> Format:
        # keyed by identity first (hashing a Style per cell is measurable); the entry keeps the style alive so
        # its id cannot be reused, and equal styles from different objects share one Format via `by_value`
        entry = self.cache.get((id(style), locked, vtype, decimals))
        if entry is not None and entry[0] is style:
            return entry[1]
        fmt = self.by_value.get((style, locked, vtype, decimals))
        if fmt is None:
            props = format_props(style, locked, vtype, decimals)
            fmt = self.by_value[(style, locked, vtype, decimals)] = self.wb.add_format(props)
        self.cache[(id(style), locked, vtype, decimals)] = (style, fmt)
        return fmt


def _write(ws: Worksheet, cell: LCell, fmt: Format) -> None:
    v = cell.value
    number = cell_number(v, cell.vtype)  # a date is written as its serial, shown by its date format
    if v is None or v == "":
        result = ws.write_blank(cell.row, cell.col, None, fmt)
    elif number is not None:
        result = ws.write_number(cell.row, cell.col, number, fmt)
    else:
        result = ws.write_string(cell.row, cell.col, str(v), fmt)
    if result:  # 0 or None is success; the message is only built on failure (this runs for every cell)
        check_code(result, f"the value of {a1(cell.row, cell.col)} on {ws.name}")


def _write_follows(ws: Worksheet, sheet: LSheet, cell: LCell, fmt: Format) -> None:
    """A spare sheet's title as its formula over the sheet's own 项目名称, with the value it computes now stored
    (a client that does not compute on opening, or a viewer, shows it as issued)."""
    assert cell.follows is not None
    source = next((c for c in sheet.cells.values() if c.field == cell.follows.field), None)
    if source is None:
        return
    formula = "=" + cell.follows.formula(a1(source.row, source.col))
    check_code(ws.write_formula(cell.row, cell.col, formula, fmt, cell.follows.text(source.value)),
               f"the title formula at {a1(cell.row, cell.col)} on {ws.name}")


class _Sheet(Worksheet):  # type: ignore[misc]  # xlsxwriter ships no type hints for Worksheet
    """A worksheet whose rows in `grows` keep their height without Excel's customHeight flag.

    A row written with customHeight="1" keeps that height whatever is typed into it: Excel, WPS and LibreOffice
    all leave it alone, and a long text is cut off on screen and on paper. Without the flag the stated height
    still shows when the file opens (no client re-fits rows on load), and the client fits the row to its
    wrapped text when a cell in it changes. xlsxwriter flags every row with a height, so the flag is taken
    off here, where the <row> element is written."""

    grows: frozenset[int] = frozenset()

    def _xml_start_tag_unencoded(self, tag: str, attributes: list[tuple[str, object]] | None = None) -> None:
        super()._xml_start_tag_unencoded(tag, self._unflag(tag, attributes))

    def _xml_empty_tag_unencoded(self, tag: str, attributes: list[tuple[str, object]] | None = None) -> None:
        super()._xml_empty_tag_unencoded(tag, self._unflag(tag, attributes))

    def _unflag(self, tag: str, attributes: list[tuple[str, object]] | None) -> list[tuple[str, object]] | None:
        if tag != "row" or not attributes or not self.grows or int(str(attributes[0][1])) - 1 not in self.grows:
            return attributes
        return [a for a in attributes if a[0] != "customHeight"]


def _sheet(wb: xlsxwriter.Workbook, layout: Layout, sheet: LSheet, formats: _Formats, notes: Notes | None) -> None:
    t = layout.template
    ws = wb.add_worksheet(sheet.name, worksheet_class=_Sheet)
    ws.grows = frozenset(sheet.grows)
    for c, width in enumerate(sheet.spec.widths):
        ws.set_column(c, c, width)
    for r, h in sheet.heights.items():
        ws.set_row(r, h)
    merged_heads = {(r1, c1): (r1, c1, r2, c2) for r1, c1, r2, c2 in sheet.merges}
    inside = {(r, c) for r1, c1, r2, c2 in sheet.merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    for (r, c), cell in sheet.cells.items():
        mark = notes.marks.get((sheet.name, r, c)) if notes else None
        if mark:
            fmt = formats.marked(cell.style, cell.locked, cell.vtype, cell.decimals, mark[0])
        else:
            fmt = formats.get(cell.style, cell.locked, cell.vtype, cell.decimals)
        if mark:
            check_code(ws.write_comment(r, c, mark[1][:2000], {"x_scale": 3, "y_scale": 2}), f"a note at {r},{c}")
        head = merged_heads.get((r, c))
        if head is not None:
            r1, c1, r2, c2 = head
            v = cell.value
            number = cell_number(v, cell.vtype)
            if number is not None:
                check_code(ws.merge_range(r1, c1, r2, c2, "", fmt), f"merging {head}")
                check_code(ws.write_number(r1, c1, number, fmt), f"a number at {r1},{c1}")
            else:
                check_code(ws.merge_range(r1, c1, r2, c2, "" if v is None else str(v), fmt), f"merging {head}")
            if cell.follows is not None:
                _write_follows(ws, sheet, cell, fmt)
        elif (r, c) not in inside:
            _write(ws, cell, fmt)
            if cell.follows is not None:
                _write_follows(ws, sheet, cell, fmt)
    for dv in sheet.validations:
        opts = validation_options(t, sheet, dv)
        check_code(ws.data_validation(dv.first_row, dv.col, dv.last_row, dv.col, opts), f"a validation on {sheet.name}")
    ws.protect("", PROTECT_OPTIONS)
    spare = notes is None and is_spare(layout, sheet)
    if spare:
        ws.hide()  # hidden, not very hidden: the clerk unhides it (右键工作表标签 → 取消隐藏)
    if sheet.printing is not None:
        _page_setup(ws, sheet.printing, sheet.spec.ncols, print_area=not spare)


def is_spare(layout: Layout, sheet: LSheet) -> bool:
    """A spare sheet as issued (`generate --spare-projects`): issued hidden and with no print area, so while
    unused it neither prints nor counts in 第N页 共M页 (LibreOffice prints a hidden sheet that has a print area;
    its print titles alone do not make it print); unhidden, it prints the used area on its page setup."""
    if sheet.index is None or sheet.spec.repeat is None:
        return False
    items = layout.issued.get(sheet.spec.repeat) or []
    return sheet.index < len(items) and isinstance(items[sheet.index], dict) and items[sheet.index].get(SPARE) is True


def _page_setup(ws: Worksheet, p: LPrint, ncols: int, print_area: bool = True) -> None:
    """Paper, orientation, fit to width, the header rows on every page, the print area, footer, centring
    (`print_area` False: no print area, see is_spare)."""
    ws.set_paper(PAPER_SIZES[p.spec.paper])
    if p.spec.landscape:
        ws.set_landscape()
    if p.spec.fit_width:
        ws.fit_to_pages(p.spec.fit_width, 0)
    if p.repeat_rows is not None:
        check_code(ws.repeat_rows(*p.repeat_rows), f"the rows repeated on every page of {ws.name}")
    if print_area:
        check_code(ws.print_area(0, 0, p.last_row, ncols - 1), f"the print area of {ws.name}")
    footer = footer_code(p.footer)
    if footer:
        check_code(ws.set_footer(footer), f"the footer of {ws.name}")
    if p.spec.center:
        ws.center_horizontally()


def footer_code(parts: tuple[str, str, str]) -> str:
    """Excel's footer string: &L, &C, &R before the left, centre and right texts, a literal & doubled, and
    the template's {page} / {pages} as the page number codes &P / &N."""
    out = ""
    for code, text in zip(("&L", "&C", "&R"), parts, strict=True):
        if text:
            out += code + text.replace("&", "&&").replace("{pages}", "&N").replace("{page}", "&P")
    return out


def _findings_sheet(wb: xlsxwriter.Workbook, notes: Notes) -> None:
    """问题清单, made to be printed: who, which form and year above the list, every page numbered 第N页 共M页,
    the column headers repeated on each page, messages wrapped beside their cell; errors are marked in words
    and in bold, so nothing depends on colour."""
    ws = wb.add_worksheet(FINDINGS_SHEET)
    title = wb.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
    line = wb.add_format({"text_wrap": True, "valign": "vcenter"})
    head = wb.add_format({"bold": True, "bg_color": "#D9D9D9", "pattern": 1, "border": 1, "text_wrap": True,
                          "align": "center", "valign": "vcenter"})
    body = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "num_format": "@"})
    strong = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "num_format": "@", "bold": True})
    for c, w in enumerate(notes.widths):
        ws.set_column(c, c, w)
    last = len(notes.header) - 1
    r = 0
    for i, text in enumerate(notes.heading):
        if i == 0:
            check_code(ws.merge_range(r, 0, r, last, text, title), "the findings title")
            ws.set_row(r, 28)
        else:
            check_code(ws.merge_range(r, 0, r, last, text, line), "a findings heading line")
            ws.set_row(r, text_height(text, sum(notes.widths)))
        r += 1
    header_row = r
    for c, h in enumerate(notes.header):
        ws.write_string(header_row, c, h, head)
    for n, row in enumerate(notes.rows, start=header_row + 1):
        error = row[1] == "错误"
        for c, v in enumerate(row):
            ws.write_string(n, c, v, strong if error and c < 2 else body)
        # the messages wrap: a height that shows them (no client fits a written row on open)
        ws.set_row(n, max(text_height(v, w) for v, w in zip(row, notes.widths, strict=False)))
    ws.freeze_panes(header_row + 1, 0)
    # printed for the clerk: landscape, one page wide, the column headers on every page, numbered pages
    ws.set_paper(PAPER_SIZES["A4"])
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row, header_row)
    footer = footer_code(notes.footer)
    if footer:
        check_code(ws.set_footer(footer), "the findings footer")
    ws.center_horizontally()
    ws.activate()


def _created(ident: Identity | None) -> datetime:
    if ident is None:  # an annotated copy of a return that had no identity: now
        return datetime.now(UTC)
    try:
        return datetime.fromisoformat(ident.generated_at)
    except ValueError:  # an identity made by hand (tests): xlsxwriter's default, now
        return datetime.now(UTC)


def emit(layout: Layout, ident: Identity | None, notes: Notes | None = None) -> bytes:
    """The workbook's bytes (built in memory; the caller writes them atomically). Without `ident` the workbook
    has no identity sheet (an annotated copy of a return that had none: the copy vouches for no more)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS)
    try:
        # created: the identity's time, so a round issued again with the same timestamp is the same bytes
        t = layout.template
        wb.set_properties({"title": t.title, "comments": f"xltemplates {t.id} {t.version}", "created": _created(ident)})
        formats = _Formats(wb)
        if notes is not None:
            _findings_sheet(wb, notes)
        for sheet in layout.sheets:
            _sheet(wb, layout, sheet, formats, notes)
        plan = plan_lists(layout.template)
        if plan.columns:
            ls = wb.add_worksheet(LIST_SHEET)
            for lc, header in zip(plan.columns, plan.headers, strict=True):
                ls.write_string(0, lc.col, header)
                for i, value in enumerate(lc.values, start=1):
                    ls.write_string(i, lc.col, value)
                check_code(wb.define_name(lc.name, lc.ref), f"the defined name {lc.name}")
            ls.protect("", {})
            ls.hide()
        if ident is not None:
            meta = wb.add_worksheet(META_SHEET)
            for r, row in enumerate(encode(ident)):
                for c, value in enumerate(row):
                    meta.write_string(r, c, value)
            meta.protect("", {})
            meta.very_hidden()
        if notes is None:
            wb.worksheets()[0].activate()
    finally:
        try:
            wb.close()
        except Exception as exc:  # xlsxwriter raises its own exception types on close
            raise WriteError(f"could not assemble the workbook: {exc}") from exc
    return buf.getvalue()
