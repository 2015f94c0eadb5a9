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
class DrawnSheet:
    name: str
    columns: tuple[str, ...]  # A, B, C ...
    rows: tuple[tuple[int, tuple[tuple[str, str, str], ...]], ...]  # (row number, cells of (A1, text, mark class))
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
    rows = []
    for r in range(n_rows):
        row = []
        for c in range(n_cols):
            ref = a1(r, c)
            fs = by_cell.get((s.name, ref), [])
            mark = ""
            if fs:
                severity = "error" if any(f["severity"] == "error" for f in fs) else "warning"
                marks[ref] = Mark(severity, tuple(str(f["message"]) for f in fs))
                mark = severity
            row.append((ref, _text(s.values.get((r, c)), (r, c) in s.percent), mark))
        rows.append((r + 1, tuple(row)))
    clipped = s.truncated or any(r >= MAX_ROWS or c >= MAX_COLS for r, c in cells)
    return DrawnSheet(s.name, tuple(col_letters(c) for c in range(n_cols)), tuple(rows), marks, clipped)


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
