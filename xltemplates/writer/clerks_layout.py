"""The annotated copy in the clerk's own layout: every value on the row and sheet where the clerk left it.

The copy is rebuilt from the returned data (writer/annotate.py), so without this its rows would be laid out
again: spare rows, rows the clerk inserted and blank rows between would move, the page's D15 would be the
copy's D17, and a renamed sheet would get its old name back. Here each laid-out sheet is moved onto the
returned one: the reader's evidence says where every value sat (data path -> sheet, cell), which anchors
rows; rows between anchors keep their distance to the anchor above them; rows of a table the clerk left
blank become blank white rows again; the sheet takes the name it came back with. So the finding's cell,
the note in the copy and the 问题清单 all name the same cell as the clerk's own file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ..a1 import parse_a1
from ..cellmap import CellMap, DataPath, from_layout
from ..layout import Layout, LPrint, LSheet, Validation

__all__ = ["follow_clerk"]


def follow_clerk(layout: Layout, returned: CellMap) -> None:
    """Move every sheet of `layout` onto the rows and sheet names of the returned workbook (in place)."""
    placed = from_layout(layout)
    for sheet in layout.sheets:
        prefix: DataPath = () if sheet.index is None else (sheet.spec.repeat or "", sheet.index)
        pairs = [(placed[p], returned[p]) for p in placed
                 if p[: len(prefix)] == prefix and p in returned and placed[p][0] == sheet.name]
        if not pairs:
            continue
        names = Counter(back[0] for _, back in pairs)
        target = names.most_common(1)[0][0]
        anchors: dict[int, int] = {}
        for (_, here), (name, there) in pairs:
            if name == target:
                anchors.setdefault(parse_a1(here)[0], parse_a1(there)[0])
        _move(sheet, anchors)
        sheet.name = target


def _move(sheet: LSheet, anchors: dict[int, int]) -> None:
    rows = sorted({r for r, _ in sheet.cells})
    to = _row_map(rows, anchors)
    old_cells = sheet.cells
    sheet.cells = {(to[r], c): replace(cell, row=to[r]) for (r, c), cell in old_cells.items() if r in to}
    heights = {to[r]: h for r, h in sheet.heights.items() if r in to}
    grows = {to[r] for r in sheet.grows if r in to}
    for block in sheet.blocks:  # holes in a table: the clerk's blank rows, white again
        t = block.table
        if t is None:
            continue
        data = set(t.positions)
        blank = next((r for r in range(t.first_row, t.end_row) if r not in data), None)
        moved = sorted(to[r] for r in range(t.first_row, t.end_row) if r in to)
        if blank is None or not moved:
            continue
        template = [cell for (r, _), cell in old_cells.items() if r == blank]
        for hole in (r for r in range(moved[0], moved[-1]) if not any((r, c.col) in sheet.cells for c in template)):
            for cell in template:
                sheet.cells[(hole, cell.col)] = replace(cell, row=hole)
            if blank in sheet.heights:
                heights[hole] = sheet.heights[blank]
            if blank in sheet.grows:
                grows.add(hole)
        t.positions = [to.get(p, p) for p in t.positions]
    sheet.merges = [(to[r1], c1, to[r2], c2) for r1, c1, r2, c2 in sheet.merges
                    if r1 in to and r2 in to and to[r2] - to[r1] == r2 - r1]
    sheet.heights, sheet.grows = heights, grows
    sheet.validations = [v for v in (_moved(v, to) for v in sheet.validations) if v is not None]
    if sheet.printing is not None:
        p = sheet.printing
        repeat = (to.get(p.repeat_rows[0], p.repeat_rows[0]), to.get(p.repeat_rows[1], p.repeat_rows[1])) \
            if p.repeat_rows is not None else None
        sheet.printing = LPrint(p.spec, repeat, max(r for r, _ in sheet.cells), p.footer)


def _row_map(rows: list[int], anchors: dict[int, int]) -> dict[int, int]:
    """Laid-out row -> the clerk's row. Anchored rows go where their values were; the others keep their
    distance to the anchor above them, unless that runs into a row taken or past the next anchor (a blank
    row the clerk's file has no room for: it is left out)."""
    order = sorted(anchors.items())
    to: dict[int, int] = {}
    taken = set(anchors.values())
    k = -1
    for r in rows:
        while k + 1 < len(order) and order[k + 1][0] <= r:
            k += 1
        if r in anchors:
            to[r] = anchors[r]
            continue
        base_new, base_old = order[k] if k >= 0 else (r, r)
        dest = base_old + (r - base_new)
        nxt = order[k + 1][1] if k + 1 < len(order) else None
        if dest in taken or dest < 0 or (nxt is not None and dest >= nxt):
            continue
        to[r] = dest
        taken.add(dest)
    return to


def _moved(v: Validation, to: dict[int, int]) -> Validation | None:
    """A validation over rows first..last, over where they went (a table's: its whole new extent)."""
    span = [to[r] for r in range(v.first_row, v.last_row + 1) if r in to]
    return replace(v, first_row=min(span), last_row=max(span)) if span else None
