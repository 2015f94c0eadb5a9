"""Reading the copies of a repeated sheet (one per project): issued ones by name or by content, spare ones,
and sheets a clerk copied.

- An issued sheet is found by its name, or, renamed, by its grey texts (项目编码, 项目名称…).
- A spare sheet (`generate --spare-projects N`: issued empty, marked SPARE in what was issued) is the unit's
  room for a project of its own. While untouched it is no project: no data item, no finding.
- A sheet whose grey texts are all those of an issued sheet already read is a copy of it. It stays readable
  (its values are a data item), but the copy cannot hold a new project, since its grey cells are locked: one
  E-SHEET-COPIED says so and names the spare sheets to use instead (the rules' E-DUPLICATE on its 项目编码
  would say the same less helpfully, and is left out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..cellmap import CellMap
from ..findings.report import Finding, make_finding
from ..form.model import Role, SheetSpec, Template
from ..grammar.text import squash
from ..layout import SPARE, build_sheet, sheet_names
from ..layout.model import present
from .grid import SheetGrid
from .identify import STRUCTURE_MATCH, structure_score
from .sheet import SheetReader, SheetResult

#: Findings an untouched spare sheet gives by being empty; nothing else may be on it.
EMPTY_FINDINGS = frozenset({"E-REQUIRED-EMPTY", "E-TOO-FEW-ROWS"})


@dataclass
class RepeatedResult:
    items: list[dict[str, Any]] = field(default_factory=list)
    cells: CellMap = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    copies: set[str] = field(default_factory=set)  # names of the sheets that are copies of an issued one


def read_repeated(t: Template, spec: SheetSpec, issued_items: list[dict[str, Any]], sheets: list[SheetGrid],
                  used: set[str], max_rows: int, date1904: bool) -> RepeatedResult:
    """One data item per sheet shaped like `spec` among `sheets` (those in `used` are skipped, and the ones
    read are added to it), in workbook order."""
    key = spec.repeat or ""
    named = {name: i for s, name, i in sheet_names(t, {key: issued_items or [{}]}) if s is spec and i is not None}
    blank, _ = build_sheet(t, spec, spec.name, 0, {})
    out = RepeatedResult()
    taken: set[int] = set()
    copied: list[tuple[SheetGrid, int, SheetResult]] = []
    untouched: list[tuple[str, SheetResult]] = []
    for grid in sheets:
        if grid.name in used:
            continue
        i = named.get(grid.name)
        copy_of = None
        if i is None or i in taken:
            if structure_score(blank, grid) < STRUCTURE_MATCH:
                continue
            i = issued_by_content(issued_items, taken, grid)  # an issued sheet the clerk renamed
            if i is None:
                copy_of = issued_by_content(issued_items, set(), grid)  # its grey texts are another's: a copy
        source = i if i is not None else copy_of
        scope = issued_items[source] if source is not None and source < len(issued_items) else {}
        if i is not None:
            taken.add(i)
        used.add(grid.name)
        n = len(out.items)
        # a copy's labels may show its original's number (a clerk's copy) or its own (an annotated copy)
        expected, _ = build_sheet(t, spec, grid.name, n, scope, number=None if i is None else i + 1, known=i is not None)
        res = SheetReader(t, expected, grid, max_rows, date1904, (key, n)).read()
        if copy_of is None and scope.get(SPARE) is True:
            if _untouched(res):
                untouched.append((grid.name, res))
                continue
            res.findings.extend(_spare_fields(t, spec, res, grid.name, (key, n)))
        if copy_of is not None:
            copied.append((grid, copy_of, res))
        out.items.append(res.data)
        out.cells.update(res.cells)
        out.findings.extend(res.findings)
    if not out.items and untouched:  # nothing filled in at all: the empty form is what came back
        _, first = untouched.pop(0)
        out.items.append(first.data)
        out.cells.update(first.cells)
        out.findings.extend(first.findings)
    spares = "、".join(f"「{name}」" for name, _ in untouched) or "无"
    hidden = {g.name for g in sheets if g.state != "visible"}
    if any(name in hidden for name, _ in untouched):  # spares are issued hidden: say how to show them
        spares += "；已隐藏的请右键工作表标签→取消隐藏"
    originals = {i: name for name, i in named.items()}
    ids = _ids(spec)
    for grid, i, res in copied:
        cell = next((c for path, (_, c) in res.cells.items() if path[-1] in ids), None)
        out.findings.append(make_finding("E-SHEET-COPIED", grid.name, cell, expected=originals.get(i, ""), spare=spares))
        out.copies.add(grid.name)
    for name, i in named.items():
        if i < len(issued_items) and issued_items[i] and not issued_items[i].get(SPARE) and i not in taken:
            out.findings.append(make_finding("E-SHEET-MISSING", name, None, expected=name))
    return out


def _ids(spec: SheetSpec) -> set[str]:
    """The identifying fields of the sheet (项目编码, 项目名称): where a copy's finding points."""
    return {cell.field for b in spec.blocks for row in getattr(b, "rows", ()) for cell in row.cells
            if cell.identifying and cell.field}


def _spare_fields(t: Template, spec: SheetSpec, res: SheetResult, sheet: str, prefix: tuple[str, int]) -> list[Finding]:
    """A spare sheet put to use: what the bureau fills on an issued sheet to name the project (项目编码,
    项目名称) and the total its rules compare with (预算数) are the unit's to fill here, and required: without
    them the project is nobody's and its plan is compared with no budget. One finding at each empty one's cell."""
    totals = {getattr(total, "name", total) for rule in t.rules if (total := getattr(rule, "total", None)) is not None}
    out = []
    for b in spec.blocks:
        for row in getattr(b, "rows", ()):
            for cell in row.cells:
                wanted = cell.identifying or (cell.role is Role.PREFILLED and cell.field in totals)
                if wanted and cell.field and not present(res.data.get(cell.field)):
                    at = res.cells.get((*prefix, cell.field))
                    out.append(make_finding("E-SPARE-FIELD-EMPTY", sheet, at[1] if at else None, label=cell.field))
    return out


def _untouched(res: SheetResult) -> bool:
    empty = all(not v if isinstance(v, list) else not present(v) for v in res.data.values())
    return empty and all(f.code in EMPTY_FINDINGS for f in res.findings)


def issued_by_content(issued: list[dict[str, Any]], taken: set[int], grid: SheetGrid) -> int | None:
    """The issued item whose grey texts (e.g. its 项目编码 and 项目名称) all stand on this sheet."""
    have = {squash(v) for v in grid.values.values() if isinstance(v, str)}
    for i, item in enumerate(issued):
        texts = [v for v in item.values() if isinstance(v, str) and v.strip()]
        if i not in taken and texts and all(squash(v) in have for v in texts):
            return i
    return None
