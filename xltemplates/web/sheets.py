"""A returned workbook's sheets as the verdict page draws them: a bounded grid of texts, problem cells marked.

Built in the worker from the values the reader read (never from the file again), so the page shows what
the check saw. Only visible sheets, at most MAX_ROWS x MAX_COLS cells each; the texts are plain strings,
escaped by the page template like every other text from a workbook.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..a1 import a1, col_letters, parse_a1
from ..reader.grid import CellValue, SheetGrid, WorkbookGrid

MAX_ROWS = 300
MAX_COLS = 40


@dataclass(frozen=True, slots=True)
class Mark:
    severity: str  # "error" | "warning"
    messages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Drawn:
    """One cell of the grid: its address, text, mark class ("", "error", "warning") and merge span."""

    ref: str
    text: str
    mark: str
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True, slots=True)
class DrawnSheet:
    name: str
    columns: tuple[str, ...]  # A, B, C ...
    rows: tuple[tuple[int, tuple[Drawn, ...]], ...]  # (row number, its cells; cells a merge covers are left out)
    marks: Mapping[str, Mark]
    clipped: bool  # the sheet has content beyond what is drawn


def draw(wb: WorkbookGrid, findings: Iterable[Mapping[str, Any]]) -> list[DrawnSheet]:
    """Every visible sheet of `wb`, with each finding's cell marked (errors over warnings)."""
    by_cell: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for f in findings:
        if f.get("sheet") and f.get("cell"):
            by_cell.setdefault((f["sheet"], f["cell"]), []).append(f)
    return [_sheet(s, by_cell) for s in wb.sheets if s.state == "visible" and not s.name.startswith("_")]


def _sheet(s: SheetGrid, by_cell: Mapping[tuple[str, str], list[Mapping[str, Any]]]) -> DrawnSheet:
    marked = [(r, c) for (name, ref), _ in by_cell.items() if name == s.name for r, c in [_rc(ref)] if r >= 0]
    cells = list(s.values) + marked
    n_rows = min(MAX_ROWS, max((r for r, _ in cells), default=-1) + 1)
    n_cols = min(MAX_COLS, max((c for _, c in cells), default=-1) + 1)
    marks: dict[str, Mark] = {}
    spans, covered = _merges(s, n_rows, n_cols)
    rows = []
    for r in range(n_rows):
        row = []
        for c in range(n_cols):
            if (r, c) in covered:
                continue
            ref = a1(r, c)
            fs = by_cell.get((s.name, ref), [])
            mark = ""
            if fs:
                severity = "error" if any(f["severity"] == "error" for f in fs) else "warning"
                marks[ref] = Mark(severity, tuple(str(f["message"]) for f in fs))
                mark = severity
            rowspan, colspan = spans.get((r, c), (1, 1))
            row.append(Drawn(ref, _text(s.values.get((r, c)), (r, c) in s.percent), mark, rowspan, colspan))
        rows.append((r + 1, tuple(row)))
    clipped = s.truncated or any(r >= MAX_ROWS or c >= MAX_COLS for r, c in cells)
    return DrawnSheet(s.name, tuple(col_letters(c) for c in range(n_cols)), tuple(rows), marks, clipped)


def _merges(s: SheetGrid, n_rows: int, n_cols: int) -> tuple[dict[tuple[int, int], tuple[int, int]], set[tuple[int, int]]]:
    """(top-left cell -> (rowspan, colspan), the cells the merges cover), clipped to what is drawn."""
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for r1, c1, r2, c2 in s.merges:
        r2, c2 = min(r2, n_rows - 1), min(c2, n_cols - 1)
        if r1 > r2 or c1 > c2 or (r1, c1) in covered or (r1, c1) in spans:
            continue
        cells = {(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)} - {(r1, c1)}
        if cells & (covered | set(spans)):
            continue  # overlapping merges (a broken file): draw this one unmerged
        spans[(r1, c1)] = (r2 - r1 + 1, c2 - c1 + 1)
        covered |= cells
    return spans, covered


def _rc(ref: str) -> tuple[int, int]:
    try:
        return parse_a1(ref)
    except ValueError:
        return -1, -1


def _text(v: CellValue, percent: bool) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if percent:
            return f"{v * 100:.10g}%"
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.15g}"
    return v
