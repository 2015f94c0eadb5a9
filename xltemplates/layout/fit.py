"""How tall a row must be to show its wrapped text: Excel and LibreOffice do not fit rows that were written
with text in them when the file opens, so the writer states every height the text needs."""

from __future__ import annotations

import functools
import math

from ..excel import text_width
from ..form.model import VALUE_ROLES
from .model import LSheet

LINE_HEIGHT = 14.0  # points per wrapped line of an 11-point font
PADDING = 4.0  # points above and below the text
MAX_ROW_HEIGHT = 409.0  # Excel's limit


@functools.lru_cache(maxsize=4096)
def line_count(text: str, width: float) -> int:
    """Lines `text` wraps to in a cell `width` characters wide (a cell keeps about one character of margin).

    Memoised: a round measures the same headers and preset texts in every workbook, and measuring them is
    ~10% of generating one (benchmarks/bench_scale.py); the cache is bounded and keyed by value."""
    usable = max(width - 1, 1.0)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def text_height(text: str, width: float, size: float = 11) -> float:
    """Points a cell `width` characters wide needs to show `text` in a `size`-point font, wrapped."""
    return min(MAX_ROW_HEIGHT, line_count(text, width) * LINE_HEIGHT * size / 11 + PADDING)


DEFAULT_ROW_HEIGHT = 15.0  # points: what a row without a stated height gets


def fit_rows(sheet: LSheet, first: int, end: int, grow: bool = False) -> None:
    """Raise the heights of rows first..end-1 so that every wrapped text shows (a cell merged over several
    rows over the rows it spans) and a row with cells to fill in leaves room to write by hand on a printout
    (the sheet's print.entry_height). A height already set is a minimum: nothing is lowered. With `grow` (table
    rows), rows with a cell to fill in are marked to grow with what the clerk types (LSheet.grows). Grid rows
    keep the height the template states: their text fields span merged cells, which no client fits to their
    text anyway, and a row such as the signature's keeps its room for a seal when a name is typed into it."""
    widths, heights = sheet.spec.widths, sheet.heights
    entry = sheet.spec.printing.entry_height
    spans = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sheet.merges if first <= r1 < end}
    tall: list[tuple[int, int, float]] = []  # text merged over several rows: (first row, last row, height)
    for r in range(first, end):
        need = heights.get(r, 0.0)
        for c in range(sheet.spec.ncols):
            cell = sheet.cells.get((r, c))
            if cell is None:
                continue
            if not cell.locked and cell.role in VALUE_ROLES:
                need = max(need, entry)
                if grow:
                    sheet.grows.add(r)
            if not cell.style.wrap or not isinstance(cell.value, str) or not cell.value:
                continue
            r2, c2 = spans.get((r, c), (r, c))
            width = sum(widths[c: c2 + 1])
            if line_count(cell.value, width) == 1 and cell.style.size <= 11:
                continue  # one line of ordinary text: the default height shows it
            h = text_height(cell.value, width, cell.style.size)
            if r2 > r:
                tall.append((r, r2, h))
            else:
                need = max(need, h)
        if need > 0:
            heights[r] = need
    for r1, r2, h in tall:
        have = sum(heights.get(r, DEFAULT_ROW_HEIGHT) for r in range(r1, r2 + 1))
        if have < h:
            heights[r2] = min(MAX_ROW_HEIGHT, heights.get(r2, DEFAULT_ROW_HEIGHT) + h - have)
