"""Template files -> Template: YAML parsed once, string values rendered through Jinja2 per context.

Every problem raises TemplateError naming the file and the key path, e.g.
``templates/dept-overall.yaml: sheets[0].blocks[1].table.columns[3].list: unknown list 'ops2'``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import yaml

from ..errors import TemplateError
from .frameworks import framework_ids, load_framework
from .model import (
    LABEL_ROLES,
    VALUE_ROLES,
    Block,
    CellSpec,
    ColumnSpec,
    GridBlock,
    ListSpec,
    Role,
    RowSpec,
    RuleSpec,
    SheetSpec,
    Style,
    TableBlock,
    Template,
    ValueType,
)
from .styles import DEFAULT_STYLES

_JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)


@cache
def _compile(source: str) -> jinja2.Template:
    return _JINJA.from_string(source)


class _Ctx:
    """Walks the raw YAML, keeping the key path for messages and rendering strings with the context."""

    def __init__(self, source: str, context: Mapping[str, Any]) -> None:
        self.source, self.context = source, context

    def fail(self, path: str, problem: str) -> TemplateError:
        return TemplateError(self.source, path, problem)

    def render(self, path: str, value: object) -> str:
        text = str(value)
        if "{{" not in text and "{%" not in text:
            return text
        try:
            return _compile(text).render(self.context)
        except jinja2.TemplateError as exc:
            raise self.fail(path, f"template expression failed: {exc}") from exc

    def mapping(self, path: str, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {type(value).__name__}")
        return value

    def seq(self, path: str, value: object) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {type(value).__name__}")
        return value

    def keys(self, path: str, node: dict[str, Any], allowed: set[str], required: frozenset[str] | set[str] = frozenset()) -> None:
        for k in node:
            if k not in allowed:
                raise self.fail(f"{path}.{k}" if path else str(k), f"unknown key (allowed: {', '.join(sorted(allowed))})")
        for k in required:
            if k not in node:
                raise self.fail(path, f"missing key '{k}'")

    def text(self, path: str, value: object) -> str:
        if isinstance(value, (dict, list)) or value is None:
            raise self.fail(path, "expected text")
        return self.render(path, value)

    def integer(self, path: str, value: object, low: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(path, f"expected an integer >= {low}, got {value!r}")
        return value

    def number(self, path: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise self.fail(path, f"expected a positive number, got {value!r}")
        return float(value)

    def flag(self, path: str, value: object) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {value!r}")
        return value

    def enum(self, path: str, value: object, kind: type[Role] | type[ValueType]) -> Any:
        try:
            return kind(str(value))
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            raise self.fail(path, f"unknown value {value!r} (allowed: {allowed})") from None


_STYLE_KEYS = {"fill", "font_color", "bold", "size", "align", "valign", "wrap", "border", "font"}
_ALIGN = ("left", "center", "right", "fill", "justify", "center_across", "distributed")
_VALIGN = ("top", "vcenter", "bottom", "vjustify", "vdistributed")


def _style(c: _Ctx, path: str, raw: object, base: Style) -> Style:
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


_CELL_KEYS = {"role", "text", "field", "default", "span", "rowspan", "type", "list", "required", "hint", "max_length", "style"}


def _default(c: _Ctx, path: str, value: object) -> str | None:
    """A default stays Jinja source: it is rendered per unit by the layout (so one Template serves a round).
    It is rendered once here, so a broken expression is reported with its key path when the template loads."""
    if value is None:
        return None
    c.text(path, value)
    return str(value)


def render_default(source: str, context: Mapping[str, Any]) -> str:
    """A cell's default for one unit (see _default)."""
    if "{{" not in source and "{%" not in source:
        return source
    return _compile(source).render(context)


def _cell(c: _Ctx, path: str, raw: object, lists: set[str]) -> CellSpec:
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
    return CellSpec(
        path=path,
        role=role,
        text=c.text(f"{path}.text", node["text"]) if "text" in node else None,
        field=c.text(f"{path}.field", node["field"]) if "field" in node else None,
        default=_default(c, f"{path}.default", node.get("default")),
        span=c.integer(f"{path}.span", node.get("span", 1)),
        rowspan=c.integer(f"{path}.rowspan", node.get("rowspan", 1), 1),
        type=c.enum(f"{path}.type", node.get("type", "text"), ValueType),
        list=lst,
        required=c.flag(f"{path}.required", node.get("required", False)),
        hint=c.text(f"{path}.hint", node["hint"]) if "hint" in node else None,
        max_length=c.integer(f"{path}.max_length", node["max_length"], 1) if "max_length" in node else None,
        style=_style(c, f"{path}.style", node["style"], Style()) if "style" in node else None,
    )


def _grid(c: _Ctx, path: str, raw: object, lists: set[str]) -> GridBlock:
    rows = []
    for i, r in enumerate(c.seq(path, raw)):
        rp = f"{path}[{i}]"
        node = c.mapping(rp, r)
        c.keys(rp, node, {"cells", "height"}, {"cells"})
        cells = tuple(_cell(c, f"{rp}.cells[{j}]", x, lists) for j, x in enumerate(c.seq(f"{rp}.cells", node["cells"])))
        height = c.number(f"{rp}.height", node["height"]) if "height" in node else None
        rows.append(RowSpec(cells, height))
    return GridBlock(path, tuple(rows))


_COL_KEYS = {"key", "label", "role", "type", "list", "cascade", "merge", "fill_down", "span", "hint", "max_length", "value",
             "previous"}
_TABLE_KEYS = {"name", "columns", "presets", "preset_locked", "blank_rows", "max_rows", "min_rows", "header_height",
               "row_height"}


def _previous(c: _Ctx, path: str, value: object, cols: list[ColumnSpec], key: str) -> str | None:
    """`previous: 指标值` marks a 上年 column; it must name another column of the table (checked at the end)."""
    if value is None:
        return None
    if not isinstance(value, str) or value == key:
        raise c.fail(f"{path}.previous", "expected the key of another column of this table")
    return value


def _table(c: _Ctx, path: str, raw: object, lists: set[str]) -> TableBlock:
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
        value = cn.get("value")
        if value not in (None, "indicator", "operator", "number", "unit"):
            raise c.fail(f"{cp}.value", "expected one of: indicator, operator, number, unit")
        merge = c.flag(f"{cp}.merge", cn.get("merge", False))
        cols.append(ColumnSpec(
            path=cp, key=key, label=c.text(f"{cp}.label", cn.get("label", key)), role=role,
            type=c.enum(f"{cp}.type", cn.get("type", "text"), ValueType), list=lst, cascade=cascade, merge=merge,
            fill_down=c.flag(f"{cp}.fill_down", cn.get("fill_down", merge)),
            span=c.integer(f"{cp}.span", cn.get("span", 1), 1),
            hint=c.text(f"{cp}.hint", cn["hint"]) if "hint" in cn else None,
            max_length=c.integer(f"{cp}.max_length", cn["max_length"], 1) if "max_length" in cn else None,
            value=value,
            previous=_previous(c, cp, cn.get("previous"), cols, key),
        ))
    keys = {k.key for k in cols}
    for col in cols:
        if col.previous is not None and col.previous not in keys:
            raise c.fail(f"{col.path}.previous", f"'{col.previous}' is not a column of this table")
    types = {k.key: k.type for k in cols}
    presets = []
    for i, p in enumerate(c.seq(f"{path}.presets", node.get("presets", []))):
        pp = f"{path}.presets[{i}]"
        pn = c.mapping(pp, p)
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
    return TableBlock(
        path=path, name=c.text(f"{path}.name", node["name"]), columns=tuple(cols), presets=tuple(presets),
        preset_locked=locked, blank_rows=c.integer(f"{path}.blank_rows", node.get("blank_rows", 20)),
        max_rows=c.integer(f"{path}.max_rows", node.get("max_rows", 500), 1),
        min_rows=c.integer(f"{path}.min_rows", node.get("min_rows", 0)),
        header_height=c.number(f"{path}.header_height", node["header_height"]) if "header_height" in node else None,
        row_height=c.number(f"{path}.row_height", node["row_height"]) if "row_height" in node else None,
    )


def _preset_value(c: _Ctx, path: str, value: object, vtype: ValueType) -> str | float | int | None:
    """Text columns take text (100 -> "100"); number and money columns keep numbers, as data would."""
    if value is None:
        return None
    if vtype == ValueType.TEXT:
        return c.text(path, value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise c.fail(path, f"expected a number in a '{vtype}' column, got {value!r}")
    return value


def _sheet(c: _Ctx, path: str, raw: object, lists: set[str]) -> SheetSpec:
    node = c.mapping(path, raw)
    c.keys(path, node, {"name", "widths", "blocks", "repeat", "landscape"}, {"name", "widths", "blocks"})
    repeat = c.text(f"{path}.repeat", node["repeat"]) if "repeat" in node else None
    name_src = str(node["name"])
    name = c.render(f"{path}.name", name_src) if repeat is None else _repeat_name(c, f"{path}.name", name_src, 1)
    if name or repeat is None:  # a repeated sheet named only from its item falls back to its index
        _check_sheet_name(c, f"{path}.name", name)
    widths = tuple(c.number(f"{path}.widths[{i}]", w) for i, w in enumerate(c.seq(f"{path}.widths", node["widths"])))
    blocks: list[Block] = []
    for i, b in enumerate(c.seq(f"{path}.blocks", node["blocks"])):
        bp = f"{path}.blocks[{i}]"
        bn = c.mapping(bp, b)
        if len(bn) != 1 or next(iter(bn)) not in ("grid", "table"):
            raise c.fail(bp, "a block is either 'grid: [rows]' or 'table: {...}'")
        kind, body = next(iter(bn.items()))
        blocks.append(_grid(c, f"{bp}.grid", body, lists) if kind == "grid" else _table(c, f"{bp}.table", body, lists))
    spec = SheetSpec(path, name, tuple(blocks), widths, repeat, name_src if repeat else None,
                     c.flag(f"{path}.landscape", node.get("landscape", True)))
    _check_widths(c, spec)
    return spec


class _AnyItem(dict[str, Any]):
    """Stands for a repeated sheet's data item while checking its name: every key reads as ''."""

    def __missing__(self, key: str) -> str:
        return ""


def _repeat_name(c: _Ctx, path: str, source: str, index: int) -> str:
    try:
        return _compile(source).render({**c.context, "index": index, "item": _AnyItem()})
    except jinja2.TemplateError as exc:
        raise c.fail(path, f"template expression failed: {exc}") from exc


def _check_sheet_name(c: _Ctx, path: str, name: str) -> None:
    if not name or len(name) > 31 or any(ch in name for ch in "[]:*?/\\") or name.startswith("_"):
        raise c.fail(path, f"invalid sheet name {name!r} (1-31 characters, none of []:*?/\\, not starting with _)")


def _check_widths(c: _Ctx, sheet: SheetSpec) -> None:
    for block in sheet.blocks:
        if isinstance(block, TableBlock):
            total = sum(col.span for col in block.columns)
            if total > sheet.ncols:
                raise c.fail(f"{block.path}.columns", f"{total} columns but the sheet declares {sheet.ncols} widths")
            continue
        for i, row in enumerate(block.rows):
            total = sum(cell.span or 1 for cell in row.cells)
            if total > sheet.ncols:
                raise c.fail(f"{block.path}[{i}]", f"row spans {total} columns but the sheet declares {sheet.ncols} widths")


_TOP_KEYS = {"id", "version", "title", "description", "framework", "lists", "styles", "sheets", "rules", "context"}


@cache
def _parse_yaml(path: str, mtime: float) -> dict[str, Any]:
    text = Path(path).read_text(encoding="utf-8")
    try:
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise TemplateError(path, "", f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise TemplateError(path, "", "the top level must be a mapping")
    return raw


def load_template(path: str | Path, context: Mapping[str, Any] | None = None) -> Template:
    """Load and validate one template file, rendering its strings with `context`.

    The validated Template is cached per file version and per value of the context variables its structure
    uses; for a round of 1,000 units that is one build, not 1,000 (defaults are rendered later, per unit).
    """
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
        raw = _parse_yaml(str(p), mtime)
    except OSError as exc:
        raise TemplateError(str(p), "", f"cannot read: {exc.strerror}") from exc
    ctx = dict(context or {})
    used = _structural_variables(str(p), mtime)
    key = (str(p), mtime, tuple(sorted((k, repr(ctx.get(k))) for k in used)))
    t = _BUILT.get(key)
    if t is None:
        t = build_template(raw, str(p), ctx)
        if len(_BUILT) > 256:
            _BUILT.clear()
        _BUILT[key] = t
    defaults = raw.get("context")
    return replace(t, context={**(defaults if isinstance(defaults, dict) else {}), **ctx})


_BUILT: dict[tuple[str, float, tuple[tuple[str, str], ...]], Template] = {}


@cache
def _structural_variables(path: str, mtime: float) -> frozenset[str]:
    """Context variables used anywhere in the file except in `default:` values (rendered per unit)."""
    names: set[str] = set()

    def walk(node: object, key: str | None) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k))
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key != "default" and ("{{" in node or "{%" in node):
            try:
                names.update(jinja2.meta.find_undeclared_variables(_JINJA.parse(node)))
            except jinja2.TemplateSyntaxError:
                names.add("\x00always-rebuild")  # build_template reports it with its key path
    walk(_parse_yaml(path, mtime), None)
    names.update({"index", "item"} & names)
    return frozenset(names)


def build_template(raw: dict[str, Any], source: str, context: Mapping[str, Any]) -> Template:
    """Validate an already-parsed template mapping (also used by tests that write a template inline)."""
    defaults = raw.get("context") or {}
    c = _Ctx(source, {**(defaults if isinstance(defaults, dict) else {}), **context})
    c.keys("", raw, _TOP_KEYS, {"id", "version", "title", "sheets"})
    lists: dict[str, ListSpec] = {}
    cascades: dict[str, dict[str, tuple[str, ...]]] = {}
    aliases: dict[str, dict[str, str]] = {}
    framework = raw.get("framework")
    if framework is not None:
        if str(framework) not in framework_ids():
            known = ", ".join(framework_ids())
            raise c.fail("framework", f"unknown framework '{framework}' (known: {known})")
        fw = load_framework(str(framework))
        lists["level1"] = ListSpec("level1", tuple(fw.levels))
        lists["level2"] = ListSpec("level2", tuple(dict.fromkeys(v for vs in fw.levels.values() for v in vs)))
        cascades["level2"] = dict(fw.levels)
        aliases["level2"] = dict(fw.aliases)
    for name, body in c.mapping("lists", raw.get("lists") or {}).items():
        lp = f"lists.{name}"
        if not str(name).isascii() or not str(name).isidentifier():
            raise c.fail(lp, "list names are ASCII identifiers (they become Excel defined names)")
        if name in lists:
            raise c.fail(lp, f"'{name}' is provided by the framework '{framework}'; name this list otherwise")
        node = c.mapping(lp, body)
        c.keys(lp, node, {"values", "aliases"}, {"values"})
        vals = tuple(c.text(f"{lp}.values[{i}]", v) for i, v in enumerate(c.seq(f"{lp}.values", node["values"])))
        if not vals:
            raise c.fail(f"{lp}.values", "a list needs at least one value")
        lists[name] = ListSpec(name, vals)
        if "aliases" in node:
            aliases[name] = {str(k): str(v) for k, v in c.mapping(f"{lp}.aliases", node["aliases"]).items()}
    styles = dict(DEFAULT_STYLES)
    for role_name, body in c.mapping("styles", raw.get("styles") or {}).items():
        role = c.enum(f"styles.{role_name}", role_name, Role)
        styles[role] = _style(c, f"styles.{role_name}", body, styles[role])
    names = set(lists)
    sheets = tuple(_sheet(c, f"sheets[{i}]", s, names) for i, s in enumerate(c.seq("sheets", raw["sheets"])))
    if not sheets:
        raise c.fail("sheets", "a template needs at least one sheet")
    seen: set[str] = set()
    for s in sheets:
        if s.name in seen:
            raise c.fail(f"{s.path}.name", f"duplicate sheet name '{s.name}'")
        seen.add(s.name)
    _check_fields(c, sheets)
    _check_lists(c, sheets, lists, cascades)
    rules = tuple(
        RuleSpec(f"rules[{i}]", str(c.mapping(f"rules[{i}]", r).get("rule", "")), dict(r))
        for i, r in enumerate(c.seq("rules", raw.get("rules") or []))
    )
    template = Template(
        id=c.text("id", raw["id"]), version=c.text("version", raw["version"]), title=c.text("title", raw["title"]),
        description=c.text("description", raw.get("description", "")), source=source,
        framework=str(framework) if framework is not None else None, lists=lists, cascades=cascades, sheets=sheets,
        styles=styles, rules=rules, aliases=aliases, context=dict(c.context),
    )
    from ..rules import validate_rules  # rules build on the model; imported late to avoid a cycle

    validate_rules(template)
    return template


def _check_fields(c: _Ctx, sheets: tuple[SheetSpec, ...]) -> None:
    """Data keys are unique within their scope (the workbook, or one repeated sheet)."""
    scopes: dict[str | None, dict[str, str]] = {}
    for s in sheets:
        scope = scopes.setdefault(s.repeat, {})
        if s.repeat is not None and s.repeat in scopes.get(None, {}):
            raise c.fail(f"{s.path}.repeat", f"'{s.repeat}' is already a field")
        for b in s.blocks:
            items = [(b.path, b.name)] if isinstance(b, TableBlock) else [
                (cell.path, cell.field) for row in b.rows for cell in row.cells if cell.role in VALUE_ROLES
            ]
            for path, key in items:
                assert key is not None
                if key in scope:
                    raise c.fail(path, f"data key '{key}' is already used at {scope[key]}")
                scope[key] = path


def _check_lists(c: _Ctx, sheets: tuple[SheetSpec, ...], lists: dict[str, ListSpec],
                 cascades: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """A cascade needs the framework's lists on both columns; preset values must be in their lists."""
    for s in sheets:
        for b in s.blocks:
            if not isinstance(b, TableBlock):
                continue
            for col in b.columns:
                if col.cascade is None:
                    continue
                if col.list not in cascades:
                    raise c.fail(f"{col.path}.cascade", "a cascade needs 'list: level2' (the framework's 二级)")
                parent_col = b.column(col.cascade)
                if parent_col.list is None or lists[parent_col.list].values != tuple(cascades[col.list]):
                    raise c.fail(f"{col.path}.cascade", f"the column '{col.cascade}' needs 'list: level1'")
            for i, preset in enumerate(b.presets):
                for col in b.columns:
                    v = preset.get(col.key)
                    if col.list is None or v is None or v == "":
                        continue
                    path = f"{b.path}.presets[{i}].{col.key}"
                    if v not in lists[col.list].values:
                        raise c.fail(path, f"{v!r} is not in the list '{col.list}'")
                    parent = preset.get(col.cascade) if col.cascade else None
                    if col.cascade and v not in cascades[col.list].get(parent or "", ()):
                        raise c.fail(path, f"{v!r} does not belong to {col.cascade} {parent!r}")
