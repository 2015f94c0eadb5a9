"""A returned workbook's sheets as the verdict page draws them: bounded HTML grids, problem cells marked.

Drawn in the check worker from the values the reader read (never from the file again), so the page shows
what the check saw, and the server process, which every upload passes through, only places the finished
HTML. Only visible sheets, at most MAX_ROWS x MAX_COLS cells each and GRID_CELLS in all (the sheets past
that are named, not drawn), so a page's size is bounded whatever the workbook lists. Merged ranges are placed
in time linear in the cells drawn. Every text from the workbook (sheet names, cell values, messages that
quote them) is escaped here, as the page templates escape theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

from ..a1 import col_letters, parse_a1
from ..grammar.dates import from_serial
from ..limits import GRID_CELLS, GRID_COLS, GRID_ROWS
from ..reader.grid import CellValue, SheetGrid, WorkbookGrid

MAX_ROWS = GRID_ROWS
MAX_COLS = GRID_COLS

#: findings of one sheet by zero-based (row, col)
_Marks = Mapping[tuple[int, int], list[Mapping[str, Any]]]


def draw(wb: WorkbookGrid, findings: Iterable[Mapping[str, Any]]) -> Markup:
    """Every visible sheet of `wb` as a heading and a table, each finding's cell marked (errors over warnings)
    with its messages as the cell's title."""
    by_sheet: dict[str, dict[tuple[int, int], list[Mapping[str, Any]]]] = {}
    for f in findings:
        if f.get("sheet") and f.get("cell"):
            rc = _rc(f["cell"])
            if rc[0] >= 0:
                by_sheet.setdefault(f["sheet"], {}).setdefault(rc, []).append(f)
    out, budget = [], GRID_CELLS
    for s in wb.sheets:
        if s.state != "visible" or s.name.startswith("_"):
            continue
        drawn, budget = _sheet(s, by_sheet.get(s.name, {}), budget)
        out.append(drawn)
    return Markup("").join(out)


def _sheet(s: SheetGrid, marks: _Marks, budget: int) -> tuple[Markup, int]:
    """The sheet's heading and table, within `budget` cells; the budget left."""
    cells = [*s.values, *marks]
    n_rows = min(MAX_ROWS, max((r for r, _ in cells), default=-1) + 1)
    n_cols = min(MAX_COLS, max((c for _, c in cells), default=-1) + 1)
    clipped = s.truncated or any(r >= MAX_ROWS or c >= MAX_COLS for r, c in cells)
    name = escape(s.name)
    if n_rows * n_cols > budget:
        return Markup(f'<h3>工作表「{name}」</h3>\n<p class="hint">工作表较多，此表不再显示。</p>\n'), 0
    spans, covered = _merges(s, n_rows, n_cols)
    letters = [col_letters(c) for c in range(n_cols)]
    out = [f"<h3>工作表「{name}」</h3>\n"]
    if clipped:
        out.append('<p class="hint">表格较大，只显示前面部分。</p>\n')
    out.append('<div class="grid-wrap">\n<table class="grid">\n<thead><tr><th></th>')
    out.extend(f"<th>{x}</th>" for x in letters)
    out.append("</tr></thead>\n<tbody>\n")
    for r in range(n_rows):
        out.append(f"<tr><th>{r + 1}</th>")
        for c in range(n_cols):
            if (r, c) in covered:
                continue
            attrs = ""
            rowspan, colspan = spans.get((r, c), (1, 1))
            if rowspan > 1:
                attrs += f' rowspan="{rowspan}"'
            if colspan > 1:
                attrs += f' colspan="{colspan}"'
            fs = marks.get((r, c))
            if fs:
                severity = "error" if any(f["severity"] == "error" for f in fs) else "warning"
                ref = f"{letters[c]}{r + 1}"
                title = escape("；".join(str(f["message"]) for f in fs))
                attrs += f' class="{severity}" id="{name}!{ref}" title="{ref}：{title}"'
            out.append(f"<td{attrs}>{escape(_text(s.values.get((r, c)), (r, c) in s.percent, (r, c) in s.dates))}</td>")
        out.append("</tr>\n")
    out.append("</tbody>\n</table>\n</div>\n")
    return Markup("".join(out)), budget - n_rows * n_cols


def _merges(s: SheetGrid, n_rows: int, n_cols: int) -> tuple[dict[tuple[int, int], tuple[int, int]], set[tuple[int, int]]]:
    """(top-left cell -> (rowspan, colspan), the cells the merges cover), clipped to what is drawn.

    Each drawn cell is claimed at most once, so the work is linear in the cells drawn and the merges listed.
    Ranges that overlap (no client writes them: a crafted or broken file) make the whole sheet drawn unmerged,
    as resolving them one by one would cost the area of every range for each range."""
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    owner: set[tuple[int, int]] = set()  # every cell claimed by a range, its top-left included
    for r1, c1, r2, c2 in s.merges:
        r2, c2 = min(r2, n_rows - 1), min(c2, n_cols - 1)
        if r1 > r2 or c1 > c2 or (r1 == r2 and c1 == c2):
            continue  # outside what is drawn, or clipped to one cell
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) in owner:
                    return {}, set()
                owner.add((r, c))
        spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
    return spans, owner - spans.keys()


def _rc(ref: str) -> tuple[int, int]:
    try:
        return parse_a1(ref)
    except ValueError:
        return -1, -1


def _text(v: CellValue, percent: bool, dated: bool = False) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        day = from_serial(v) if dated else None  # a date cell shows its date, not its serial number
        if day is not None:
            return day.isoformat()
        if percent:
            return f"{v * 100:.10g}%"
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.15g}"
    return v
