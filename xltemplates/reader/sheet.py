"""Reading one returned sheet against its expected layout: compare what is locked, extract what was typed.

Findings are collected, never raised: one pass reports every problem on the sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..a1 import a1, parse_a1
from ..cellmap import CellMap, DataPath
from ..findings.report import Finding, make_finding
from ..form import typed
from ..form.choices import match_in
from ..form.model import LABEL_ROLES, ColumnSpec, Template, ValueKind, ValueType
from ..grammar.placeholders import is_placeholder
from ..grammar.text import squash
from ..grammar.values import normalise_text, parse_number
from ..layout import UNKNOWN, LCell, LSheet, LTable
from ..layout.model import Follows, present
from .cells import as_number, as_text, as_typed, is_blank, number_text
from .grid import SheetGrid
from .locate import Placed, locate

#: Types read by cells.as_typed (number and money: as_number, as before).
_TYPED_READS = frozenset({ValueType.INTEGER, ValueType.PERCENT, ValueType.DATE})
#: Value kinds whose text is normalised on reading (full-width, spaces); a combined value stays verbatim.
_SPLIT_KINDS = frozenset({ValueKind.OPERATOR, ValueKind.NUMBER, ValueKind.UNIT})


@dataclass
class SheetResult:
    data: dict[str, Any] = field(default_factory=dict)
    cells: CellMap = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


class SheetReader:
    def __init__(self, t: Template, expected: LSheet, grid: SheetGrid, bound: int, date1904: bool = False,
                 prefix: DataPath = (), max_cols: int = 64) -> None:
        self.t, self.exp, self.grid, self.bound, self.date1904 = t, expected, grid, bound, date1904
        self.max_cols = max_cols
        self.prefix = prefix
        self.out = SheetResult()
        self._following: list[tuple[LCell, int, int, str | None]] = []  # titles that follow a field read later

    # -- helpers ---------------------------------------------------------------------------
    def flag(self, code: str, row: int, col: int, expected: object = None, found: object = None, **kw: object) -> None:
        """Record a finding (registry code, Chinese message) at the cell (row, col) of this sheet."""
        self.out.findings.append(make_finding(code, self.grid.name, a1(row, col), expected, found, **kw))

    def _text(self, row: int, col: int) -> tuple[str | None, str | None]:
        return as_text(self.grid, row, col, self.grid.get(row, col), self.date1904)

    def _formula(self, row: int, col: int, label: str) -> None:
        f = self.grid.formulas.get((row, col))
        if f is not None:
            self.flag("E-FORMULA", row, col, found="=" + f, label=label)

    # -- the whole sheet -------------------------------------------------------------------
    def read(self) -> SheetResult:
        for p in locate(self.exp, self.grid, self.bound):
            if p.block.table is None:
                self._grid_block(p)
            else:
                self._table(p, p.block.table)
        for cell, row, col, found in self._following:
            self._followed(cell, row, col, found)
        self._outside()
        return self.out

    def _outside(self, limit: int = 20) -> None:
        """Content right of the form is not data: say so (never lose it silently)."""
        ncols = self.exp.spec.ncols
        outside = sorted((r, c) for (r, c), v in self.grid.values.items() if c >= ncols and not is_blank(v))
        for r, c in outside[:limit]:
            self.flag("W-OUTSIDE-FORM", r, c, found=str(self.grid.values[(r, c)])[:60])
        if self.grid.truncated:
            self.out.findings.append(make_finding("W-TRUNCATED", self.grid.name, None, expected=self.bound,
                                                  limit=self.max_cols))

    # -- fixed rows ------------------------------------------------------------------------
    def _grid_block(self, p: Placed) -> None:
        for r in range(p.block.first_row, p.block.end_row):
            rr = p.rows[r]
            for c in range(self.exp.spec.ncols):
                cell = self.exp.cells.get((r, c))
                if cell is None:
                    continue
                if cell.role in LABEL_ROLES:
                    if cell.value is not None:
                        self._label(cell, rr, c)
                elif cell.field is not None:
                    self._field(cell, rr, c)

    def _label(self, cell: LCell, row: int, col: int) -> None:
        found, _ = self._text(row, col)
        if found is None and (row, col) in self.grid.formulas:
            found = self._title_formula(self.grid.formulas[(row, col)])
        want = str(cell.value)
        if UNKNOWN in want:  # built from a unit we do not know: any text in its place will do
            pattern = ".*".join(re.escape(part) for part in squash(want).split(squash(UNKNOWN)))
            if re.fullmatch(pattern, squash(found or ""), re.DOTALL):
                return
            want = want.replace(UNKNOWN, "…")
        elif squash(found or "") == squash(want):
            return
        elif cell.follows is not None:  # judged once the field it follows is read
            self._following.append((cell, row, col, found))
            return
        self.flag("E-LOCKED-CHANGED", row, col, expected=want, found=found)

    def _followed(self, cell: LCell, row: int, col: int, found: str | None) -> None:
        """A spare sheet's title that follows its 项目名称 (see layout.Follows): the issued text was not there,
        so it must hold the text recomputed from the name as read (Excel, WPS and LibreOffice store it on
        saving; a formula with no stored value is computed by _title_formula)."""
        assert cell.follows is not None
        want = cell.follows.text(self.out.data.get(cell.follows.field))
        if squash(found or "") != squash(want):
            self.flag("E-LOCKED-CHANGED", row, col, expected=want, found=found)

    def _title_formula(self, formula: str) -> str | None:
        """What a spare sheet's title formula (layout.Follows) shows, computed from the cell it reads: for a file
        saved with the formula and no stored value (by a program that does not compute, such as openpyxl)."""
        parsed = Follows.parse(formula)
        if parsed is None:
            return None
        follows, ref = parsed
        r, c = parse_a1(ref)
        text, _ = self._text(r, c)
        return follows.text(None if text is None or text.strip() == "" else text)

    def _field(self, cell: LCell, row: int, col: int) -> None:
        label = cell.label or ""
        self._formula(row, col, label)
        value = self._value(row, col, cell.vtype, cell.list, label, cell.max_length)
        if cell.locked and not typed.same(value, cell.value, cell.vtype):
            self.flag("E-PREFILLED-CHANGED", row, col, expected=typed.show(cell.value, cell.vtype),
                      found=typed.show(value, cell.vtype))
        elif cell.required:
            self._required(row, col, label, value, cell.list)
        key = cell.field or ""
        self.out.data[key] = value
        self.out.cells[(*self.prefix, key)] = (self.grid.name, a1(row, col))

    def _required(self, row: int, col: int, label: str, value: Any, list_name: str | None) -> None:
        """A required cell is filled (a formula counts: E-FORMULA says what is wrong with it) with content,
        not with a placeholder such as XX or 详见附件 (a dropdown's values are never placeholders)."""
        if (row, col) in self.grid.formulas:
            return
        if value is None:
            self.flag("E-REQUIRED-EMPTY", row, col, label=label)
        elif list_name is None and isinstance(value, str) and is_placeholder(value):
            self.flag("E-PLACEHOLDER", row, col, found=value, label=label)

    def _value(self, row: int, col: int, vtype: ValueType, list_name: str | None, label: str,
               max_length: int | None, parent: str | None = None, cascade: bool = False,
               kind: ValueKind | None = None) -> Any:
        """One cell's value for the data, with normalisation warnings and type/list errors."""
        raw = self.grid.get(row, col)
        if vtype in _TYPED_READS:
            if is_blank(raw):
                return None
            got = as_typed(self.grid, row, col, vtype, self.date1904)
            if got.problem is not None:
                self.flag(got.problem, row, col, found=_show(raw), label=label)
            elif got.shown is not None:
                self.flag("W-NORMALISED", row, col, expected=got.shown, found=_show(raw), label=label)
            return got.value
        if vtype.numeric:
            if is_blank(raw):
                return None
            num, was_text = as_number(raw)
            if num is None:
                self.flag("E-NOT-NUMBER", row, col, found=raw, label=label)
                return raw
            shown, note = (None, None) if was_text else as_text(self.grid, row, col, raw, self.date1904)
            if note in ("date", "percent"):  # 45747 shown as 2025-03-31, 0.25 shown as 25%: not what was meant
                self.flag("E-NUMBER-FORMAT", row, col, expected=number_text(num), found=shown, label=label,
                          fmt="日期" if note == "date" else "百分比")
            if was_text:
                self.flag("W-NORMALISED", row, col, expected=f"数字 {number_text(num)}", found=f"{raw}（文本格式）", label=label)
            return num
        text, note = self._text(row, col)
        if text is None or text.strip() == "":
            return None  # only spaces: blank (a required cell is reported as empty)
        if note == "percent":
            self.flag("W-NORMALISED", row, col, expected=text, found=raw, label=label)
        if list_name is not None:
            return self._listed(row, col, text, list_name, label, parent, cascade)
        if kind in _SPLIT_KINDS:  # combined "indicator" text stays verbatim (see rules)
            clean = normalise_text(text)
            if kind == ValueKind.NUMBER and parse_number(clean) is not None:
                clean = clean.replace(",", "").replace(" ", "")
            if clean != text:
                self.flag("W-NORMALISED", row, col, expected=clean, found=text, label=label)
                text = clean
        if max_length is not None and len(text) > max_length:
            self.flag("E-TOO-LONG", row, col, found=len(text), label=label, limit=max_length)
        return text

    def _listed(self, row: int, col: int, text: str, list_name: str, label: str, parent: str | None,
                cascade: bool) -> str:
        t = self.t
        allowed = t.lists[list_name].values
        if cascade and parent is not None and list_name in t.cascades and parent in t.cascades[list_name]:
            narrow = t.cascades[list_name][parent]
            m = match_in(t, list_name, text, parent)
            if m is None:
                wide = match_in(t, list_name, text)
                if wide is not None:
                    self.flag("E-HIERARCHY", row, col, found=text, parent=parent, allowed="、".join(narrow))
                    return text
                self.flag("E-LIST-VALUE", row, col, found=text, label=label, allowed="、".join(narrow))
                return text
        else:
            m = match_in(t, list_name, text)
            if m is None:
                self.flag("E-LIST-VALUE", row, col, found=text, label=label, allowed="、".join(allowed))
                return text
        if m.how == "normalised":
            self.flag("W-NORMALISED", row, col, expected=m.value, found=text, label=label)
        elif m.how == "forgiven":
            self.flag("W-NAME-FORGIVEN", row, col, expected=m.value, found=text, label=label)
        return m.value

    # -- tables ----------------------------------------------------------------------------
    def _table(self, p: Placed, table: LTable) -> None:
        spec = table.spec
        header = table.header_row + p.shift
        first = table.first_row + p.shift
        if p.found:  # every header text: group headers, column labels, the side label
            for r in range(table.header_row, table.first_row):
                for c in range(self.exp.spec.ncols):
                    cell = self.exp.cells.get((r, c))
                    if cell is not None and cell.role in LABEL_ROLES and cell.value is not None:
                        self._label(cell, r + p.shift, c)
        else:  # not one header text is left: say so once (rows are still read from where it should be)
            labels = "、".join(col.label for col in spec.columns)
            self.flag("E-TABLE-NOT-FOUND", header, 0, expected=labels, label=spec.name)
        rows: list[dict[str, Any]] = []
        positions: list[int] = []
        prev: dict[str, Any] | None = None
        stop = min(p.data_end, self.bound)
        cols = set(table.cols.values())
        # only rows holding a value in one of the table's columns: blank rows (pre-allocated, or inside a
        # merged group) carry nothing, and the table may run to the read bound
        filled = sorted({r for (r, c), v in self.grid.values.items() if first <= r < stop and c in cols and not is_blank(v)}
                        | {r for (r, c) in self.grid.formulas if first <= r < stop and c in cols})
        for r in filled:
            row = self._row(spec.columns, table, r, prev)
            rows.append(row)
            positions.append(r)
            prev = row
        self._match_issued(table, rows, positions, first)
        if len(rows) < spec.min_rows:
            self.flag("E-TOO-FEW-ROWS", header, 0, expected=spec.min_rows, found=len(rows), label=spec.name)
        for i, (row, r) in enumerate(zip(rows, positions, strict=True)):
            for col in spec.columns:
                c = table.cols[col.key]
                self.out.cells[(*self.prefix, spec.name, i, col.key)] = (self.grid.name, a1(r, c))
                if col.required:
                    self._required(r, c, col.label, row[col.key], col.list)
        self.out.cells[(*self.prefix, spec.name)] = (self.grid.name, a1(header, 0))
        self.out.data[spec.name] = rows

    def _row(self, columns: tuple[ColumnSpec, ...], table: LTable, r: int,
             prev: dict[str, Any] | None) -> dict[str, Any]:
        row: dict[str, Any] = {}
        inherit = prev is not None
        for col in columns:
            c = table.cols[col.key]
            blank = is_blank(self.grid.get(r, c))
            if col.fill_down and blank and inherit and prev is not None:
                row[col.key] = prev[col.key]
                continue
            self._formula(r, c, col.label)
            parent = row.get(col.cascade) if col.cascade else None
            row[col.key] = self._value(r, c, col.type, col.list, col.label, col.max_length,
                                       parent=parent if isinstance(parent, str) else None,
                                       cascade=col.cascade is not None, kind=col.value_kind)
            if col.fill_down and prev is not None and row[col.key] != prev.get(col.key):
                inherit = False  # a new 一级 starts a new group: its 二级 is not inherited
        self._unit_in_value(table, r, row)
        return row

    def _unit_in_value(self, table: LTable, r: int, row: dict[str, Any]) -> None:
        """Split columns: "95%" in 指标值 while 计量单位 already says % is unambiguous: the number is 95."""
        vc = table.spec.values
        if vc.number is None or vc.unit is None:
            return
        number, unit = table.spec.column(vc.number), table.spec.column(vc.unit)
        value, u = row.get(number.key), row.get(unit.key)
        if isinstance(value, str) and isinstance(u, str) and u.strip() and value.endswith(u.strip()):
            bare = value[: -len(u.strip())].strip()
            if parse_number(bare) is not None:
                self.flag("W-NORMALISED", r, table.cols[number.key], expected=bare, found=value, label=number.label)
                row[number.key] = bare

    def _match_issued(self, table: LTable, rows: list[dict[str, Any]], positions: list[int], first: int) -> None:
        """Bureau-issued (grey) rows must still be there, unchanged, wherever they moved."""
        issued = [r for r in table.rows if r.locked]
        if not issued:
            return
        free = set(range(len(rows)))

        types = {c.key: c.type for c in table.spec.columns}

        def same(row: dict[str, Any], want: dict[str, Any], keys: frozenset[str]) -> int:
            return sum(1 for k in keys if typed.same(row.get(k), want[k], types[k]))

        unmatched = []
        for n, lrow in enumerate(issued):
            hit = next((i for i in sorted(free) if same(rows[i], lrow.values, lrow.locked) == len(lrow.locked)), None)
            if hit is None:
                unmatched.append((n, lrow))
            else:
                free.discard(hit)
        for n, lrow in unmatched:
            best = max(sorted(free), key=lambda i: (same(rows[i], lrow.values, lrow.locked), -abs(i - n)), default=None)
            if best is not None and same(rows[best], lrow.values, lrow.locked) * 2 >= len(lrow.locked):
                free.discard(best)
                for k in sorted(lrow.locked, key=lambda k: table.cols[k]):
                    if not typed.same(rows[best].get(k), lrow.values[k], types[k]):
                        self.flag("E-PREFILLED-CHANGED", positions[best], table.cols[k],
                                  expected=typed.show(lrow.values[k], types[k]),
                                  found=typed.show(rows[best].get(k), types[k]))
            else:
                keys = sorted(lrow.locked, key=lambda k: table.cols[k])[:3]  # enough to recognise the row
                name = " / ".join(str(typed.show(lrow.values[k], types[k])).strip()[:40] for k in keys if present(lrow.values[k]))
                self.flag("E-PRESET-MISSING", first + n, table.spec.first_col, expected=name)


def _show(v: object) -> str | None:
    if isinstance(v, float):
        return number_text(v)
    return None if v is None else str(v)
