"""A sheet's printed pages: the rows repeated on every page, where the print area ends, this unit's footer."""

from __future__ import annotations

from ..form.model import PrintSpec, Template
from ..form.walk import render_default
from .model import LPrint, LSheet, LTable

FOOTER_PART_LIMIT = 80  # characters per footer part: Excel takes 255 for the whole footer


def page_setup(t: Template, sheet: LSheet) -> LPrint:
    """The print setup of a laid-out sheet. The print area is the whole form, blank table rows and all (a
    clerk may write in any of them); it ends with the last block, such as a signature block under the table,
    and grows with the rows a clerk inserts, as Excel, WPS and LibreOffice move its defined name."""
    spec = sheet.spec.printing
    table = _repeated_table(spec, [b.table for b in sheet.blocks if b.table is not None])
    last = max((b.end_row for b in sheet.blocks), default=1) - 1
    footer = tuple(render_default(part, t.context)[:FOOTER_PART_LIMIT] if part else "" for part in spec.footer)
    return LPrint(spec, (table.header_row, table.first_row - 1) if table is not None else None, last,
                  (footer[0], footer[1], footer[2]))


def _repeated_table(spec: PrintSpec, tables: list[LTable]) -> LTable | None:
    """The table named by `repeat`, else the indicator table (the one whose column takes the framework's 一级),
    else the sheet's last table."""
    if spec.repeat is not None:
        return next((tb for tb in tables if tb.spec.name == spec.repeat), None)
    indicator = next((tb for tb in tables if any(c.list == "level1" for c in tb.spec.columns)), None)
    return indicator or (tables[-1] if tables else None)
