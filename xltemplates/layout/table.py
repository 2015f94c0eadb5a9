"""Laying out table blocks: header (one row, or two under group headers), a side label, issued (preset/data)
rows, the spare rows closing each group of grey rows, pre-allocated blank rows, vertical merges of grey runs
in `merge` columns, dropdown and number validations with the
cascade, and row heights that show wrapped text."""

from __future__ import annotations

from typing import Any

from ..form.model import ColumnSpec, Role, Style, TableBlock, Template
from ..form.typed import issue
from .fit import fit_rows
from .model import LCell, LRow, LSheet, LTable, Validation, Value, present


def preset_lock(table: TableBlock, row: dict[str, Value]) -> frozenset[str]:
    """Columns locked in `row` if it is one of the table's bureau-issued presets, else nothing. A preset's
    `editable` columns are never locked, so a row is recognised by its other locked columns whatever the
    unit wrote in them."""
    for i, preset in enumerate(table.presets):
        keys = table.preset_locked if table.preset_locked is not None else tuple(preset)
        editable = table.preset_editable[i] if i < len(table.preset_editable) else frozenset()
        keys = tuple(k for k in keys if present(preset.get(k)) and k not in editable)
        if keys and all(row.get(k) == preset.get(k) for k in keys):
            return frozenset(keys)
    return frozenset()


def table_rows(table: TableBlock, data: dict[str, Any]) -> list[LRow]:
    """The issued rows: the data's rows when given, else the template's presets."""
    source = data[table.name] if table.name in data else list(table.presets)
    previous = [c.key for c in table.columns if c.previous]
    rows = []
    for r in source:
        values = {c.key: issue(r.get(c.key), c.type) for c in table.columns}  # in each column's type
        carried = frozenset(k for k in previous if present(values[k]))  # last year's value: grey, locked
        rows.append(LRow(values, preset_lock(table, values) | carried))
    return rows


def _label(sheet: LSheet, role: Role, text: str, style: Style, r1: int, c1: int, r2: int, c2: int) -> None:
    """A fixed text over rows r1..r2 and columns c1..c2 (merged when more than one cell)."""
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            sheet.cells[(r, c)] = LCell(r, c, role, text if (r, c) == (r1, c1) else None, style, True, label=text)
    if (r1, c1) != (r2, c2):
        sheet.merges.append((r1, c1, r2, c2))


def _header(t: Template, sheet: LSheet, block: TableBlock, top: int) -> dict[str, int]:
    """The header rows; column key -> first sheet column. In a two-row header a group's text spans its columns
    on the first row above their own labels, and a column without a group spans both rows."""
    cols: dict[str, int] = {}
    c = block.first_col
    last = top + block.header_rows - 1
    for i, col in enumerate(block.columns):
        cols[col.key] = c
        end = c + col.span - 1
        if col.group is None:
            _label(sheet, col.role, col.label, t.styles[col.role], top, c, last, end)
        else:
            _label(sheet, col.role, col.label, t.styles[col.role], last, c, last, end)
            if i == 0 or block.columns[i - 1].group != col.group:
                width = sum(k.span for k in block.columns[i:] if k.group == col.group)
                _label(sheet, Role.HEADER, col.group, t.styles[Role.HEADER], top, c, top, c + width - 1)
        c = end + 1
    if block.header_height:
        for r in range(top, last + 1):
            sheet.heights[r] = block.header_height
    return cols


def row_positions(block: TableBlock, rows: list[LRow], first: int) -> tuple[list[int], list[tuple[int, int]], int]:
    """Where each issued row goes, the groups of grey rows with their spare rows, and the row after the last.

    A group is a run of issued (grey, locked) rows with the same value in the first `fill_down` column (一级),
    followed by the unit's own (white) rows that the data already holds: they follow the presets with no
    empty row between. A group ending with grey rows is closed by its spare rows
    (`spare_rows`, or the group's own count: `TableBlock.spares_for`); a row a clerk inserts among them
    copies the white row above it (Excel and LibreOffice copy the row above; WPS follows Excel), so every
    group can grow on the protected sheet, and the reader's forward fill puts what is typed there under the
    group. A group already ending with a white row needs none (its spare rows are left blank after the last
    row instead, so the table keeps its size whatever the unit's rows hold). Only what is locked decides where the grey
    rows go, so the layout rebuilt from what was issued (grey values only) puts every row where it was.
    Groups are (first row, end row exclusive, spare rows included)."""
    key_col = next((c.key for c in block.columns if c.fill_down), None)

    def key(r: LRow) -> Value:
        return r.values.get(key_col) if key_col is not None and key_col in r.locked else None

    def joins(r: LRow, group: Value) -> bool:
        """Whether `r` continues a group of 一级 `group`: grey with the same 一级, or white (whatever it holds:
        only what is locked may decide, or the layout rebuilt from what was issued would differ)."""
        return not r.locked or (present(key(r)) and key(r) == group)

    positions: list[int] = []
    groups: list[tuple[int, int]] = []
    r, start, deferred = first, None, 0
    group: Value = None
    for i, lrow in enumerate(rows):
        positions.append(r)
        r += 1
        if start is None:
            if not lrow.locked:
                continue  # a white row outside any group of grey rows
            start, group = i, key(lrow)
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if nxt is not None and present(group) and joins(nxt, group):
            continue
        if lrow.locked:
            r += block.spares_for(group)
        else:  # the rows it would have had go to the end of the table, as blank rows: the table keeps its size
            deferred += block.spares_for(group)
        groups.append((positions[start], r))
        start = None
    return positions, groups, r + deferred


def place_table(t: Template, sheet: LSheet, block: TableBlock, top: int, data: dict[str, Any],
           issued: dict[str, Any]) -> tuple[int, LTable]:
    cols = _header(t, sheet, block, top)
    rows = table_rows(block, data)
    # One entry per issued row, holding what is locked in it ({} for an ordinary prefilled row), so the layout
    # rebuilt from `issued` has the table's real size and everything below it stays where it was issued.
    # Always recorded (even empty): the reader must know the issued rows replaced the template's presets.
    issued[block.name] = [{k: r.values[k] for k in r.values if k in r.locked} for r in rows]
    first = top + block.header_rows
    positions, _, after = row_positions(block, rows, first)
    blank = block.blank_rows
    if block.fill_rows is not None:  # a long table gets fewer blank rows, so it and what follows stay on its page
        blank = max(blank, block.fill_rows - (after - first))
    end = after + blank
    at = dict(zip(positions, rows, strict=True))
    if block.side_label is not None:  # down the left of the header and every row, blank ones included
        _label(sheet, Role.HEADER, block.side_label, t.styles[Role.HEADER], top, 0, max(end - 1, top), 0)
    entry, grey = t.styles[Role.ENTRY], t.styles[Role.PREFILLED]
    per_column = [(col, cols[col.key], col.required) for col in block.columns]  # once, not per cell
    for r in range(first, end):
        lrow = at.get(r)
        if block.row_height:
            sheet.heights[r] = block.row_height
        for col, base, required in per_column:
            value = lrow.values[col.key] if lrow else None
            locked = lrow is not None and col.key in lrow.locked
            role = Role.PREFILLED if locked else Role.ENTRY
            for k in range(col.span):
                sheet.cells[(r, base + k)] = LCell(
                    r, base + k, role, value if k == 0 else None, grey if locked else entry, locked, col.type,
                    label=col.label, list=col.list, hint=col.hint, required=required, max_length=col.max_length,
                    decimals=col.decimals,
                )
            if col.span > 1:
                sheet.merges.append((r, base, r, base + col.span - 1))
    _merge_runs(sheet, block, cols, rows, positions)
    fit_rows(sheet, top, end, grow=True)  # the header's labels, the issued rows' text, room to write in every row
    for col in block.columns if end > first else ():
        if not col.list:
            if col.hint or col.type.typed:
                sheet.validations.append(Validation(first, end - 1, cols[col.key], None, hint=col.hint, title=col.label,
                                                    number=col.type if col.type.typed else None, decimals=col.decimals))
            continue
        if col.cascade is None:
            sheet.validations.append(Validation(first, end - 1, cols[col.key], col.list, hint=col.hint, title=col.label))
            continue
        # one validation for the whole column: inserted rows grow it, and its first cell never moves
        sheet.validations.append(
            Validation(first, end - 1, cols[col.key], col.list, cols[col.cascade], None, hint=col.hint, title=col.label))
    return end, LTable(block, top, first, end, cols, rows, positions)


def _merge_runs(sheet: LSheet, block: TableBlock, cols: dict[str, int], rows: list[LRow], positions: list[int]) -> None:
    """Merge runs of equal issued (grey) values vertically in `merge` columns (一级/二级), as on the real forms.

    The unit's own (white) rows are never merged: a clerk must be able to give a row of a group its own
    二级, and a merge cannot be undone on the protected sheet."""
    merge_cols = [c for c in block.columns if c.merge]
    for depth, col in enumerate(merge_cols):
        keys = [c.key for c in merge_cols[: depth + 1]]

        def run_key(r: LRow, keys: list[str] = keys, col: ColumnSpec = col) -> tuple[Any, ...] | None:
            if not present(r.values[col.key]) or col.key not in r.locked:
                return None
            return tuple(r.values[k] for k in keys)

        start = 0
        while start < len(rows):
            key = run_key(rows[start])
            stop = start + 1
            while (key is not None and stop < len(rows) and run_key(rows[stop]) == key
                   and positions[stop] == positions[stop - 1] + 1):
                stop += 1
            if stop - start > 1 and col.span == 1:
                c = cols[col.key]
                sheet.merges.append((positions[start], c, positions[stop - 1], c))
                for i in range(start + 1, stop):
                    old = sheet.cells[(positions[i], c)]
                    sheet.cells[(positions[i], c)] = LCell(
                        old.row, old.col, old.role, None, old.style, old.locked, old.vtype, label=old.label,
                        list=old.list, hint=old.hint, required=old.required, decimals=old.decimals,
                    )
            start = stop
