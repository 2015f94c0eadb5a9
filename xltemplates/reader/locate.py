"""Finding each block of the expected layout in a returned sheet, wherever inserted rows moved it.

Locate, don't assume: every fixed text (labels, headers, titles) votes for the row offset at which it is
found; a block goes where most of its texts agree. A table's data runs from its header row to the next
block (or the sheet's read bound), whatever rows the clerk inserted or deleted in between.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from ..layout import LBlock, LSheet
from ..matching import squash
from ..spec.model import LABEL_ROLES
from .grid import SheetGrid


@dataclass(frozen=True, slots=True)
class Placed:
    block: LBlock
    shift: int  # returned row = expected row + shift
    found: bool  # at least one of the block's texts was found at this shift
    data_end: int  # tables: returned row where the data stops (exclusive); grids: end of the block

    @property
    def start(self) -> int:
        return self.block.first_row + self.shift


def _labels(sheet: LSheet, block: LBlock) -> list[tuple[int, int, str]]:
    out = []
    end = block.table.header_row + 1 if block.table else block.end_row
    for r in range(block.first_row, end):
        for c in range(sheet.spec.ncols):
            cell = sheet.cells.get((r, c))
            if cell is not None and cell.role in LABEL_ROLES and isinstance(cell.value, str) and cell.value.strip():
                out.append((r, c, squash(cell.value)))
    return out


def _index(grid: SheetGrid) -> dict[tuple[int, str], list[int]]:
    """(column, squashed text) -> rows where it appears."""
    idx: dict[tuple[int, str], list[int]] = defaultdict(list)
    for (r, c), v in grid.values.items():
        if isinstance(v, str) and v.strip():
            idx[(c, squash(v))].append(r)
    return idx


def locate(sheet: LSheet, grid: SheetGrid, bound: int) -> list[Placed]:
    """Place every block of `sheet` in `grid`; rows at or beyond `bound` are never read."""
    idx = _index(grid)
    placed: list[Placed] = []
    floor = 0  # a block cannot start above the end of the previous one
    shift = 0
    for block in sheet.blocks:
        votes: Counter[int] = Counter()
        for r, c, text in _labels(sheet, block):
            for found in idx.get((c, text), ()):
                s = found - r
                if block.first_row + s >= floor:
                    votes[s] += 1
        if votes:
            best = max(votes.values())
            shift = min((s for s, n in votes.items() if n == best), key=lambda s: abs(s - shift))
            found = True
        else:
            shift = max(shift, floor - block.first_row)
            found = False
        end = block.end_row + shift
        placed.append(Placed(block, shift, found, end))
        floor = (block.table.header_row + 1 + shift) if block.table else end
    # tables run until the next block starts (or the bound)
    out: list[Placed] = []
    for i, p in enumerate(placed):
        if p.block.table is not None:
            nxt = placed[i + 1].start if i + 1 < len(placed) else bound
            p = Placed(p.block, p.shift, p.found, max(nxt, p.block.table.header_row + 1 + p.shift))
        out.append(p)
    return out
