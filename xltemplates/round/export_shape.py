"""The columns of the export, per template: derived from the template's shape (shape.scopes), widened by
any key the stored data holds that the current template does not (files of an older version).

Nothing here knows a form: a scope's fields become one sheet, each table another, a repeated sheet
(项目) a sheet with one row per copy; columns marked ``value: indicator`` (a combined ≥95%) or
``operator``/``number``/``unit`` (the split layout) get parsed columns beside them, read as check reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..catalogue.registry import registered_template
from ..errors import XltError
from ..form.model import TableBlock, Template
from ..shape import scopes


@dataclass(frozen=True, slots=True)
class ParsedColumns:
    """Where a table's parsed indicator value goes (after column `after`), and the template and table that
    read it (parsed.parse_row: the same reading check gives, with the lists' meanings and the switch column)."""

    after: str
    template: Template
    table: TableBlock


@dataclass(slots=True)
class TableShape:
    name: str
    columns: list[str]
    parse: ParsedColumns | None = None


@dataclass(slots=True)
class ScopeShape:
    key: str | None  # None: the top level; else the repeated sheet's list key (项目)
    fields: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # prefilled text fields naming a copy (项目编码, 项目名称)
    tables: list[TableShape] = field(default_factory=list)


def template_shape(template_id: str, year: int | None) -> list[ScopeShape]:
    """The export shape of a template; empty when the template is no longer known (data-driven only)."""
    try:
        t = registered_template(template_id, {"year": year or "", "unit_code": "", "unit_name": ""})
    except XltError:
        return []
    out: list[ScopeShape] = []
    for sc in scopes(t):
        shape = ScopeShape(sc.key, [f.field or "" for f in sc.fields], sc.ids)
        for tb in sc.tables:
            shape.tables.append(TableShape(tb.name, [c.key for c in tb.columns], _parsed_columns(t, tb)))
        out.append(shape)
    return out


def _parsed_columns(t: Template, tb: TableBlock) -> ParsedColumns | None:
    """The parsed columns go after the last column holding part of the value (the switch column aside)."""
    vc = tb.values
    parts = {k for k in (vc.indicator, vc.operator, vc.number, vc.unit) if k}
    after = [c.key for c in tb.columns if c.key in parts]
    return ParsedColumns(after[-1], t, tb) if after else None


def widen(shapes: list[ScopeShape], datas: Iterable[dict[str, Any] | None]) -> list[ScopeShape]:
    """Add the keys found in the stored data that the template's shape lacks, in order of appearance."""
    by_key = {s.key: s for s in shapes}
    for data in datas:
        if not isinstance(data, dict):
            continue
        _widen_scope(by_key, shapes, None, data)
        for k, v in data.items():
            if isinstance(v, list) and any(isinstance(x, dict) and _has_tables(x) for x in v):
                for item in v:
                    if isinstance(item, dict):
                        _widen_scope(by_key, shapes, k, item)
    return shapes


def _has_tables(obj: dict[str, Any]) -> bool:
    return any(isinstance(v, list) for v in obj.values())


def _widen_scope(by_key: dict[str | None, ScopeShape], shapes: list[ScopeShape], key: str | None,
                 obj: dict[str, Any]) -> None:
    repeated = {s.key for s in shapes if s.key is not None}
    for k, v in obj.items():
        if key is None and k in repeated:
            continue
        if isinstance(v, list):
            if key is None and any(isinstance(x, dict) and _has_tables(x) for x in v):
                continue  # a repeated scope of its own, widened by the caller
            scope = _scope(by_key, shapes, key)
            table = next((t for t in scope.tables if t.name == k), None)
            if table is None:
                table = TableShape(k, [])
                scope.tables.append(table)
            for row in v:
                if isinstance(row, dict):
                    table.columns.extend(c for c in row if c not in table.columns)
        else:
            scope = _scope(by_key, shapes, key)
            if k not in scope.fields:
                scope.fields.append(k)


def _scope(by_key: dict[str | None, ScopeShape], shapes: list[ScopeShape], key: str | None) -> ScopeShape:
    if key not in by_key:
        by_key[key] = ScopeShape(key)
        shapes.append(by_key[key])
    return by_key[key]
