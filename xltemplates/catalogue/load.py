"""Template files -> Template: YAML parsed once, string values rendered through Jinja2 per context.

Every problem raises TemplateError naming the file and the key path, e.g.
``templates/dept-overall.yaml: sheets[0].blocks[1].table.columns[3].list: unknown list 'ops2'``.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import yaml

from ..errors import TemplateError
from ..excel import MAX_SHEET_NAME, SHEET_NAME_FORBIDDEN, sheet_name_problem
from ..form.blocks import grid_block, signature_block, style, table_block
from ..form.frameworks import framework_ids, load_framework
from ..form.lists import check_meanings, parse_list
from ..form.model import (
    VALUE_ROLES,
    Block,
    ListSpec,
    Role,
    SheetSpec,
    TableBlock,
    Template,
)
from ..form.printing import print_spec
from ..form.styles import DEFAULT_STYLES
from ..form.walk import JINJA, AnyItem, Walker, compile_jinja
from ..rules import parse_rules


def _sheet(c: Walker, path: str, raw: object, lists: set[str]) -> SheetSpec:
    node = c.mapping(path, raw)
    c.keys(path, node, {"name", "widths", "blocks", "repeat", "landscape", "print"}, {"name", "widths", "blocks"})
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
        if len(bn) != 1 or next(iter(bn)) not in ("grid", "table", "signature"):
            raise c.fail(bp, "a block is either 'grid: [rows]', 'table: {...}' or 'signature: {...}'")
        kind, body = next(iter(bn.items()))
        if kind == "grid":
            blocks.append(grid_block(c, f"{bp}.grid", body, lists))
        elif kind == "table":
            blocks.append(table_block(c, f"{bp}.table", body, lists))
        else:
            blocks.append(signature_block(c, f"{bp}.signature", body, len(widths)))
    if repeat is None:
        for b in blocks:
            for cell in (x for row in getattr(b, "rows", ()) for x in row.cells if x.per_item):
                raise c.fail(f"{cell.path}.text", "`item` and `index` exist only on a sheet with `repeat:`")
    tables = [b for b in blocks if isinstance(b, TableBlock)]
    printing = print_spec(c, f"{path}.print", node.get("print"), node.get("landscape"), tables)
    spec = SheetSpec(path, name, tuple(blocks), widths, repeat, name_src if repeat else None, printing)
    _check_widths(c, spec)
    return spec


def _repeat_name(c: Walker, path: str, source: str, index: int) -> str:
    try:
        return compile_jinja(source).render({**c.context, "index": index, "item": AnyItem()})
    except jinja2.TemplateError as exc:
        raise c.fail(path, f"template expression failed: {exc}") from exc


def _check_sheet_name(c: Walker, path: str, name: str) -> None:
    if sheet_name_problem(name) is not None:
        raise c.fail(path, f"invalid sheet name {name!r} (1-{MAX_SHEET_NAME} characters, none of "
                           f"{SHEET_NAME_FORBIDDEN}, not starting with _)")


def _check_widths(c: Walker, sheet: SheetSpec) -> None:
    for block in sheet.blocks:
        if isinstance(block, TableBlock):
            total = block.first_col + sum(col.span for col in block.columns)
            if total > sheet.ncols:
                raise c.fail(f"{block.path}.columns", f"{total} columns but the sheet declares {sheet.ncols} widths")
            continue
        for i, row in enumerate(block.rows):
            total = sum(cell.span or 1 for cell in row.cells)
            if total > sheet.ncols:
                raise c.fail(f"{block.path}[{i}]", f"row spans {total} columns but the sheet declares {sheet.ncols} widths")


#: The context key that replaces a template's `framework:` for a round (`generate --framework ID`); stored with the
#: rest of the context in each workbook's identity, so `check` reads the workbook with the same framework.
FRAMEWORK_KEY = "framework"

_TOP_KEYS = {"id", "version", "title", "description", "framework", "lists", "styles", "sheets", "rules", "context"}


@cache
def _parse_yaml(path: str, mtime: float) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError(path, "", f"not UTF-8 text (byte {exc.start})") from exc
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
        st = p.stat()  # stat, not open: a FIFO or a device is refused before anything waits on it
        if not stat.S_ISREG(st.st_mode):
            raise TemplateError(str(p), "", "not a regular file (a template is a .yaml file)")
        raw = _parse_yaml(str(p), st.st_mtime)
    except OSError as exc:
        raise TemplateError(str(p), "", f"cannot read: {exc.strerror}") from exc
    mtime = st.st_mtime
    ctx = dict(context or {})
    used = _structural_variables(str(p), mtime) | {FRAMEWORK_KEY}
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
                if k != "footer":  # rendered per unit, like a cell's default (see printing.py)
                    walk(v, str(k))
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key != "default" and ("{{" in node or "{%" in node):
            try:
                names.update(jinja2.meta.find_undeclared_variables(JINJA.parse(node)))
            except jinja2.TemplateSyntaxError:
                names.add("\x00always-rebuild")  # build_template reports it with its key path
    walk(_parse_yaml(path, mtime), None)
    names.update({"index", "item"} & names)
    return frozenset(names)


def build_template(raw: dict[str, Any], source: str, context: Mapping[str, Any]) -> Template:
    """Validate an already-parsed template mapping (also used by tests that write a template inline)."""
    defaults = raw.get("context") or {}
    c = Walker(source, {**(defaults if isinstance(defaults, dict) else {}), **context})
    c.keys("", raw, _TOP_KEYS, {"id", "version", "title", "sheets"})
    lists: dict[str, ListSpec] = {}
    cascades: dict[str, dict[str, tuple[str, ...]]] = {}
    aliases: dict[str, dict[str, str]] = {}
    framework = context.get(FRAMEWORK_KEY) or raw.get("framework")
    if framework is not None:
        if str(framework) not in framework_ids():
            known = ", ".join(framework_ids())
            where = "framework" if FRAMEWORK_KEY not in context else f"(context {FRAMEWORK_KEY}, e.g. --framework)"
            raise c.fail(where, f"unknown framework '{framework}' (known: {known})")
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
        lists[name], declared = parse_list(c, lp, name, body)
        if declared is not None:
            aliases[name] = declared
    styles = dict(DEFAULT_STYLES)
    for role_name, body in c.mapping("styles", raw.get("styles") or {}).items():
        role = c.enum(f"styles.{role_name}", role_name, Role)
        styles[role] = style(c, f"styles.{role_name}", body, styles[role])
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
    template = Template(
        id=c.text("id", raw["id"]), version=c.text("version", raw["version"]), title=c.text("title", raw["title"]),
        description=c.text("description", raw.get("description", "")), source=source,
        framework=str(framework) if framework is not None else None, lists=lists, cascades=cascades, sheets=sheets,
        styles=styles, aliases=aliases, context=dict(c.context),
    )
    rules = [(f"rules[{i}]", r) for i, r in enumerate(c.seq("rules", raw.get("rules") or []))]
    return replace(template, rules=parse_rules(template, rules))


def _check_fields(c: Walker, sheets: tuple[SheetSpec, ...]) -> None:
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


def _check_lists(c: Walker, sheets: tuple[SheetSpec, ...], lists: dict[str, ListSpec],
                 cascades: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """A cascade needs the framework's lists on both columns; preset values must be in their lists; operator and
    switch columns know what their values mean."""
    for s in sheets:
        for b in s.blocks:
            if not isinstance(b, TableBlock):
                continue
            check_meanings(c, b, lists)
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
