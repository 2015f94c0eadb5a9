"""An official workbook as infer sees it: per sheet, each cell's text, fill, font and number format, the merges,
data validations (with list values resolved), column widths, row heights and print orientation.

The one module of infer that opens a file, and the package's one run-time importer of openpyxl (a bureau's own
file, not a return: still opened only after the archive guards, with openpyxl's defusedxml protection).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..reader.guards import fail, inspect_bytes, read_file

#: Most rows and columns of a sheet infer looks at (an official form is a page or two).
MAX_ROWS, MAX_COLS = 300, 40


@dataclass(frozen=True, slots=True)
class SCell:
    text: str | None  # the value as text (numbers as Excel shows them, without format)
    fill: str | None  # "#RRGGBB", None for no fill
    font_color: str | None
    bold: bool
    size: float | None
    number_format: str
    value: object = None
    border: bool = False


@dataclass(slots=True)
class SSheet:
    name: str
    state: str
    cells: dict[tuple[int, int], SCell] = field(default_factory=dict)  # zero-based (row, col)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2 inclusive
    lists: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)  # a dropdown's values per cell
    checks: dict[tuple[int, int], str] = field(default_factory=dict)  # other validations: decimal, whole, date
    widths: list[float] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    landscape: bool = False
    paper: str | None = None  # "A4" or "A3" when the sheet names one of them
    fit_width: int | None = None  # pages wide when the sheet is fitted to pages, 0 when printed at 100%
    nrows: int = 0
    ncols: int = 0


#: The order of a theme's colours as cells index them (Excel swaps dk1/lt1 and dk2/lt2 from the file's order).
_THEME_ORDER = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5", "accent6",
                "hlink", "folHlink")
_DRAWING_NS = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def theme_colours(theme_xml: bytes | None) -> list[str]:
    """The workbook theme's colours as RRGGBB, in the order a cell's `theme` index counts them."""
    if not theme_xml:
        return []
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(theme_xml)
    except Exception:  # noqa: BLE001 - a damaged theme only costs the theme colours
        return []
    scheme = next(root.iter(f"{_DRAWING_NS}clrScheme"), None)
    if scheme is None:
        return []
    found: dict[str, str] = {}
    for el in scheme:
        name = el.tag.removeprefix(_DRAWING_NS)
        for child in el:
            val = child.get("lastClr") or child.get("val") or ""
            if len(val) == 6:
                found[name] = val.upper()
    return [found.get(n, "000000") for n in _THEME_ORDER]


def _tinted(rgb: str, tint: float) -> str:
    """Excel's tint: lighter towards white (tint > 0) or darker towards black (tint < 0), in HLS lightness."""
    import colorsys

    r, g, b = (int(rgb[i: i + 2], 16) / 255 for i in (0, 2, 4))
    h, light, sat = colorsys.rgb_to_hls(r, g, b)
    light = light * (1 + tint) if tint < 0 else light * (1 - tint) + tint
    r, g, b = colorsys.hls_to_rgb(h, min(max(light, 0.0), 1.0), sat)
    return "".join(f"{round(x * 255):02X}" for x in (r, g, b))


def _colour(c: Any, theme: list[str] | None = None) -> str | None:
    """A colour as #RRGGBB: given as RGB, as a theme colour with its tint, or as a legacy palette index."""
    kind = getattr(c, "type", "rgb")
    if kind == "theme":
        index = getattr(c, "theme", None)
        if not theme or not isinstance(index, int) or not 0 <= index < len(theme):
            return None
        return "#" + _tinted(theme[index], float(getattr(c, "tint", 0.0) or 0.0))
    if kind == "indexed":
        from openpyxl.styles.colors import COLOR_INDEX

        index = getattr(c, "indexed", None)
        if not isinstance(index, int) or not 0 <= index < len(COLOR_INDEX) or index == 64:
            return None
        return "#" + str(COLOR_INDEX[index])[-6:].upper()
    rgb = getattr(c, "rgb", None)
    if not isinstance(rgb, str) or len(rgb) < 6:
        return None
    return "#" + rgb[-6:].upper()


def _fill(cell: Any, theme: list[str]) -> str | None:
    f = cell.fill
    if f is None or f.fill_type not in ("solid",):
        return None
    return _colour(f.fgColor, theme)


def _text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    text = str(v)
    return text if text.strip() else None


_RANGE = re.compile(r"^'?(?P<sheet>[^'!]+)'?!\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+)(?::\$?(?P<c2>[A-Z]+)\$?(?P<r2>\d+))?$")


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _list_values(wb: Any, formula: str) -> tuple[str, ...] | None:
    """A list validation's values: inline ("a,b,c"), a range on a sheet, or a defined name of one."""
    f = formula.strip()
    if f.startswith('"') and f.endswith('"'):
        return tuple(v.strip() for v in f[1:-1].split(",") if v.strip())
    if f.startswith("="):
        f = f[1:]
    if f in wb.defined_names:
        f = str(wb.defined_names[f].attr_text)
    m = _RANGE.match(f)
    if m is None or m["sheet"] not in wb.sheetnames:
        return None
    ws = wb[m["sheet"]]
    c1, r1 = _col(m["c1"]), int(m["r1"])
    c2, r2 = (_col(m["c2"]), int(m["r2"])) if m["c2"] else (c1, r1)
    out = []
    for row in ws.iter_rows(min_row=r1, max_row=min(r2, r1 + 500), min_col=c1 + 1, max_col=c2 + 1, values_only=True):
        out += [t for t in (_text(v) for v in row) if t]
    return tuple(out)


def _cells_of(ref: str) -> list[tuple[int, int]]:
    from openpyxl.utils.cell import range_boundaries

    out = []
    for part in str(ref).split():
        c1, r1, c2, r2 = range_boundaries(part)
        for r in range(r1 - 1, min(r2, MAX_ROWS)):
            for c in range(c1 - 1, min(c2, MAX_COLS)):
                out.append((r, c))
    return out


def read_official(path: str | Path) -> list[SSheet]:
    """Every sheet of the workbook at `path`; ReadError (with a file code) when it is not a readable .xlsx."""
    import openpyxl

    content = read_file(path)
    inspect_bytes(content, Path(path).name)  # the archive guards (size, parts, macros) before openpyxl parses anything
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content))
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a damaged file
        raise fail("E-FILE-CORRUPT", found=str(exc)[:200]) from exc
    theme = theme_colours(wb.loaded_theme)
    sheets = []
    for ws in wb.worksheets:
        s = SSheet(ws.title, ws.sheet_state)
        s.nrows, s.ncols = min(ws.max_row, MAX_ROWS), min(ws.max_column, MAX_COLS)
        for row in ws.iter_rows(min_row=1, max_row=s.nrows, max_col=s.ncols):
            for cell in row:
                if cell.__class__.__name__ == "MergedCell":
                    continue
                font = cell.font
                b = cell.border
                bordered = b is not None and any(getattr(side, "style", None) for side in (b.left, b.right, b.top, b.bottom))
                sc = SCell(_text(cell.value), _fill(cell, theme), _colour(font.color, theme) if font and font.color else None,
                           bool(font and font.b), float(font.sz) if font and font.sz else None,
                           cell.number_format or "General", cell.value, bordered)
                if sc.text is not None or sc.fill is not None or bordered or sc.number_format != "General":
                    s.cells[(cell.row - 1, cell.column - 1)] = sc
        for mr in ws.merged_cells.ranges:
            if mr.min_row <= MAX_ROWS and mr.min_col <= MAX_COLS:
                s.merges.append((mr.min_row - 1, mr.min_col - 1, min(mr.max_row, MAX_ROWS) - 1,
                                 min(mr.max_col, MAX_COLS) - 1))
        for dv in ws.data_validations.dataValidation:
            cells = _cells_of(str(dv.sqref))
            if dv.type == "list" and dv.formula1:
                values = _list_values(wb, str(dv.formula1))
                for rc in cells:
                    s.lists[rc] = values if values is not None else ()
            elif dv.type in ("decimal", "whole", "date"):
                for rc in cells:
                    s.checks[rc] = str(dv.type)
        from openpyxl.utils import get_column_letter

        s.widths = [float(ws.column_dimensions[get_column_letter(c + 1)].width or 9.0) for c in range(s.ncols)]
        s.heights = {r - 1: float(d.height) for r, d in ws.row_dimensions.items() if d.height and r <= MAX_ROWS}
        s.landscape = ws.page_setup.orientation == "landscape"
        s.paper = {"9": "A4", "8": "A3"}.get(str(ws.page_setup.paperSize or ""))
        fit = ws.sheet_properties.pageSetUpPr
        s.fit_width = int(ws.page_setup.fitToWidth or 1) if fit is not None and fit.fitToPage else 0
        sheets.append(s)
    return sheets
