"""Template + context + data -> Layout: every cell of every sheet, with position, span, role and value.

Pure and shared: the writer emits a Layout, the reader compares a returned grid against one. Nothing here
touches a file.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

import jinja2

from .a1 import a1
from .errors import TemplateError
from .spec.model import LABEL_ROLES, CellSpec, ColumnSpec, GridBlock, Role, SheetSpec, Style, TableBlock, Template, ValueType
from .spec.walk import AnyItem, compile_jinja, render_default

Value = str | float | int | None

#: Stands for a context value the reader does not know (a workbook without its identity sheet): a label built
#: from it matches any text there, and a default built from it is no default at all.
UNKNOWN = "\ue000"


@dataclass(slots=True)  # not frozen: a layout builds thousands, and frozen construction costs 3x
class LCell:
    row: int
    col: int
    role: Role
    value: Value
    style: Style
    locked: bool
    vtype: ValueType = ValueType.TEXT
    field: str | None = None  # grid value cells: the data key
    label: str | None = None  # what messages call this cell
    list: str | None = None
    hint: str | None = None
    required: bool = False
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class LRow:
    values: dict[str, Value]
    locked: frozenset[str]  # column keys locked in this row (grey, issued)

    @property
    def issued(self) -> bool:
        return bool(self.locked)


@dataclass(frozen=True, slots=True)
class Validation:
    first_row: int
    last_row: int
    col: int
    list: str | None  # None: no dropdown, only the input hint (a clerk sees what to type when the cell is selected)
    cascade_col: int | None = None  # the parent column that selects the list
    cascade_row: int | None = None  # parent cell's row when fixed (a merged group's top row); None = same row
    hint: str | None = None
    title: str | None = None


@dataclass(slots=True)
class LTable:
    spec: TableBlock
    header_row: int
    first_row: int
    end_row: int  # exclusive: issued rows + pre-allocated blank rows
    cols: dict[str, int]  # column key -> first sheet column
    rows: list[LRow]


@dataclass(slots=True)
class LBlock:
    spec: GridBlock | TableBlock
    first_row: int
    end_row: int  # exclusive
    table: LTable | None = None


@dataclass(slots=True)
class LSheet:
    name: str
    spec: SheetSpec
    index: int | None  # repeated sheets: position in the data list
    cells: dict[tuple[int, int], LCell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    blocks: list[LBlock] = field(default_factory=list)
    validations: list[Validation] = field(default_factory=list)


@dataclass(slots=True)
class Layout:
    template: Template
    sheets: list[LSheet]
    issued: dict[str, Any]  # the locked (grey) values, in the data's own shape
    fingerprint: str


def _style(t: Template, role: Role, override: Style | None) -> Style:
    return override if override is not None else t.styles[role]


def _present(v: Value) -> bool:
    return v is not None and v != ""


def _grid(t: Template, sheet: LSheet, block: GridBlock, top: int, data: dict[str, Any], issued: dict[str, Any]) -> int:
    occupied: set[tuple[int, int]] = set()
    ncols = sheet.spec.ncols
    row = top
    for rspec in block.rows:
        col = 0
        if rspec.height:
            sheet.heights[row] = rspec.height
        for cs in rspec.cells:
            while (row, col) in occupied:
                col += 1
            span = (ncols - col) if cs.span == 0 else cs.span
            _grid_cell(t, sheet, cs, row, col, data, issued)
            if span > 1 or cs.rowspan > 1:
                sheet.merges.append((row, col, row + cs.rowspan - 1, col + span - 1))
                style = _style(t, cs.role, cs.style)
                first = sheet.cells[(row, col)]
                for r in range(row, row + cs.rowspan):
                    for c in range(col, col + span):
                        occupied.add((r, c))
                        if (r, c) != (row, col):
                            sheet.cells[(r, c)] = LCell(r, c, cs.role, None, style, first.locked, label=first.label)
            col += span
        row += 1
    return row


def _grid_cell(t: Template, sheet: LSheet, cs: CellSpec, row: int, col: int, data: dict[str, Any],
               issued: dict[str, Any]) -> None:
    style = _style(t, cs.role, cs.style)
    if cs.role in LABEL_ROLES:
        sheet.cells[(row, col)] = LCell(row, col, cs.role, cs.text, style, True, label=cs.text)
        return
    assert cs.field is not None
    value = data[cs.field] if cs.field in data else (render_default(cs.default, t.context) if cs.default else None)
    if isinstance(value, str) and UNKNOWN in value:
        value = None
    if value == "":
        value = None
    locked = cs.role == Role.PREFILLED and _present(value)
    if locked:
        issued[cs.field] = value
    sheet.cells[(row, col)] = LCell(
        row, col, cs.role, value, style, locked, cs.type, cs.field, cs.field, cs.list, cs.hint, cs.required, cs.max_length,
    )
    if (cs.list or cs.hint) and not locked:
        sheet.validations.append(Validation(row, row, col, cs.list, hint=cs.hint, title=cs.field))


def preset_lock(table: TableBlock, row: dict[str, Value]) -> frozenset[str]:
    """Columns locked in `row` if it is one of the table's bureau-issued presets, else nothing."""
    for preset in table.presets:
        keys = table.preset_locked if table.preset_locked is not None else tuple(preset)
        keys = tuple(k for k in keys if _present(preset.get(k)))
        if keys and all(row.get(k) == preset.get(k) for k in keys):
            return frozenset(keys)
    return frozenset()


def table_rows(table: TableBlock, data: dict[str, Any]) -> list[LRow]:
    """The issued rows: the data's rows when given, else the template's presets."""
    source = data[table.name] if table.name in data else list(table.presets)
    previous = [c.key for c in table.columns if c.previous]
    rows = []
    for r in source:
        values = {c.key: (None if r.get(c.key) == "" else r.get(c.key)) for c in table.columns}
        carried = frozenset(k for k in previous if _present(values[k]))  # last year's value: grey, locked
        rows.append(LRow(values, preset_lock(table, values) | carried))
    return rows


def _table(t: Template, sheet: LSheet, block: TableBlock, top: int, data: dict[str, Any],
           issued: dict[str, Any]) -> tuple[int, LTable]:
    cols: dict[str, int] = {}
    c = 0
    for col in block.columns:
        cols[col.key] = c
        style = t.styles[col.role]
        sheet.cells[(top, c)] = LCell(top, c, col.role, col.label, style, True, label=col.label)
        if col.span > 1:
            sheet.merges.append((top, c, top, c + col.span - 1))
            for k in range(1, col.span):
                sheet.cells[(top, c + k)] = LCell(top, c + k, col.role, None, style, True, label=col.label)
        c += col.span
    if block.header_height:
        sheet.heights[top] = block.header_height
    rows = table_rows(block, data)
    # always recorded (even empty): the reader must know the issued rows replaced the template's presets
    issued[block.name] = [{k: r.values[k] for k in r.values if k in r.locked} for r in rows if r.locked]
    first = top + 1
    end = first + len(rows) + block.blank_rows
    entry, grey = t.styles[Role.ENTRY], t.styles[Role.PREFILLED]
    per_column = [(col, cols[col.key], col.required) for col in block.columns]  # once, not per cell
    for i in range(end - first):
        r = first + i
        lrow = rows[i] if i < len(rows) else None
        if block.row_height:
            sheet.heights[r] = block.row_height
        elif lrow is not None:
            fitted = fit_height(sheet.spec.widths, cols, block, lrow.values)
            if fitted is not None:
                sheet.heights[r] = fitted
        for col, base, required in per_column:
            value = lrow.values[col.key] if lrow else None
            locked = lrow is not None and col.key in lrow.locked
            role = Role.PREFILLED if locked else Role.ENTRY
            for k in range(col.span):
                sheet.cells[(r, base + k)] = LCell(
                    r, base + k, role, value if k == 0 else None, grey if locked else entry, locked, col.type,
                    label=col.label, list=col.list, hint=col.hint, required=required, max_length=col.max_length,
                )
            if col.span > 1:
                sheet.merges.append((r, base, r, base + col.span - 1))
    _merge_runs(sheet, block, cols, rows, first)
    for col in block.columns:
        if not col.list:
            if col.hint:
                sheet.validations.append(Validation(first, end - 1, cols[col.key], None, hint=col.hint, title=col.label))
            continue
        if col.cascade is None:
            sheet.validations.append(Validation(first, end - 1, cols[col.key], col.list, hint=col.hint, title=col.label))
            continue
        for r1, r2, top_row in _cascade_segments(sheet, cols[col.cascade], first, end):
            sheet.validations.append(
                Validation(r1, r2, cols[col.key], col.list, cols[col.cascade], top_row, hint=col.hint, title=col.label))
    return end, LTable(block, top, first, end, cols, rows)


def _cascade_segments(sheet: LSheet, parent_col: int, first: int, end: int) -> list[tuple[int, int, int | None]]:
    """Row ranges for a cascade's validations: inside a merged parent group every row looks up the group's
    top cell (the others are empty); elsewhere each row looks up its own parent cell. A row a clerk inserts
    inside a group copies the validation of the row above, and so still finds the group's 一级."""
    tops = {}
    for r1, c1, r2, c2 in sheet.merges:
        if c1 <= parent_col <= c2 and first <= r1 and r2 < end and r2 > r1:
            tops.update({r: r1 for r in range(r1, r2 + 1)})
    segments: list[tuple[int, int, int | None]] = []
    for r in range(first, end):
        top_row = tops.get(r)
        if segments and segments[-1][2] == top_row and segments[-1][1] == r - 1:
            segments[-1] = (segments[-1][0], r, top_row)
        else:
            segments.append((r, r, top_row))
    return segments


LINE_HEIGHT = 14.0  # points per wrapped line of an 11-point font
MAX_ROW_HEIGHT = 409.0  # Excel's limit


def text_width(text: str) -> float:
    """Width in Excel's character units: CJK and full-width characters (3 bytes in UTF-8) take two."""
    return len(text) + (len(text.encode("utf-8", "surrogatepass")) - len(text)) / 2


def fit_height(widths: tuple[float, ...], cols: dict[str, int], block: TableBlock, values: dict[str, Value]) -> float | None:
    """A row height that shows every wrapped value of an issued row (Excel and LibreOffice do not fit rows
    written with text on open); None when one line is enough."""
    lines = 1
    for col in block.columns:
        v = values.get(col.key)
        if not isinstance(v, str) or not v:
            continue
        width = sum(widths[cols[col.key]: cols[col.key] + col.span]) - 1
        per_line = sum(max(1, math.ceil(text_width(part) / max(width, 1.0))) for part in v.split("\n"))
        lines = max(lines, per_line)
    return None if lines == 1 else min(MAX_ROW_HEIGHT, lines * LINE_HEIGHT + 4)


def _merge_runs(sheet: LSheet, block: TableBlock, cols: dict[str, int], rows: list[LRow], first: int) -> None:
    """Merge runs of equal values vertically in `merge` columns (一级/二级), as on the real forms."""
    merge_cols = [c for c in block.columns if c.merge]
    for depth, col in enumerate(merge_cols):
        keys = [c.key for c in merge_cols[: depth + 1]]

        def run_key(r: LRow, keys: list[str] = keys, col: ColumnSpec = col) -> tuple[Any, ...] | None:
            if not _present(r.values[col.key]):
                return None
            return (*[r.values[k] for k in keys], col.key in r.locked)

        start = 0
        while start < len(rows):
            key = run_key(rows[start])
            stop = start + 1
            while key is not None and stop < len(rows) and run_key(rows[stop]) == key:
                stop += 1
            if stop - start > 1 and col.span == 1:
                c = cols[col.key]
                sheet.merges.append((first + start, c, first + stop - 1, c))
                for i in range(start + 1, stop):
                    old = sheet.cells[(first + i, c)]
                    sheet.cells[(first + i, c)] = LCell(
                        old.row, old.col, old.role, None, old.style, old.locked, old.vtype, label=old.label,
                        list=old.list, hint=old.hint, required=old.required,
                    )
            start = stop


def sheet_names(template: Template, data: dict[str, Any]) -> list[tuple[SheetSpec, str, int | None]]:
    """Each sheet to emit: (spec, name, index into the repeated data list or None)."""

    out: list[tuple[SheetSpec, str, int | None]] = []
    taken = {s.name.lower() for s in template.sheets if s.repeat is None}
    for s in template.sheets:
        if s.repeat is None:
            out.append((s, s.name, None))
            continue
        items = data.get(s.repeat) or [{}]
        for i, item in enumerate(items):
            fields = {k: ("" if v is None else v) for k, v in item.items()} if isinstance(item, dict) else {}
            scope = {**template.context, "index": i + 1, "item": AnyItem(fields)}  # a missing field reads ''
            try:
                rendered = compile_jinja(s.name_pattern or s.name).render(scope)
            except jinja2.TemplateError as exc:
                raise TemplateError(template.source, f"{s.path}.name", f"template expression failed for "
                                    f"{s.repeat}[{i}]: {exc}") from exc
            name = _unique_sheet_name(rendered, i + 1, taken)
            taken.add(name.lower())
            out.append((s, name, i))
    return out


_BAD_SHEET_CHARS = str.maketrans({ch: "_" for ch in "[]:*?/\\"})


def _unique_sheet_name(rendered: str, index: int, taken: set[str]) -> str:
    """A legal Excel sheet name from data (e.g. a project's name), unique case-insensitively."""
    name = rendered.translate(_BAD_SHEET_CHARS).strip().strip("'").lstrip("_")[:31] or str(index)
    n = 2
    base = name
    while name.lower() in taken:
        suffix = f"({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    return name


def build_sheet(template: Template, spec: SheetSpec, name: str, index: int | None,
                scope: dict[str, Any]) -> tuple[LSheet, dict[str, Any]]:
    """One sheet laid out for the data `scope` (the top level, or one item of a repeated sheet)."""
    sheet = LSheet(name, spec, index)
    issued: dict[str, Any] = {}
    row = 0
    for block in spec.blocks:
        if isinstance(block, GridBlock):
            end = _grid(template, sheet, block, row, scope, issued)
            sheet.blocks.append(LBlock(block, row, end))
        else:
            end, table = _table(template, sheet, block, row, scope, issued)
            sheet.blocks.append(LBlock(block, row, end, table))
        row = end
    return sheet, issued


def build_layout(template: Template, data: dict[str, Any] | None = None) -> Layout:
    """The full layout for `data` (already validated against the template, see schema.py)."""
    data = data or {}
    sheets: list[LSheet] = []
    issued: dict[str, Any] = {}
    for spec, name, index in sheet_names(template, data):
        scope = data if index is None else (data.get(spec.repeat or "") or [{}])[index]
        sheet, scope_issued = build_sheet(template, spec, name, index, scope)
        if index is None:
            issued.update(scope_issued)
        else:
            issued.setdefault(spec.repeat or "", []).append(scope_issued)
        sheets.append(sheet)
    return Layout(template, sheets, issued, fingerprint(sheets, issued))


def fingerprint(sheets: list[LSheet], issued: dict[str, Any]) -> str:
    """SHA-256 over a canonical encoding of what was issued locked: every fixed text with its place
    (sheet, A1, text) and the grey values (`issued`, whose table rows do not depend on where unlocked rows
    fell between them). The reader rebuilds the layout from the identity sheet and compares."""
    labels = sorted(
        (s.name, a1(c.row, c.col), str(c.value))
        for s in sheets for c in s.cells.values() if c.role in LABEL_ROLES and _present(c.value)
    )
    blob = json.dumps([labels, issued], ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def layout_data(layout: Layout) -> dict[str, Any]:
    """The data a workbook generated from `layout` holds, as the reader will return it untouched."""
    out: dict[str, Any] = {}
    for sheet in layout.sheets:
        scope: dict[str, Any] = {}
        for cell in sheet.cells.values():
            if cell.field is not None:
                scope[cell.field] = cell.value
        for block in sheet.blocks:
            if block.table is not None:
                keys = [c.key for c in block.table.spec.columns]
                scope[block.table.spec.name] = [
                    {k: r.values[k] for k in keys} for r in block.table.rows if any(_present(v) for v in r.values.values())
                ]
        if sheet.index is None:
            out.update(scope)
        else:
            out.setdefault(sheet.spec.repeat or "", []).append(scope)
    return out
