"""Whose data a value is: the bureau's (issued grey, or given in the prefill) or the unit's (typed by the clerk).

A rule judges the unit only for what the unit wrote. ``generate`` runs the rules on the bureau's prefill, where
an empty field is one the unit fills (a partial prefill: 资金总额 issued, its split by source left to the unit),
so a rule with an empty input is not judged there. In a return, a rule broken by grey values alone (财政拨款 and
其他资金 issued 0 beside a non-zero 资金总额) is the bureau's inconsistency: W-ISSUED-INCONSISTENT tells the clerk
to contact the bureau, and nothing is counted against the unit.
"""

from __future__ import annotations

from typing import Any

from ..cellmap import DataPath
from ..form import typed
from ..form.model import Template, ValueType
from ..layout.model import present
from ..shape import scopes

MISSING = object()


def value_at(data: dict[str, Any], path: DataPath) -> Any:
    node: Any = data
    for step in path:
        if isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return None
    return node


def _field_type(t: Template, key: str) -> ValueType:
    for sc in scopes(t):
        for f in sc.fields:
            if f.field == key:
                return f.type
    return ValueType.TEXT


def issued_at(t: Template, issued: dict[str, Any], data: dict[str, Any], path: DataPath) -> Any:
    """The grey value issued at `path` (a field, or a table cell: the issued row the data row matches on its
    locked columns), else MISSING."""
    scope_data: Any = data
    scope_issued: Any = issued
    rest = list(path)
    if len(rest) >= 2 and isinstance(rest[1], int) and isinstance(rest[0], str) and len(rest) in (3, 5):
        key, n = rest[0], rest[1]  # an item of a repeated sheet: (项目, 2, ...)
        items = scope_issued.get(key) if isinstance(scope_issued, dict) else None
        if not isinstance(items, list) or not 0 <= n < len(items):
            return MISSING
        scope_issued, scope_data, rest = items[n], value_at(data, (key, n)), rest[2:]
    if not isinstance(scope_issued, dict) or not isinstance(scope_data, dict):
        return MISSING
    if len(rest) == 1:
        return scope_issued.get(rest[0], MISSING)
    if len(rest) == 3:
        name, i, col = rest
        if not (isinstance(name, str) and isinstance(i, int) and isinstance(col, str)):
            return MISSING
        rows, issued_rows = scope_data.get(name), scope_issued.get(name)
        if not isinstance(rows, list) or not isinstance(issued_rows, list) or not 0 <= i < len(rows):
            return MISSING
        table = t.table(name)
        types = {c.key: c.type for c in table.columns}
        row = rows[i]
        for want in issued_rows:
            if isinstance(want, dict) and col in want and all(
                    typed.same(row.get(k), v, types.get(k, ValueType.TEXT)) for k, v in want.items() if k != col):
                return want[col]
    return MISSING


def bureau_gave(t: Template, data: dict[str, Any], issued: dict[str, Any] | None, phase: str, path: DataPath) -> bool:
    """Whether the value at `path` is the bureau's: given (non-empty) in the prefill at generate; at check, issued
    grey and come back unchanged."""
    value = value_at(data, path)
    if phase == "generate":
        return present(value)
    if issued is None:
        return False
    want = issued_at(t, issued, data, path)
    if want is MISSING:
        return False
    if len(path) >= 3 and isinstance(path[-2], int):  # a table cell: its column's type
        try:
            vtype = t.table(str(path[-3])).column(str(path[-1])).type
        except KeyError:
            vtype = ValueType.TEXT
    else:
        vtype = _field_type(t, str(path[-1]))
    return typed.same(value, want, vtype) and present(value) == present(want)
