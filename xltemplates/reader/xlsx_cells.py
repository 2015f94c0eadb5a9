"""Cell-level SpreadsheetML for the opener (xlsx.py): streaming parser targets, value types, escapes, formats.

Split from xlsx.py only to keep both modules small; nothing else should import it. The targets receive
start/end/data callbacks from defusedxml's expat parser and never build an element tree, so a sheet's
memory is the cells kept inside the bounds, whatever the file holds beyond them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from ..a1 import parse_a1, parse_range
from ..excel import MAX_CELL_TEXT
from ..limits import MAX_MERGES, MAX_TEXT_CHARS
from .grid import Bounds, CellValue, SheetGrid
from .guards import fail

MAIN_NS = frozenset(
    {"http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main"}
)

PERCENT, DATE = 1, 2
PERCENT_IDS = frozenset({9, 10})
DATE_IDS = frozenset({*range(14, 23), 45, 46, 47})
CJK_DATE_IDS = frozenset({*range(27, 37), *range(50, 59)})
"""Built-in ids that are dates/times in Chinese and other East Asian locales (31 = yyyy"年"m"月"d"日")."""

_LITERALS = re.compile(r'"[^"]*"|\\.|_.|\*.', re.S)  # quoted text, escaped chars, padding and fill chars
_BRACKETS = re.compile(r"\[[^\]]*\]")  # colours, conditions, locales; [h] elapsed hours keep their ':mm'
_DATE_TOKEN = re.compile(r"[ymdhs]", re.I)
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_EPOCH_1900 = datetime(1899, 12, 30)
_EPOCH_1904 = datetime(1904, 1, 1)

_LOCALS: dict[str, str] = {}


def local_name(tag: str) -> str:
    """'{main-ns}row' or 'main-ns}row' -> 'row'; '' for foreign namespaces (x14, mc); bare names kept."""
    local = _LOCALS.get(tag)
    if local is None:
        ns, sep, rest = tag.rpartition("}")  # ElementTree spells '{ns}row', raw expat 'ns}row'
        local = (rest if ns.lstrip("{") in MAIN_NS else "") if sep else tag
        if len(_LOCALS) < 10_000:  # tag names come from the file: do not let it grow the cache forever
            _LOCALS[tag] = local
    return local


def unescape(text: str) -> str:
    """Undo OOXML's _xHHHH_ escapes; '_x005F_x0041_' is the escape for the literal text '_x0041_'."""
    out = _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
    if _SURROGATE.search(out):  # join escaped surrogate pairs, replace lone halves (unencodable later)
        out = out.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return out


def _text(text: str) -> str:
    return unescape(text) if "_x" in text else text


def format_flags(code: str) -> int:
    """PERCENT/DATE for a custom format code, looking only outside literals (and brackets, for dates)."""
    plain = _LITERALS.sub("", code)
    flags = PERCENT if "%" in plain else 0
    if _DATE_TOKEN.search(_BRACKETS.sub("", plain)):
        flags |= DATE
    return flags


def builtin_flags(num_fmt_id: int) -> int:
    if num_fmt_id in PERCENT_IDS:
        return PERCENT
    return DATE if num_fmt_id in DATE_IDS or num_fmt_id in CJK_DATE_IDS else 0


def classify_formats(xf_num_fmt_ids: list[int], custom: dict[int, str]) -> list[int]:
    """Flags per cellXfs index; a custom numFmt with a built-in id overrides the built-in."""
    cache: dict[int, int] = {}
    out = []
    for i in xf_num_fmt_ids:
        if i not in cache:
            code = custom.get(i)
            cache[i] = format_flags(code) if code is not None else builtin_flags(i)
        out.append(cache[i])
    return out


def iso_serial(text: str, date1904: bool) -> float | str:
    """A t="d" cell's ISO 8601 text -> the Excel serial number the grid holds; the text if unparseable."""
    try:
        if "-" not in text and ":" in text:
            t = time.fromisoformat(text.removeprefix("T"))
            return (t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6) / 86400
        dt = datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return text
    delta = dt - (_EPOCH_1904 if date1904 else _EPOCH_1900)
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
    return serial - 1 if not date1904 and serial < 61 else serial  # Excel's phantom 1900-02-29


def _number(text: str) -> CellValue:
    try:
        x = float(text)
    except ValueError:
        return _text(text)  # not a number after all: keep what the clerk sees
    return x if math.isfinite(x) else text


class TextBudget:
    """Characters of cell text one workbook may hand the checks, counted as cells are kept.

    A shared string is stored once but costs its length in every cell that uses it (each cell is
    normalised, compared and stored on its own), so a small file cannot cost gigabytes downstream.
    """

    def __init__(self, limit: int = MAX_TEXT_CHARS) -> None:
        self.left = limit
        self.limit = limit

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise fail("E-FILE-TOO-LARGE", found=f"单元格文字 {self.limit - self.left} 字", expected=f"{self.limit} 字")


def cut_cell_text(text: str) -> str:
    """At most Excel's 32,767 characters: more cannot come from Excel, and is not worth reading."""
    return text if len(text) <= MAX_CELL_TEXT else text[:MAX_CELL_TEXT]


class StringsTarget:
    """sharedStrings.xml: plain <t> and rich-text runs <r><t> concatenated; phonetic <rPh> runs ignored.

    Strings longer than a cell can hold are cut to MAX_CELL_TEXT; `lengths` keeps their true length.
    """

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.lengths: dict[int, int] = {}
        self._parts: list[str] | None = None
        self._buf: list[str] | None = None
        self._in_rph = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        local = local_name(tag)
        if local == "t":
            if not self._in_rph:
                self._buf = self._parts
        elif local == "si":
            self._parts = []
        elif local == "rPh":
            self._in_rph = True

    def end(self, tag: str) -> None:
        local = local_name(tag)
        if local == "t":
            self._buf = None
        elif local == "si" and self._parts is not None:
            text = _text("".join(self._parts))
            if len(text) > MAX_CELL_TEXT:
                self.lengths[len(self.strings)] = len(text)
            self.strings.append(cut_cell_text(text))
            self._parts = None
        elif local == "rPh":
            self._in_rph = False

    def data(self, text: str) -> None:
        if self._buf is not None:
            self._buf.append(text)


@dataclass(frozen=True, slots=True)
class Shared:
    """What every worksheet of one workbook is read with: its shared strings, styles, epoch and budget."""

    strings: StringsTarget
    xf_flags: list[int]
    date1904: bool
    budget: TextBudget


class SheetTarget:
    """One worksheet part into a SheetGrid, keeping only cells inside the bounds.

    Every kept text (a value or a formula) is charged to `budget`; a text longer than a cell can hold is
    cut to MAX_CELL_TEXT and its true length recorded in the grid's `overlong`.
    """

    class Stop(Exception):
        """Raised from a callback to end sheetData at the first row past the bounds."""

    def __init__(self, grid: SheetGrid, bounds: Bounds, shared: Shared, stop_at_bounds: bool) -> None:
        self.grid = grid
        self.values, self.formulas = grid.values, grid.formulas
        self.max_rows, self.max_cols = bounds.max_rows, bounds.max_cols
        self.strings, self.lengths = shared.strings.strings, shared.strings.lengths
        self.xf_flags, self.date1904, self.budget = shared.xf_flags, shared.date1904, shared.budget
        self.stop_at_bounds = stop_at_bounds
        self.expat: Any = None  # the pyexpat parser, for byte offsets
        self.stopped_at: int | None = None
        self.sheet_data_at: int | None = None
        self.row = self.col = -1
        self.pos: tuple[int, int] | None = None
        self.ctype: str | None = None
        self.style = 0
        self.v: list[str] | None = None
        self.f: list[str] | None = None
        self.inline: list[str] | None = None
        self.buf: list[str] | None = None
        self.in_rph = False

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        local = _LOCALS.get(tag)
        if local is None:
            local = local_name(tag)
        if local == "c":
            self.v = self.f = self.inline = None
            self.ctype = attrib.get("t")
            style = attrib.get("s")
            self.style = int(style) if style else 0
            ref = attrib.get("r")
            if ref:
                row, col = parse_a1(ref)
                self.row = row
            else:  # some writers omit r: the cell follows the previous one
                row, col = self.row, self.col + 1
            self.col = col
            self.pos = (row, col) if row < self.max_rows and col < self.max_cols else None
        elif local == "v":
            self.buf = self.v = []
        elif local == "row":
            r = attrib.get("r")
            self.row = int(r) - 1 if r else self.row + 1
            self.col = -1
            if self.row < 0:
                raise ValueError(f"row number {r!r}")
            if self.row >= self.max_rows and self.stop_at_bounds:
                self.stopped_at = self.expat.CurrentByteIndex
                raise self.Stop
        elif local == "f":
            self.buf = self.f = []
        elif local == "is":
            self.inline = []
        elif local == "t":
            if self.inline is not None and not self.in_rph:
                self.buf = self.inline
        elif local == "rPh":
            self.in_rph = True
        elif local == "mergeCell":
            self._merge(attrib.get("ref", ""))
        elif local == "sheetData":
            self.sheet_data_at = self.expat.CurrentByteIndex

    def end(self, tag: str) -> None:
        local = _LOCALS.get(tag)
        if local is None:
            local = local_name(tag)
        if local == "c":
            self._cell()
        elif local == "v" or local == "f" or local == "t":
            self.buf = None
        elif local == "rPh":
            self.in_rph = False

    def data(self, text: str) -> None:
        buf = self.buf
        if buf is not None:
            buf.append(text)

    def _cell(self) -> None:
        pos, v, inline = self.pos, self.v, self.inline
        if pos is None:
            if v is not None or self.f is not None or inline is not None:
                self.grid.truncated = True
            return
        if self.f is not None:  # a shared formula's later cells carry an empty <f t="shared" si=".."/>
            formula = cut_cell_text("".join(self.f))
            self.budget.spend(len(formula))
            self.formulas[pos] = formula
        flags = self.xf_flags[self.style] if 0 <= self.style < len(self.xf_flags) else 0
        if flags & PERCENT:
            self.grid.percent.add(pos)
        if flags & DATE:
            self.grid.dates.add(pos)
        t = self.ctype
        value: CellValue
        length = 0  # the true length of a text cut to MAX_CELL_TEXT
        if inline is not None and (t == "inlineStr" or v is None):
            value = _text("".join(inline))
        elif v is None:
            return
        else:
            text = v[0] if len(v) == 1 else "".join(v)
            if t is None or t == "n":
                value = _number(text)
            elif t == "s":
                i = int(text)
                if i < 0:
                    raise IndexError(f"shared string {i}")
                value = self.strings[i]
                length = self.lengths.get(i, 0)
            elif t == "b":
                value = text.strip() in ("1", "true")
            elif t == "d":
                value = iso_serial(text.strip(), self.date1904)
                self.grid.dates.add(pos)
            else:  # str (a formula's text result), e (#N/A), inlineStr given as <v>, unknown types
                value = _text(text)
        if isinstance(value, str):
            if len(value) > MAX_CELL_TEXT:
                length, value = len(value), cut_cell_text(value)
            if length:
                self.grid.overlong[pos] = length
            self.budget.spend(len(value))
        if value is not None and value != "":
            self.values[pos] = value

    def _merge(self, ref: str) -> None:
        try:
            r1, c1, r2, c2 = parse_range(ref)
        except ValueError:
            return  # a broken merge hides nothing: its cells are read anyway
        if r1 >= self.max_rows or c1 >= self.max_cols or (r1 == r2 and c1 == c2):
            return
        if len(self.grid.merges) >= MAX_MERGES:
            self.grid.truncated = True
            return
        self.grid.merges.append((r1, c1, min(r2, self.max_rows - 1), min(c2, self.max_cols - 1)))
