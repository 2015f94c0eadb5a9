"""Template + data -> Layout: the sheets in order, what was issued, its fingerprint, and the data back out."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import jinja2

from ..a1 import a1
from ..errors import TemplateError
from ..excel import clean_sheet_name
from ..form.model import LABEL_ROLES, GridBlock, SheetSpec, Template
from ..form.walk import AnyItem, compile_jinja
from .grid import place_grid
from .model import SPARE, Layout, LBlock, LSheet, present
from .page import page_setup
from .table import place_table


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
            name = clean_sheet_name(rendered, taken, fallback=str(i + 1))
            taken.add(name.lower())
            out.append((s, name, i))
    return out


def build_sheet(template: Template, spec: SheetSpec, name: str, index: int | None,
                scope: dict[str, Any], number: int | None = None, known: bool = True) -> tuple[LSheet, dict[str, Any]]:
    """One sheet laid out for the data `scope` (the top level, or one item of a repeated sheet).

    A repeated sheet's labels that read `index`/`item` show `number` (default: index + 1) and the item's
    values; with `known` False (a returned sheet matched to no issued one) they match any text there."""
    sheet = LSheet(name, spec, index)
    issued: dict[str, Any] = {SPARE: True} if scope.get(SPARE) is True else {}
    if index is not None and known:
        sheet.number = number if number is not None else index + 1
    row = 0
    for block in spec.blocks:
        if isinstance(block, GridBlock):
            end = place_grid(template, sheet, block, row, scope, issued)
            sheet.blocks.append(LBlock(block, row, end))
        else:
            end, table = place_table(template, sheet, block, row, scope, issued)
            sheet.blocks.append(LBlock(block, row, end, table))
        row = end
    sheet.printing = page_setup(template, sheet)
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
    (sheet, A1, text) and the grey values (`issued`: every issued table row in order, with what is locked in
    it, so the labels below a table sit where the table's real size put them). The reader rebuilds the
    layout from the identity sheet and compares."""
    labels = sorted(
        (s.name, a1(c.row, c.col), str(c.value))
        for s in sheets for c in s.cells.values() if c.role in LABEL_ROLES and present(c.value)
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
                    {k: r.values[k] for k in keys} for r in block.table.rows if any(present(v) for v in r.values.values())
                ]
        if sheet.index is None:
            out.update(scope)
        else:
            out.setdefault(sheet.spec.repeat or "", []).append(scope)
    return out
