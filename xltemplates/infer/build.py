"""An official form's sheet -> the template file's mapping: grid rows above and below, the indicator table between.

The table is the first row of three or more coloured headers with at least two rows of data cells under it (grey
issued rows become presets, white bordered rows blank rows). Every other row is a grid row, cell by cell, left to
right, with the spans and row spans of its merges, as the template's grid places them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..form.frameworks import framework_ids, load_framework
from ..form.model import Role, ValueType
from ..form.styles import DEFAULT_STYLES
from .roles import LABEL_FILLS, fill_role, label_role, text_role, value_type
from .source import SCell, SSheet

_YEAR = re.compile(r"(20\d\d)(?=\s*年)")
_OPERATOR_HEADS = ("指标值类型", "计算符号", "指标性质", "符号", "比较")
_SWITCH_HEADS = ("指标属性", "定量/定性", "指标类型")


@dataclass(slots=True)
class Notes:
    """What infer guessed, and what it could not, for the comments of the template it writes."""

    guessed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    fills: dict[Role, Counter[str]] = field(default_factory=dict)
    year: int | None = None
    framework: str | None = None
    lists: dict[tuple[str, ...], str] = field(default_factory=dict)  # values -> list name

    def fill(self, role: Role, colour: str | None) -> None:
        if colour is not None:
            self.fills.setdefault(role, Counter())[colour] += 1

    def list_name(self, values: tuple[str, ...], hint: str = "list") -> str:
        if values not in self.lists:
            taken = set(self.lists.values())
            name, n = hint, 2
            while name in taken:
                name, n = f"{hint}{n}", n + 1
            self.lists[values] = name
        return self.lists[values]


def _clean_key(text: str) -> str:
    key = re.sub(r"\s+", "", text).lstrip("*＊").rstrip("：:")
    return key or "字段"


def _with_year(text: str, notes: Notes) -> str:
    m = _YEAR.search(text)
    if m is None or ("{" in text):
        return text
    if notes.year is None:
        notes.year = int(m[1])
        notes.guessed.append(f"{m[1]} in the title texts is the round's year: written as {{{{ year }}}}")
    if int(m[1]) != notes.year:
        return text
    return text.replace(m[1], "{{ year }}", 1)


class SheetInference:
    def __init__(self, sheet: SSheet, notes: Notes) -> None:
        self.s, self.notes = sheet, notes
        self.merge_at = {(r1, c1): (r1, c1, r2, c2) for r1, c1, r2, c2 in sheet.merges}
        self.covered = {(r, c) for r1, c1, r2, c2 in sheet.merges for r in range(r1, r2 + 1)
                        for c in range(c1, c2 + 1) if (r, c) != (r1, c1)}
        self.head_of = {(r, c): (r1, c1) for r1, c1, r2, c2 in sheet.merges for r in range(r1, r2 + 1)
                        for c in range(c1, c2 + 1)}
        self.ncols = self._ncols()
        self.fields: set[str] = set()
        self.columns: list[tuple[int, int, str | None]] = []  # the table's (column, label row, group)

    def _ncols(self) -> int:
        used = [c for (_, c) in self.s.cells] + [c2 for _, _, _, c2 in self.s.merges]
        return max(used) + 1 if used else 1

    # -- the indicator table -----------------------------------------------------------------------
    def _heads(self, r: int) -> list[int]:
        """Columns holding a coloured header cell on row r (top-left cells of merges and plain cells)."""
        return [c for c in range(self.ncols) if (r, c) not in self.covered and label_role(self.s.cells.get((r, c)))]

    def _is_data_row(self, r: int, cols: list[int]) -> bool:
        cells = [self.s.cells.get((r, c)) for c in cols]
        if any(label_role(x) for x in cells):
            return False
        return any(x is not None and (x.border or x.text or fill_role(x.fill) is Role.PREFILLED) for x in cells)

    def find_table(self) -> tuple[int, int, int] | None:
        """(header row, first data row, end row exclusive) of the indicator table, or None."""
        last = max((r for r, _ in self.s.cells), default=-1)
        for r in range(last + 1):
            heads = self._heads(r)
            if len(heads) < 3:
                continue
            end = r + 1
            while end <= last and self._is_data_row(end, heads):
                end += 1
            if end - (r + 1) >= 2:
                two = self._two_row(r)
                self.columns = two or [(c, r, None) for c in heads]
                return (r - 1 if two else r), r + 1, end
        return None

    def _two_row(self, r: int) -> list[tuple[int, int, str | None]] | None:
        """A two-row header: row r holds a group's own labels, the row above the group's text over them and the
        other columns' labels merged down over both rows (年度指标值 over 指标性质 | 指标值 | 计量单位). The columns as
        (column, row of its label, group text or None), or None when the row above is not such a row."""
        if r == 0:
            return None
        cols: list[tuple[int, int, str | None]] = []
        grouped = False
        for c in range(self.ncols):
            if (r - 1, c) in self.covered:
                continue
            cell = self.s.cells.get((r - 1, c))
            if cell is None or (not label_role(cell) and not cell.text and not cell.border):
                if (r, c) not in self.covered and label_role(self.s.cells.get((r, c))):
                    return None  # a label on row r with nothing over it: not a group header
                continue
            if not label_role(cell):
                return None
            m = self.merge_at.get((r - 1, c))
            if m is not None and m[2] == r:
                cols.append((c, r - 1, None))
            else:
                last = m[3] if m is not None else c
                subs = [cc for cc in range(c, last + 1) if (r, cc) not in self.covered and label_role(self.s.cells.get((r, cc)))]
                if not subs:
                    return None
                cols += [(cc, r, cell.text or "") for cc in subs]
                grouped = True
        return sorted(cols) if grouped and len(cols) >= 3 else None

    # -- grid rows -------------------------------------------------------------------------------------
    def _label_above(self, r: int, c: int) -> SCell | None:
        """The label right above when the row above is a row of labels only (3月底 | 6月底 over their amounts)."""
        if r == 0:
            return None
        above = [self.s.cells.get((r - 1, cc)) for cc in range(self.ncols) if (r - 1, cc) not in self.covered]
        if any(x is not None and fill_role(x.fill) is Role.PREFILLED for x in above) or not any(
                label_role(x) for x in above):
            return None
        if any(x is not None and not label_role(x) and (x.text or x.border) for x in above):
            return None
        head = self.s.cells.get(self.head_of.get((r - 1, c), (r - 1, c)))
        return head if head is not None and head.text and label_role(head) else None

    def _label_left(self, r: int, c: int) -> SCell | None:
        above = self._label_above(r, c)
        if above is not None:
            return above
        for cc in range(c - 1, -1, -1):
            at = self.head_of.get((r, cc), (r, cc))  # a label merged down beside this row
            cell = self.s.cells.get(at)
            if at != (r, cc) and cell is not None and cell.text and label_role(cell):
                return cell
            if cell is not None and cell.text and fill_role(cell.fill) is not Role.PREFILLED and (r, cc) not in self.covered:
                return cell
        for rr in range(r - 1, -1, -1):
            cell = self.s.cells.get((rr, c))
            if cell is not None and cell.text and label_role(cell):
                return cell
        return None

    def _field(self, r: int, c: int) -> str:
        label = self._label_left(r, c)
        base = _clean_key((label.text if label is not None else None) or f"字段{len(self.fields) + 1}")
        name, n = base, 2
        while name in self.fields:
            name, n = f"{base}{n}", n + 1
        self.fields.add(name)
        return name

    def _row_end(self, r: int) -> int:
        """The column after the last cell of row r that holds anything (text, fill, border, a merge)."""
        end = 0
        for c in range(self.ncols):
            if (r, c) in self.s.cells or (r, c) in self.merge_at:
                m = self.merge_at.get((r, c))
                end = (m[3] if m else c) + 1
        return end

    def grid_rows(self, first: int, end: int) -> list[dict[str, Any]]:
        rows = []
        for r in range(first, end):
            cells: list[dict[str, Any]] = []
            stop = self._row_end(r)
            c = 0
            while c < stop:
                if (r, c) in self.covered:
                    c += 1
                    continue
                m = self.merge_at.get((r, c))
                span = m[3] - c + 1 if m else 1
                rowspan = m[2] - r + 1 if m else 1
                cell = self._grid_cell(r, c, span, rowspan)
                cells.append(cell)
                c += span
            row: dict[str, Any] = {"cells": cells}
            if r in self.s.heights:
                row = {"height": self.s.heights[r], **row}
            rows.append(row)
        return rows

    def _grid_cell(self, r: int, c: int, span: int, rowspan: int) -> dict[str, Any]:
        cell = self.s.cells.get((r, c))
        out: dict[str, Any] = {}
        role = label_role(cell)
        if cell is not None and role in LABEL_FILLS and role is not None:
            self.notes.fill(role, cell.fill)
            out = {"role": role.value, "text": _with_year(cell.text or "", self.notes)}
        elif cell is not None and fill_role(cell.fill) is Role.PREFILLED:
            self.notes.fill(Role.PREFILLED, cell.fill)
            out = {"role": "prefilled", "field": self._field(r, c)}
            if cell.text:
                if "单位" in out["field"] and "名称" in out["field"]:
                    out["default"] = "{{ unit_name }}"
                    self.notes.guessed.append(f"{_a1(r, c)} 「{cell.text}」 is the unit's name: default {{{{ unit_name }}}}")
                else:
                    self.notes.guessed.append(f"{_a1(r, c)} 「{cell.text[:20]}」 is one unit's issued value (prefill data),"
                                              " not a default")
            self._typed(out, cell, r, c)
        elif cell is not None and cell.text:
            wide = span * 2 >= self.ncols
            role = text_role(cell, wide)
            out = {"role": role.value, "text": _with_year(cell.text, self.notes)}
            if role is Role.HEADER:  # a caption without a colour: its own look, not the blue header's
                out["style"] = {"fill": None, "bold": cell.bold, "border": cell.border,
                                "align": "left" if span > 1 else "center"}
        else:
            out = {"role": "entry", "field": self._field(r, c)}
            label = self._label_left(r, c)
            if label is not None and (label_role(label) is Role.REQUIRED or (label.text or "").startswith(("*", "＊"))):
                out["required"] = True  # 黄色表头下为必填
            self._typed(out, cell, r, c)
            if cell is not None and cell.value is not None and str(cell.value).startswith("="):
                self.notes.missing.append(f"{_a1(r, c)} holds a formula ({cell.value}): written as a cell to fill in")
        if span > 1:
            out["span"] = 0 if c + span >= self.ncols else span
        if rowspan > 1:
            out["rowspan"] = rowspan
        return out

    def _typed(self, out: dict[str, Any], cell: SCell | None, r: int, c: int) -> None:
        vtype, decimals = value_type(cell, self.s.checks.get((r, c)))
        if vtype is not ValueType.TEXT:
            out["type"] = vtype.value
        if decimals is not None:
            out["decimals"] = decimals
        values = self.s.lists.get((r, c))
        if values:
            out["list"] = self.notes.list_name(values)

    # -- the table ---------------------------------------------------------------------------------
    def table(self, header: int, first: int, end: int) -> dict[str, Any]:
        heads = [c for c, _, _ in self.columns]
        cols: list[dict[str, Any]] = []
        keys: list[str] = []
        for c, row, group in self.columns:
            cell = self.s.cells[(row, c)]
            role = label_role(cell)
            assert role is not None
            self.notes.fill(role, cell.fill)
            m = self.merge_at.get((row, c))
            key = _clean_key(cell.text or f"列{c + 1}")
            while key in keys:
                key += "2"
            keys.append(key)
            col: dict[str, Any] = {"key": key}
            if key != (cell.text or ""):
                col["label"] = cell.text or ""
            col["role"] = role.value
            if m and m[3] > c:
                col["span"] = m[3] - c + 1
            if group is not None:
                col["group"] = group
                self.notes.fill(Role.HEADER, self.s.cells[(header, self.head_of.get((header, c), (header, c))[1])].fill)
            cols.append(col)
        grey_rows = [r for r in range(first, end) if any(
            fill_role((self.s.cells.get((r, c)) or _BLANK).fill) is Role.PREFILLED for c in heads)]
        self._column_kinds(cols, heads, first, end, grey_rows)
        presets, locked = [], None
        for r in grey_rows:
            preset: dict[str, Any] = {}
            grey = set()
            for col, c in zip(cols, heads, strict=True):
                pc = self.s.cells.get((r, c))
                if pc is None or pc.value is None or (isinstance(pc.value, str) and not pc.value.strip()):
                    continue
                preset[col["key"]] = pc.value if isinstance(pc.value, (int, float)) else pc.text
                if fill_role(pc.fill) is Role.PREFILLED:
                    grey.add(col["key"])
                    self.notes.fill(Role.PREFILLED, pc.fill)
            presets.append(preset)
            locked = grey if locked is None else locked & grey
        out: dict[str, Any] = {"name": "绩效指标" if any("指标" in k for k in keys) else "明细"}
        if header in self.s.heights:
            out["header_height"] = self.s.heights[header]
        out["blank_rows"] = (end - first) - len(grey_rows)
        out["columns"] = cols
        if presets:
            out["preset_locked"] = [k for k in keys if locked and k in locked]
            out["presets"] = presets
        if grey_rows and grey_rows != list(range(first, first + len(grey_rows))):
            self.notes.missing.append("grey rows stand between white rows: the template issues them first, then "
                                      "the blank rows")
        return out

    def _column_kinds(self, cols: list[dict[str, Any]], heads: list[int], first: int, end: int,
                      grey_rows: list[int]) -> None:
        level1 = next((col for col in cols if "一级" in col["key"]), None)
        level2 = next((col for col in cols if "二级" in col["key"]), None)
        has_op = any(any(h in col["key"] for h in _OPERATOR_HEADS) for col in cols)
        for col, c in zip(cols, heads, strict=True):
            key = col["key"]
            values = next((self.s.lists[(r, c)] for r in range(first, end) if self.s.lists.get((r, c))), None)
            if values:
                hint = ("ops" if any(h in key for h in _OPERATOR_HEADS) else "level1" if "一级" in key
                        else "level2" if "二级" in key else "list")
                col["list"] = self.notes.list_name(values, hint)
            vtype, decimals = value_type(self.s.cells.get((first, c)), self.s.checks.get((first, c)))
            if vtype is ValueType.TEXT and any(isinstance((self.s.cells.get((r, c)) or _BLANK).value, (int, float))
                                               and not isinstance((self.s.cells.get((r, c)) or _BLANK).value, bool)
                                               for r in grey_rows) and "指标值" not in key:
                vtype = ValueType.NUMBER
            if vtype is not ValueType.TEXT:
                col["type"] = vtype.value
            if decimals is not None:
                col["decimals"] = decimals
            if any(h in key for h in _SWITCH_HEADS):
                col["value"] = "switch"
            elif any(h in key for h in _OPERATOR_HEADS):
                col["value"] = "operator"
            elif key == "计量单位":
                col["value"] = "unit"
            elif "指标值" in key and "说明" not in key and "依据" not in key:
                col["value"] = "number" if has_op else "indicator"
        if level1 is not None and level2 is not None:
            self._framework(level1, level2, cols, heads, first, end, grey_rows)

    def _framework(self, level1: dict[str, Any], level2: dict[str, Any], cols: list[dict[str, Any]],
                   heads: list[int], first: int, end: int, grey_rows: list[int]) -> None:
        listed = next((v for v, name in self.notes.lists.items() if name == level1.get("list")), None)
        c1, c2 = heads[cols.index(level1)], heads[cols.index(level2)]
        pairs = {((self.s.cells.get((r, c1)) or _BLANK).text, (self.s.cells.get((r, c2)) or _BLANK).text) for r in grey_rows}
        for fid in framework_ids():
            fw = load_framework(fid)
            fits = all(a in fw.levels and (b in fw.levels[a] or b in fw.aliases) for a, b in pairs if a and b)
            if (listed is None or set(listed) == set(fw.levels)) and fits and (listed or pairs):
                self.notes.framework = fid
                level1["list"], level2["list"], level2["cascade"] = "level1", "level2", level1["key"]
                self.notes.guessed.append(f"the 一级/二级 columns follow the framework {fid} (list level1, and level2 "
                                          f"cascading from {level1['key']})")
                return
        self.notes.missing.append("the 一级/二级 columns match no installed framework: their lists are kept as they "
                                  "are, without a cascade")


class _Blank:
    text = None
    value = None
    fill = None


_BLANK: Any = _Blank()


def _a1(r: int, c: int) -> str:
    letters = ""
    n = c + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{r + 1}"


def infer_sheet(sheet: SSheet, notes: Notes) -> dict[str, Any]:
    """The template's mapping for one visible sheet of the official form."""
    si = SheetInference(sheet, notes)
    last = max((r for r, _ in sheet.cells), default=0)
    last = max([last, *(r2 for _, _, r2, _ in sheet.merges)])
    blocks: list[dict[str, Any]] = []
    found = si.find_table()
    if found is None:
        blocks.append({"grid": si.grid_rows(0, last + 1)})
        notes.missing.append(f"sheet {sheet.name}: no indicator table found (a row of three or more coloured "
                             "headers over two or more rows of data)")
    else:
        header, first, end = found
        if header > 0:
            blocks.append({"grid": si.grid_rows(0, header)})
        blocks.append({"table": si.table(header, first, end)})
        if end <= last:
            blocks.append({"grid": si.grid_rows(end, last + 1)})
    widths = [round(w, 2) for w in (sheet.widths + [9.0] * si.ncols)[: si.ncols]]
    printing: dict[str, Any] = {"landscape": sheet.landscape}
    if sheet.paper is not None:
        printing = {"paper": sheet.paper, **printing}
    if sheet.fit_width is not None:
        printing["fit_width"] = sheet.fit_width
    return {"name": sheet.name, "widths": widths, "print": printing, "blocks": blocks}


def styles(notes: Notes) -> dict[str, Any]:
    """Role colours the source uses, where they differ from the defaults (the most common colour per role)."""
    out: dict[str, Any] = {}
    for role, counts in notes.fills.items():
        colour = counts.most_common(1)[0][0]
        if colour != DEFAULT_STYLES[role].fill:
            out[role.value] = {"fill": colour}
    return out
