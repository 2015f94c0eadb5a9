"""Prefill data against a template: validation with JSON paths (generate --data), and a JSON Schema.

The JSON uses the form's own labels as keys; it is also what the reader returns for a clean workbook. A list
value spelt as `check` would accept it (an alias, an older 二级 name, ``>=`` for a list's ``≥``) is taken as the
list's value, with the warning `check` gives (:class:`ListNote`).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from .cellmap import CellMap, DataPath
from .errors import DataError
from .excel import MAX_CELL_TEXT
from .findings.report import Finding, make_finding
from .form.choices import match_in
from .form.model import CellSpec, ColumnSpec, Template, ValueType
from .grammar.dates import parse_date
from .shape import Scope, scopes

# "_x0041_x0042_": two _xHHHH_ look-alikes sharing an underscore. xlsxwriter escapes only the first, so the
# file holds a different text; refuse it rather than write something else than was given.
_LOOKALIKES = re.compile(r"_x[0-9A-Fa-f]{4}_x[0-9A-Fa-f]{4}_")


def _type_problem(vtype: ValueType, value: object, max_length: int | None) -> str | None:
    if value is None:
        return None
    if vtype == ValueType.TEXT:
        if not isinstance(value, str):
            return f"expected text, got {type(value).__name__} {value!r}"
        limit = min(max_length or MAX_CELL_TEXT, MAX_CELL_TEXT)
        if len(value) > limit:
            return f"text of {len(value)} characters exceeds the limit of {limit}"
        if (m := _LOOKALIKES.search(value)) is not None:
            return (f"the text {m.group(0)!r} looks like two chained Excel escapes; xlsxwriter cannot store it "
                    "faithfully (it would read back changed)")
        try:  # JSON may carry a lone surrogate ("\ud800"); no workbook can hold one
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            bad = f"U+{ord(value[exc.start]):04X}"
            return f"character {bad} at position {exc.start} cannot be stored in a workbook"
        return None
    if vtype is ValueType.DATE:
        if isinstance(value, bool) or not isinstance(value, (str, int)) or parse_date(value, serial=False) is None:
            return f"expected a date (\"2025-01-01\", \"20250101\" or \"2025年1月1日\"), got {value!r}"
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"expected a number, got {type(value).__name__} {value!r}"
    if value != value or value in (float("inf"), float("-inf")):
        return f"expected a finite number, got {value!r}"
    if vtype is ValueType.INTEGER and not float(value).is_integer():
        return f"expected a whole number, got {value!r}"
    return None


def _list_problem(t: Template, list_name: str | None, value: object) -> str | None:
    if list_name is None or value is None or value == "":
        return None
    allowed = t.lists[list_name].values
    if value not in allowed:
        return f"{value!r} is not in the list '{list_name}' ({', '.join(allowed)})"
    return None


def _check_fields(t: Template, fields: list[CellSpec], obj: dict[str, Any], base: str, out: list[tuple[str, str]]) -> None:
    for f in fields:
        key = f.field or ""
        if key in obj:
            problem = _type_problem(f.type, obj[key], f.max_length) or _list_problem(t, f.list, obj[key])
            if problem:
                out.append((f"{base}{key}", problem))


def _check_row(t: Template, cols: tuple[ColumnSpec, ...], row: object, path: str, out: list[tuple[str, str]]) -> None:
    if not isinstance(row, dict):
        out.append((path, f"expected an object, got {type(row).__name__}"))
        return
    known = {c.key for c in cols}
    for k in row:
        if k not in known:
            out.append((f"{path}.{k}", f"unknown key (columns: {', '.join(c.key for c in cols)})"))
    for c in cols:
        if c.key not in row:
            continue
        v = row[c.key]
        problem = _type_problem(c.type, v, c.max_length) or _list_problem(t, c.list, v)
        if problem is None and c.cascade and c.list in t.cascades and v not in (None, ""):
            parent = row.get(c.cascade)
            allowed = t.cascades[c.list or ""].get(parent) if isinstance(parent, str) else None
            if allowed is None:
                problem = f"{c.cascade} {parent!r} is needed to pick {c.key}"
            elif v not in allowed:
                problem = f"{v!r} does not belong to {c.cascade} {parent!r} (allowed: {', '.join(allowed)})"
        if problem:
            out.append((f"{path}.{c.key}", problem))


def _check_scope(t: Template, sc: Scope, obj: object, base: str, out: list[tuple[str, str]]) -> None:
    if not isinstance(obj, dict):
        out.append((base.rstrip(".") or "$", f"expected an object, got {type(obj).__name__}"))
        return
    _check_fields(t, sc.fields, obj, base, out)
    for tb in sc.tables:
        rows = obj.get(tb.name)
        if rows is None:
            continue
        if not isinstance(rows, list):
            out.append((f"{base}{tb.name}", "expected a list of rows"))
            continue
        if len(rows) > tb.max_rows:
            out.append((f"{base}{tb.name}", f"{len(rows)} rows exceed the table's max_rows of {tb.max_rows}"))
        for i, row in enumerate(rows):
            _check_row(t, tb.columns, row, f"{base}{tb.name}[{i}]", out)


@dataclass(frozen=True, slots=True)
class ListNote:
    """A list value the data spelt otherwise, taken as the list's value: the warning `check` gives for it."""

    path: DataPath
    code: str  # W-NORMALISED or W-NAME-FORGIVEN
    expected: str  # the list's value, written to the workbook
    found: str  # as the data spelt it
    label: str

    def finding(self, cells: CellMap) -> Finding:
        sheet, cell = cells.get(self.path, (None, None))
        return make_finding(self.code, sheet, cell, self.expected, self.found, label=self.label)


def _take_listed(t: Template, obj: dict[str, Any], key: str, list_name: str, parent: object, path: DataPath,
                 label: str, notes: list[ListNote]) -> None:
    value = obj.get(key)
    if not isinstance(value, str) or not value or value in t.lists[list_name].values:
        return
    m = match_in(t, list_name, value, parent if isinstance(parent, str) else None)
    if m is not None and m.how != "exact":
        obj[key] = m.value
        notes.append(ListNote(path, "W-NORMALISED" if m.how == "normalised" else "W-NAME-FORGIVEN", m.value, value,
                              label))


def _take_list_spellings(t: Template, data: dict[str, Any], notes: list[ListNote]) -> None:
    """Replace, in place, each list value spelt otherwise by the list's value (left to right: a 一级 first, so
    its 二级 is matched under it)."""
    for sc in scopes(t):
        items = data.get(sc.key) if sc.key is not None else None
        objs = [((), data)] if sc.key is None else [
            ((sc.key, i), x) for i, x in enumerate(items if isinstance(items, list) else []) if isinstance(x, dict)]
        for prefix, obj in objs:
            for f in sc.fields:
                if f.list and f.field:
                    _take_listed(t, obj, f.field, f.list, None, (*prefix, f.field), f.field, notes)
            for tb in sc.tables:
                rows = obj.get(tb.name)
                for i, row in enumerate(rows if isinstance(rows, list) else []):
                    if not isinstance(row, dict):
                        continue
                    for c in tb.columns:
                        if c.list:
                            parent = row.get(c.cascade) if c.cascade else None
                            _take_listed(t, row, c.key, c.list, parent, (*prefix, tb.name, i, c.key), c.label, notes)


def validate_data(t: Template, data: object, notes: list[ListNote] | None = None) -> dict[str, Any]:
    """Check `data` against the template; return it with empty strings as None and list values spelt otherwise
    replaced by the list's value (each noted in `notes`), or raise DataError."""
    problems: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        raise DataError([("$", f"expected a JSON object, got {type(data).__name__}")])
    data = copy.deepcopy(data)
    _take_list_spellings(t, data, notes if notes is not None else [])
    all_scopes = scopes(t)
    known: set[str] = set()
    for sc in all_scopes:
        if sc.key is None:
            known |= {f.field or "" for f in sc.fields} | {tb.name for tb in sc.tables}
        else:
            known.add(sc.key)
    for k in data:
        if k not in known:
            problems.append((k, f"unknown key (known: {', '.join(sorted(known))})"))
    for sc in all_scopes:
        if sc.key is None:
            _check_scope(t, sc, data, "", problems)
        elif sc.key in data:
            items = data[sc.key]
            if not isinstance(items, list):
                problems.append((sc.key, "expected a list"))
                continue
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    fields = {f.field for f in sc.fields} | {tb.name for tb in sc.tables}
                    known_keys = ", ".join(sorted(f for f in fields if f))
                    for k in item:
                        if k not in fields:
                            problems.append((f"{sc.key}[{i}].{k}", f"unknown key (known: {known_keys})"))
                _check_scope(t, sc, item, f"{sc.key}[{i}].", problems)
    if problems:
        raise DataError(problems)
    clean: dict[str, Any] = _blank_to_none(data)
    return clean


def _blank_to_none(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _blank_to_none(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_blank_to_none(x) for x in v]
    return None if isinstance(v, str) and v.strip() == "" else v  # only spaces is blank, as the reader reads it


def _prop(vtype: ValueType, list_values: tuple[str, ...] | None, desc: str | None) -> dict[str, Any]:
    if vtype == ValueType.TEXT:
        p: dict[str, Any] = {"type": ["string", "null"]}
        if list_values:
            p["enum"] = [*list_values, None]
    elif vtype is ValueType.DATE:
        p = {"type": ["string", "null"], "format": "date"}
    elif vtype is ValueType.INTEGER:
        p = {"type": ["integer", "null"]}
    else:
        p = {"type": ["number", "null"]}
    if desc:
        p["description"] = desc
    return p


def json_schema(t: Template) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the prefill data / reader output."""
    def scope_schema(sc: Scope) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for f in sc.fields:
            props[f.field or ""] = _prop(f.type, t.lists[f.list].values if f.list else None, f.hint)
        for tb in sc.tables:
            cols = {c.key: _prop(c.type, t.lists[c.list].values if c.list else None, c.hint) for c in tb.columns}
            props[tb.name] = {"type": "array", "maxItems": tb.max_rows, "items": {
                "type": "object", "additionalProperties": False, "properties": cols}}
        return {"type": "object", "additionalProperties": False, "properties": props}

    top: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": t.title,
                           "type": "object", "additionalProperties": False, "properties": {}}
    for sc in scopes(t):
        body = scope_schema(sc)
        if sc.key is None:
            top["properties"].update(body["properties"])
        else:
            top["properties"][sc.key] = {"type": "array", "items": body}
    return top
