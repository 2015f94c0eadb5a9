"""What the reader sees of a returned workbook: bounded grids of values, independent of the parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..limits import MAX_READ_COLS, MAX_READ_ROWS

CellValue = str | float | bool | None
SheetState = Literal["visible", "hidden", "veryHidden"]


@dataclass(slots=True)
class SheetGrid:
    """One sheet, read only within its bounds (never the sheet's own far corner).

    values: (row, col) zero-based -> value. Strings are unescaped (_xHHHH_), numbers are floats,
            booleans bools; cells with no value are absent. Error cells (#N/A) are strings.
    formulas: (row, col) -> formula text without the leading '=' for cells that hold a formula
            (their cached value, if any, is in `values`).
    merges: merged ranges (r1, c1, r2, c2) zero-based inclusive, clipped to the bounds.
    percent: cells whose number format shows a percentage (typing 95% stores 0.95).
    dates: cells whose number format is a date/time (the value is the Excel serial number).
    overlong: cells whose text was longer than Excel's 32,767 characters -> its true length (the value
            holds the first 32,767; no real client writes more).
    """

    name: str
    state: SheetState = "visible"
    values: dict[tuple[int, int], CellValue] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    percent: set[tuple[int, int]] = field(default_factory=set)
    dates: set[tuple[int, int]] = field(default_factory=set)
    overlong: dict[tuple[int, int], int] = field(default_factory=dict)
    truncated: bool = False  # content was found beyond the bounds and ignored

    def get(self, row: int, col: int) -> CellValue:
        return self.values.get((row, col))


@dataclass(slots=True)
class WorkbookGrid:
    sheets: list[SheetGrid]
    date1904: bool = False

    def sheet(self, name: str) -> SheetGrid | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None


@dataclass(frozen=True, slots=True)
class Bounds:
    """How much of each sheet to read: rows [0, max_rows) and columns [0, max_cols)."""

    max_rows: int = MAX_READ_ROWS
    max_cols: int = MAX_READ_COLS
