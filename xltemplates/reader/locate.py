"""Finding each block of the expected layout in a returned sheet, wherever inserted rows moved it.

Locate, don't assume: every fixed text (labels, headers, titles) votes for the row at which it is found.
Rows of fixed (grid) blocks are placed one by one, in order, so a row inserted inside the upper part of a
form moves only what is below it; a row without any fixed text follows the row above. A table's data runs
from its header row to the next block (or the sheet's read bound), whatever rows the clerk inserted or
deleted in between.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..form.model import LABEL_ROLES
from ..grammar.text import squash
from ..layout import LBlock, LSheet
from .grid import SheetGrid

#: How far below the previous row a fixed row may have moved (rows a clerk inserted in the upper part).
MAX_GAP = 30


@dataclass(frozen=True, slots=True)
class Placed:
    block: LBlock
    shift: int  # tables: returned header row = expected header row + shift; grids: shift of the first row
    found: bool  # at least one of the block's texts was found
    data_end: int  # tables: returned row where the data stops (exclusive); grids: end of the block
    rows: dict[int, int] = field(default_factory=dict)  # grids: expected row -> returned row

    @property
    def start(self) -> int:
        return self.block.first_row + self.shift


def _row_labels(sheet: LSheet, row: int) -> list[tuple[int, str]]:
    out = []
    for c in range(sheet.spec.ncols):
        cell = sheet.cells.get((row, c))
        if cell is not None and cell.role in LABEL_ROLES and isinstance(cell.value, str) and cell.value.strip():
            out.append((c, squash(cell.value)))
    return out


def _index(grid: SheetGrid) -> dict[tuple[int, str], list[int]]:
    """(column, squashed text) -> rows where it appears."""
    idx: dict[tuple[int, str], list[int]] = defaultdict(list)
    for (r, c), v in grid.values.items():
        if isinstance(v, str) and v.strip():
            idx[(c, squash(v))].append(r)
    return idx


def _place(labels: list[tuple[int, str]], idx: dict[tuple[int, str], list[int]], low: int, high: int) -> int | None:
    """The returned row in [low, high) where most of `labels` are found (the highest such row on a tie)."""
    votes: Counter[int] = Counter()
    for c, text in labels:
        for found in idx.get((c, text), ()):
            if low <= found < high:
                votes[found] += 1
    if not votes:
        return None
    best = max(votes.values())
    return min(r for r, n in votes.items() if n == best)


def locate(sheet: LSheet, grid: SheetGrid, bound: int) -> list[Placed]:
    """Place every block of `sheet` in `grid`; rows at or beyond `bound` are never read."""
    idx = _index(grid)
    placed: list[Placed] = []
    cur = -1  # the returned row of the last placed row
    after_table = False
    for block in sheet.blocks:
        reach = bound if after_table else MAX_GAP
        if block.table is None:
            rows: dict[int, int] = {}
            found = False
            start = cur
            for r in range(block.first_row, block.end_row):
                hit = _place(_row_labels(sheet, r), idx, cur + 1, min(bound, cur + 2 + reach))
                found = found or hit is not None
                cur = hit if hit is not None else cur + 1
                rows[r] = cur
                reach = MAX_GAP
            if after_table and not found:
                # the block under a table is gone (its rows deleted, e.g. a signature block): it stands after
                # everything left on the sheet, so the table keeps every row above and its labels are missing there
                cur = max([start, *(r for r, _ in grid.values if r < bound)])
                for r in range(block.first_row, block.end_row):
                    cur += 1
                    rows[r] = cur
            shift = rows[block.first_row] - block.first_row if rows else cur + 1 - block.first_row
            placed.append(Placed(block, shift, found, cur + 1, rows))
            after_table = False
        else:
            header = block.table.header_row
            hit = _place(_row_labels(sheet, header), idx, cur + 1, min(bound, cur + 2 + reach))
            at = hit if hit is not None else cur + 1 + (header - block.first_row)
            placed.append(Placed(block, at - header, hit is not None, bound))
            cur = at
            after_table = True
    # tables run until the next block starts (or the bound)
    out: list[Placed] = []
    for i, p in enumerate(placed):
        if p.block.table is not None and i + 1 < len(placed):
            p = Placed(p.block, p.shift, p.found, max(placed[i + 1].start, p.block.table.first_row + p.shift))
        out.append(p)
    return out
