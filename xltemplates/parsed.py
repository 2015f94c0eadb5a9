"""The parsed side of indicator values, beside the data in `check --json` and in exports.

The data keeps what the form holds (so a round trip is an equality); this gives, per table row, the
operator, number, unit, kind and deadline the value grammar reads from it.
"""

from __future__ import annotations

from typing import Any

from .form.model import TableBlock, Template
from .grammar.values import QUALITATIVE, ParsedValue, normalise_operator, parse_split, parse_value
from .shape import scopes


def parsed_json(p: ParsedValue) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "op": p.op,
        "number": None if p.number is None else format(p.number, "f"),
        "unit": p.unit,
        "date": None if p.date is None else p.date.isoformat(),
        "problem": p.problem,
    }


def meaning(t: Template, table: TableBlock, key: str | None, row: dict[str, Any]) -> str | None:
    """What the row's cell in column `key` means to the value grammar: its list's meaning for it (">=" -> "≥",
    定性指标 -> 定性), else the operator it spells; None when blank or meaningless."""
    value = row.get(key) if key else None
    if not isinstance(value, str) or key is None:
        return None
    lst = table.column(key).list
    return (t.lists[lst].meanings.get(value) if lst else None) or normalise_operator(value)


def row_operator(t: Template, table: TableBlock, row: dict[str, Any]) -> str | None:
    """The row's operator as the grammar spells it (≥, 定性 …): 定性 when its switch column says so, else what its
    operator cell means; None when neither says."""
    vc = table.values
    if meaning(t, table, vc.switch, row) == QUALITATIVE:
        return QUALITATIVE
    return meaning(t, table, vc.operator, row)


def parse_row(t: Template, table: TableBlock, row: dict[str, Any]) -> ParsedValue | None:
    """The indicator value of one row, from a combined column or from split op/number/unit columns."""
    vc = table.values
    if vc.indicator is not None:
        v = row.get(vc.indicator)
        return None if v is None else parse_value(str(v))
    if vc.number is not None:
        value = row.get(vc.number)
        op = row_operator(t, table, row)
        unit = row.get(vc.unit) if vc.unit else None
        if value is None and op is None:
            return None
        return parse_split(op, value, unit)
    return None


def _tables(t: Template, tables: list[TableBlock], obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tb in tables:
        if not tb.values:
            continue
        rows = []
        for row in obj.get(tb.name) or []:
            p = parse_row(t, tb, row)
            rows.append(None if p is None else parsed_json(p))
        out[tb.name] = rows
    return out


def parsed_values(t: Template, data: dict[str, Any]) -> dict[str, Any]:
    """Mirror of the data's shape holding, for each indicator table, one parsed value per row."""
    out: dict[str, Any] = {}
    for sc in scopes(t):
        if sc.key is None:
            out.update(_tables(t, sc.tables, data))
        else:
            out[sc.key] = [_tables(t, sc.tables, item) for item in data.get(sc.key) or [] if isinstance(item, dict)]
    return out
