"""The order a person reads findings in: as the workbook runs, sheet by sheet in its tab order, cell by cell.

A clerk works through the file from its first tab to its last and down each sheet; a list in code-point order
of sheet names ("2025年防火经费" before "整体绩效目标申报表" before "项目2") sends them back and forth. The
workbook's own order is the order the reader found its sheets in (`Report.cells`, filled sheet by sheet as
the workbook lists them: the evidence's grid); findings about the whole file come first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..a1 import parse_a1
from .report import Finding

if TYPE_CHECKING:
    from ..reader.evidence import Evidence

__all__ = ["cell_position", "in_workbook_order", "sheet_order"]


def sheet_order(evidence: Evidence) -> list[str]:
    """The returned workbook's sheets in its tab order (without a grid read: in the order the form was read)."""
    if evidence.grid is not None:
        return [s.name for s in evidence.grid.sheets]
    return list(dict.fromkeys(sheet for sheet, _ in evidence.cells.values()))


def cell_position(cell: str | None) -> tuple[int, int]:
    """(row, column) of an A1 reference; a finding without a cell (or a range's name) sorts first."""
    if not cell:
        return (-1, -1)
    try:
        return parse_a1(cell)
    except ValueError:
        return (-1, -1)


def _key(order: list[str], errors_first: bool) -> Callable[[Finding], tuple[int, int, int, int]]:
    rank = {name: i for i, name in enumerate(order)}

    def key(f: Finding) -> tuple[int, int, int, int]:
        sheet = -1 if f.sheet is None else rank.get(f.sheet, len(rank))
        row, col = cell_position(f.cell)
        return (0 if not errors_first or f.severity == "error" else 1, sheet, row, col)

    return key


def in_workbook_order(findings: Iterable[Finding], order: list[str], errors_first: bool = False) -> list[Finding]:
    """`findings` sorted by sheet (in `order`, unknown sheets last) and cell (row, then column); stable, so
    findings on one cell keep the order the checks gave them. `errors_first`: every error before any warning."""
    return sorted(findings, key=_key(order, errors_first))
