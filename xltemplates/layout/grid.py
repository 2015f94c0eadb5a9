"""Laying out grid blocks: fixed rows of titles, labels and fields, with their merges."""

from __future__ import annotations

from typing import Any

from ..form.model import LABEL_ROLES, CellSpec, GridBlock, Role, Style, Template
from ..form.typed import issue
from ..form.walk import AnyItem, compile_jinja, render_default
from .fit import fit_rows
from .model import SPARE, UNKNOWN, Follows, LCell, LSheet, Validation, present

#: Stands for the field's value while finding where a spare sheet's title shows it (a private-use character).
_SLOT = "\ue001"


def _style(t: Template, role: Role, override: Style | None) -> Style:
    return override if override is not None else t.styles[role]


def place_grid(t: Template, sheet: LSheet, block: GridBlock, top: int, data: dict[str, Any], issued: dict[str, Any]) -> int:
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
    fit_rows(sheet, top, row)
    return row


class _UnknownItem(dict[str, Any]):
    """A returned sheet's item the reader could not match: every field reads as UNKNOWN (any text)."""

    def __missing__(self, key: str) -> str:
        return UNKNOWN


def _item_text(t: Template, source: str, sheet: LSheet, data: dict[str, Any]) -> str:
    """A repeated sheet's label that reads its `index` and `item` (e.g. 「1、2025年防火经费绩效目标表」)."""
    if sheet.number is None:
        scope = {**t.context, "index": UNKNOWN, "item": _UnknownItem()}
    else:
        fields = {k: ("" if v is None else v) for k, v in data.items() if not isinstance(v, list)}
        scope = {**t.context, "index": sheet.number, "item": AnyItem(fields)}
    return compile_jinja(source).render(scope)


def _follows(t: Template, source: str, sheet: LSheet, data: dict[str, Any]) -> Follows | None:
    """A spare sheet's label that shows one of the sheet's identifying fields (its 项目名称), as a formula
    over that field's cell; None for any other label, and on every sheet the bureau filled (its name is locked)."""
    if data.get(SPARE) is not True or sheet.number is None:
        return None
    empty = _item_text(t, source, sheet, {})
    for field in (cs.field for b in sheet.spec.blocks for r in getattr(b, "rows", ()) for cs in r.cells
                  if cs.identifying and cs.field):
        text = compile_jinja(source).render({**t.context, "index": sheet.number, "item": AnyItem({field: _SLOT})})
        if text.count(_SLOT) != 1:
            continue
        prefix, suffix = text.split(_SLOT)
        if empty.startswith(prefix) and empty.endswith(suffix) and len(empty) > len(prefix) + len(suffix):
            return Follows(field, prefix, empty[len(prefix):len(empty) - len(suffix)], suffix)
    return None


def _grid_cell(t: Template, sheet: LSheet, cs: CellSpec, row: int, col: int, data: dict[str, Any],
               issued: dict[str, Any]) -> None:
    style = _style(t, cs.role, cs.style)
    if cs.role in LABEL_ROLES:
        text = _item_text(t, cs.text or "", sheet, data) if cs.per_item else cs.text
        follows = _follows(t, cs.text or "", sheet, data) if cs.per_item else None
        sheet.cells[(row, col)] = LCell(row, col, cs.role, text, style, True, label=text, follows=follows)
        return
    assert cs.field is not None
    if cs.field in data:
        value = data[cs.field]
    else:  # a default built from a unit the reader does not know is no default at all (not data that says so)
        value = render_default(cs.default, t.context) if cs.default else None
        if isinstance(value, str) and UNKNOWN in value:
            value = None
    value = issue(value, cs.type)  # in the field's type: a default 100 on a number field is the number 100
    if value == "":
        value = None
    locked = cs.role == Role.PREFILLED and present(value)
    if locked:
        issued[cs.field] = value
    sheet.cells[(row, col)] = LCell(
        row, col, cs.role, value, style, locked, cs.type, cs.field, cs.field, cs.list, cs.hint, cs.required, cs.max_length,
        cs.decimals,
    )
    if (cs.list or cs.hint or cs.type.typed) and not locked:
        sheet.validations.append(Validation(row, row, col, cs.list, hint=cs.hint, title=cs.field,
                                            number=cs.type if cs.type.typed and not cs.list else None,
                                            decimals=cs.decimals))
