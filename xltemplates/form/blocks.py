"""The blocks of a sheet in a template file: grid rows and cells, tables with their columns and presets."""

from __future__ import annotations

import datetime
from typing import Any

import jinja2

from . import typed
from .model import (
    LABEL_ROLES,
    CellSpec,
    ColumnSpec,
    GridBlock,
    Role,
    RowSpec,
    Style,
    TableBlock,
    ValueKind,
    ValueType,
)
from .walk import AnyItem, Walker, compile_jinja, uses_item

_STYLE_KEYS = {"fill", "font_color", "bold", "size", "align", "valign", "wrap", "border", "font"}
_ALIGN = ("left", "center", "right", "fill", "justify", "center_across", "distributed")
_VALIGN = ("top", "vcenter", "bottom", "vjustify", "vdistributed")


def style(c: Walker, path: str, raw: object, base: Style) -> Style:
    node = c.mapping(path, raw)
    c.keys(path, node, _STYLE_KEYS)
    fields: dict[str, Any] = {f: getattr(base, f) for f in _STYLE_KEYS}
    # Checked here, not by xlsxwriter: a wrong type would otherwise surface as a traceback at write time.
    for k, v in node.items():
        kp = f"{path}.{k}"
        if k in ("bold", "wrap", "border"):
            fields[k] = c.flag(kp, v)
        elif k == "size":
            fields[k] = c.number(kp, v)
        elif k in ("align", "valign"):
            allowed = _ALIGN if k == "align" else _VALIGN
            if v not in allowed:
                raise c.fail(kp, f"unknown value {v!r} (allowed: {', '.join(allowed)})")
            fields[k] = v
        elif k in ("fill", "font_color") and v is None:
            fields[k] = None
        else:  # fill, font_color ('#RRGGBB' or a colour name), font
            fields[k] = c.text(kp, v)
    return Style(**fields)


_CELL_KEYS = {"role", "text", "field", "default", "span", "rowspan", "type", "list", "required", "hint", "max_length", "style",
              "decimals"}


def _decimals(c: Walker, path: str, node: dict[str, Any], vtype: ValueType) -> int | None:
    """Decimal places shown for a number or money value: `decimals: 2` shows 16.606 as 16.61 (the value
    stays 16.606). Money shows two unless told; a number without `decimals` shows what it holds."""
    if vtype is ValueType.INTEGER:
        if node.get("decimals", 0) != 0:
            raise c.fail(f"{path}.decimals", "an 'integer' value has no decimal places")
        return 0
    if "decimals" not in node:
        return 2 if vtype is ValueType.MONEY else None
    if not vtype.numeric:
        raise c.fail(f"{path}.decimals", "only a 'number', 'money' or 'percent' value has decimal places")
    value = c.integer(f"{path}.decimals", node["decimals"])
    if value > 10:
        raise c.fail(f"{path}.decimals", f"at most 10 decimal places, got {value}")
    return value


def _default(c: Walker, path: str, value: object, vtype: ValueType) -> str | None:
    """A default stays Jinja source: it is rendered per unit by the layout (so one Template serves a round)
    and written in its field's type (`default: 100` on a number field is the number 100). It is rendered
    once here, so a broken expression, or a value not of the field's type, is reported with its key path
    when the template loads."""
    if value is None:
        return None
    rendered = c.text(path, value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        value = value.isoformat()[:10]
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        value = typed.coerce(value, ValueType.TEXT)  # 5.0 is "5", as in a preset
    if "{{" not in str(value) and "{%" not in str(value):
        try:
            typed.coerce(rendered, vtype)
        except typed.TypeProblem as exc:
            raise c.fail(path, str(exc)) from None
    return str(value)


def _item_text(c: Walker, path: str, value: object) -> str:
    """A label of a repeated sheet that reads its `item`/`index` (「1、{{ item.项目名称 }}绩效目标表」): kept as
    Jinja source for the layout to render per sheet, once rendered here so a broken one names its key path."""
    source = str(value)
    try:
        compile_jinja(source).render({**c.context, "index": 1, "item": AnyItem()})
    except jinja2.TemplateError as exc:
        raise c.fail(path, f"template expression failed: {exc}") from exc
    return source


def _cell(c: Walker, path: str, raw: object, lists: set[str]) -> CellSpec:
    node = c.mapping(path, raw)
    c.keys(path, node, _CELL_KEYS, {"role"})
    role = c.enum(f"{path}.role", node["role"], Role)
    if role in LABEL_ROLES:
        if "text" not in node or "field" in node:
            raise c.fail(path, f"a '{role}' cell needs 'text' and no 'field'")
    elif "field" not in node or "text" in node:
        raise c.fail(path, f"a '{role}' cell needs 'field' (its data key) and no 'text'")
    lst = node.get("list")
    if lst is not None and lst not in lists:
        raise c.fail(f"{path}.list", f"unknown list '{lst}' (known: {', '.join(sorted(lists))})")
    vtype = c.enum(f"{path}.type", node.get("type", "text"), ValueType)
    if "decimals" in node and role in LABEL_ROLES:
        raise c.fail(f"{path}.decimals", "only a value cell (prefilled or entry) has decimal places")
    per_item = role in LABEL_ROLES and uses_item(str(node["text"]))
    return CellSpec(
        path=path,
        role=role,
        text=(_item_text(c, f"{path}.text", node["text"]) if per_item else c.text(f"{path}.text", node["text"]))
        if "text" in node else None,
        field=c.text(f"{path}.field", node["field"]) if "field" in node else None,
        default=_default(c, f"{path}.default", node.get("default"), vtype),
        span=c.integer(f"{path}.span", node.get("span", 1)),
        rowspan=c.integer(f"{path}.rowspan", node.get("rowspan", 1), 1),
        type=vtype,
        list=lst,
        required=c.flag(f"{path}.required", node.get("required", False)),
        hint=c.text(f"{path}.hint", node["hint"]) if "hint" in node else None,
        max_length=c.integer(f"{path}.max_length", node["max_length"], 1) if "max_length" in node else None,
        style=style(c, f"{path}.style", node["style"], Style()) if "style" in node else None,
        decimals=_decimals(c, path, node, vtype),
        per_item=per_item,
    )


def grid_block(c: Walker, path: str, raw: object, lists: set[str]) -> GridBlock:
    rows = []
    for i, r in enumerate(c.seq(path, raw)):
        rp = f"{path}[{i}]"
        node = c.mapping(rp, r)
        c.keys(rp, node, {"cells", "height"}, {"cells"})
        cells = tuple(_cell(c, f"{rp}.cells[{j}]", x, lists) for j, x in enumerate(c.seq(f"{rp}.cells", node["cells"])))
        height = c.number(f"{rp}.height", node["height"]) if "height" in node else None
        rows.append(RowSpec(cells, height))
    return GridBlock(path, tuple(rows))


_SIGNATURE_KEYS = {"fields", "per_row", "height"}
_SIGNATURE_FIELD_KEYS = {"label", "field", "required", "hint", "max_length"}


def signature_block(c: Walker, path: str, raw: object, ncols: int) -> GridBlock:
    """A signature and stamp block (填报单位（盖章）, 单位负责人, 填报人, 联系电话, 填报日期): label and entry pairs,
    `per_row` pairs to a row, each pair over an equal share of the sheet's columns (the label in its first
    column, the entry over the rest). It is a grid: placed under the table it moves down with the rows a
    clerk inserts, and its entries are data fields like any other (empty allowed unless `required`)."""
    node = c.mapping(path, raw)
    c.keys(path, node, _SIGNATURE_KEYS, {"fields"})
    per_row = c.integer(f"{path}.per_row", node.get("per_row", 2), 1)
    if ncols < 2 * per_row:
        raise c.fail(f"{path}.per_row", f"{per_row} pairs to a row need {2 * per_row} columns; the sheet has {ncols}")
    height = c.number(f"{path}.height", node.get("height", 30))
    items = c.seq(f"{path}.fields", node["fields"])
    if not items:
        raise c.fail(f"{path}.fields", "a signature block needs at least one field")
    bounds = [round(i * ncols / per_row) for i in range(per_row + 1)]
    rows = []
    for start in range(0, len(items), per_row):
        cells: list[CellSpec] = []
        for j, item in enumerate(items[start: start + per_row]):
            ip = f"{path}.fields[{start + j}]"
            fn = c.mapping(ip, item) if isinstance(item, dict) else {"label": item}
            c.keys(ip, fn, _SIGNATURE_FIELD_KEYS, {"label"})
            label = c.text(f"{ip}.label", fn["label"])
            required = c.flag(f"{ip}.required", fn.get("required", False))
            cells.append(CellSpec(ip, Role.REQUIRED if required else Role.OPTIONAL, text=label))
            cells.append(CellSpec(
                ip, Role.ENTRY, field=c.text(f"{ip}.field", fn.get("field", label)), span=bounds[j + 1] - bounds[j] - 1,
                required=required, hint=c.text(f"{ip}.hint", fn["hint"]) if "hint" in fn else None,
                max_length=c.integer(f"{ip}.max_length", fn["max_length"], 1) if "max_length" in fn else None,
            ))
        rows.append(RowSpec(tuple(cells), height))
    return GridBlock(path, tuple(rows))


#: The key of a preset row that lists columns left open (white) although `preset_locked` names them.
PRESET_EDITABLE = "editable"


_COL_KEYS = {"key", "label", "role", "type", "list", "cascade", "merge", "fill_down", "span", "hint", "max_length", "value",
             "previous", "group", "decimals"}
_TABLE_KEYS = {"name", "columns", "presets", "preset_locked", "blank_rows", "fill_rows", "spare_rows", "max_rows", "min_rows",
               "header_height", "row_height", "side_label"}


def _previous(c: Walker, path: str, value: object, cols: list[ColumnSpec], key: str) -> str | None:
    """`previous: 指标值` marks a 上年 column; it must name another column of the table (checked at the end)."""
    if value is None:
        return None
    if not isinstance(value, str) or value == key:
        raise c.fail(f"{path}.previous", "expected the key of another column of this table")
    return value


def table_block(c: Walker, path: str, raw: object, lists: set[str]) -> TableBlock:
    node = c.mapping(path, raw)
    c.keys(path, node, _TABLE_KEYS, {"name", "columns"})
    cols: list[ColumnSpec] = []
    for i, x in enumerate(c.seq(f"{path}.columns", node["columns"])):
        cp = f"{path}.columns[{i}]"
        cn = c.mapping(cp, x)
        c.keys(cp, cn, _COL_KEYS, {"key"})
        role = c.enum(f"{cp}.role", cn.get("role", "optional"), Role)
        if role not in (Role.REQUIRED, Role.OPTIONAL, Role.HEADER):
            raise c.fail(f"{cp}.role", "a column header is 'required' (yellow), 'optional' (green) or 'header' (blue)")
        lst = cn.get("list")
        if lst is not None and lst not in lists:
            raise c.fail(f"{cp}.list", f"unknown list '{lst}' (known: {', '.join(sorted(lists))})")
        key = c.text(f"{cp}.key", cn["key"])
        if any(k.key == key for k in cols):
            raise c.fail(f"{cp}.key", f"duplicate column key '{key}'")
        cascade = cn.get("cascade")
        if cascade is not None and not any(k.key == cascade for k in cols):
            raise c.fail(f"{cp}.cascade", f"'{cascade}' must name a column to the left of this one")
        value_kind = c.enum(f"{cp}.value", cn["value"], ValueKind) if "value" in cn else None
        merge = c.flag(f"{cp}.merge", cn.get("merge", False))
        vtype = c.enum(f"{cp}.type", cn.get("type", "text"), ValueType)
        group = c.text(f"{cp}.group", cn["group"]) if "group" in cn else None
        if group is not None and cols and cols[-1].group != group and any(k.group == group for k in cols):
            raise c.fail(f"{cp}.group", f"the columns of group '{group}' must stand next to each other")
        cols.append(ColumnSpec(
            path=cp, key=key, label=c.text(f"{cp}.label", cn.get("label", key)), role=role,
            type=vtype, list=lst, cascade=cascade, merge=merge,
            fill_down=c.flag(f"{cp}.fill_down", cn.get("fill_down", merge)),
            span=c.integer(f"{cp}.span", cn.get("span", 1), 1),
            hint=c.text(f"{cp}.hint", cn["hint"]) if "hint" in cn else None,
            max_length=c.integer(f"{cp}.max_length", cn["max_length"], 1) if "max_length" in cn else None,
            value_kind=value_kind,
            previous=_previous(c, cp, cn.get("previous"), cols, key),
            group=group, decimals=_decimals(c, cp, cn, vtype),
        ))
    keys = {k.key for k in cols}
    for col in cols:
        if col.previous is not None and col.previous not in keys:
            raise c.fail(f"{col.path}.previous", f"'{col.previous}' is not a column of this table")
    types = {k.key: k.type for k in cols}
    presets, editable = [], []
    for i, p in enumerate(c.seq(f"{path}.presets", node.get("presets", []))):
        pp = f"{path}.presets[{i}]"
        pn = dict(c.mapping(pp, p))
        editable.append(_editable(c, f"{pp}.{PRESET_EDITABLE}", pn.pop(PRESET_EDITABLE, []), keys))
        for k in pn:
            if k not in keys:
                raise c.fail(f"{pp}.{k}", f"not a column of this table (columns: {', '.join(keys)})")
        presets.append({k: _preset_value(c, f"{pp}.{k}", v, types[k]) for k, v in pn.items()})
    locked = node.get("preset_locked")
    if locked is not None:
        for i, k in enumerate(c.seq(f"{path}.preset_locked", locked)):
            if k not in keys:
                raise c.fail(f"{path}.preset_locked[{i}]", f"not a column of this table: '{k}'")
        locked = tuple(locked)
    spare_default, spare_groups = _spare_rows(c, f"{path}.spare_rows", node.get("spare_rows", 0))
    return TableBlock(
        path=path, name=c.text(f"{path}.name", node["name"]), columns=tuple(cols), presets=tuple(presets),
        preset_locked=locked, preset_editable=tuple(editable),
        blank_rows=c.integer(f"{path}.blank_rows", node.get("blank_rows", 20)),
        fill_rows=c.integer(f"{path}.fill_rows", node["fill_rows"], 1) if "fill_rows" in node else None,
        spare_rows=spare_default, group_spare_rows=spare_groups,
        max_rows=c.integer(f"{path}.max_rows", node.get("max_rows", 500), 1),
        min_rows=c.integer(f"{path}.min_rows", node.get("min_rows", 0)),
        header_height=c.number(f"{path}.header_height", node["header_height"]) if "header_height" in node else None,
        row_height=c.number(f"{path}.row_height", node["row_height"]) if "row_height" in node else None,
        side_label=c.text(f"{path}.side_label", node["side_label"]) if "side_label" in node else None,
    )


def _spare_rows(c: Walker, path: str, raw: object) -> tuple[int, tuple[tuple[str, int], ...]]:
    """`spare_rows: 2`, or per group by its 一级 with "*" for the rest: `{投入指标: 0, 过程指标: 0, "*": 2}`
    (0 for a group only the bureau fills). Returns (the default, the per-group counts)."""
    if not isinstance(raw, dict):
        return c.integer(path, raw), ()
    node = c.mapping(path, raw)
    default = c.integer(f"{path}.*", node.get("*", 0))
    groups = tuple((c.text(f"{path}.{k}", k), c.integer(f"{path}.{k}", v)) for k, v in node.items() if k != "*")
    return default, groups


def _editable(c: Walker, path: str, raw: object, keys: set[str]) -> frozenset[str]:
    """`editable: [三级指标]` on a preset: its text is issued as a suggestion the unit may replace."""
    cols = c.seq(path, raw)
    for i, k in enumerate(cols):
        if k not in keys:
            raise c.fail(f"{path}[{i}]", f"not a column of this table: {k!r}")
    return frozenset(cols)


def _preset_value(c: Walker, path: str, value: object, vtype: ValueType) -> str | float | int | None:
    """Any scalar, in its column's type (typed.py): text columns take text (100 -> "100"), number columns
    numbers ("5" -> 5), a date column a date (20250101 -> "2025-01-01"), a percent column 95% -> 0.95."""
    if value is None:
        return None
    if vtype == ValueType.TEXT and isinstance(value, str):
        return c.text(path, value)
    if isinstance(value, (dict, list)):
        raise c.fail(path, f"expected a value for a '{vtype}' column, got {type(value).__name__}")
    try:
        return typed.coerce(value, vtype)
    except typed.TypeProblem as exc:
        raise c.fail(path, f"{exc} (a '{vtype}' column)") from None
