"""The one module that opens returned workbooks: guards first, then a small streaming SpreadsheetML reader.

Why not openpyxl: a full load builds a Cell object for every cell up to the sheet's far corner and reads
styles, fills and validations a check does not use (it compares cells with the layout rebuilt from the
template); a check must cost less than that load. This reader streams each part through defusedxml's expat
parser with a callback target (no element tree, so memory stays flat), keeps only cells inside the caller's
bounds, stops a sheet at the first row past them, and reads the few things a check needs: values, formulas,
merges, percent/date formats.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_etree
from defusedxml import DefusedXmlException

from ..limits import MAX_SHEETS
from .grid import Bounds, SheetGrid, SheetState, WorkbookGrid
from .guards import ZIP_ERRORS, CheckedZip, fail, open_zip, read_file
from .xlsx_cells import Shared, SheetTarget, StringsTarget, TextBudget, classify_formats, local_name

REL_TYPES = ("worksheet", "sharedStrings", "styles")
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
STATES: dict[str, SheetState] = {"visible": "visible", "hidden": "hidden", "veryHidden": "veryHidden"}
UNSAFE_KINDS = {
    "DTDForbidden": "DTD 声明",
    "EntitiesForbidden": "实体声明",
    "ExternalReferenceForbidden": "外部实体引用",
}

BoundsArg = Callable[[str], Bounds] | Bounds
OnlyArg = Callable[[str, str], bool] | None

_SHEETDATA_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData\s*>")
_CONTENT_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|f|is)[\s/>]")

__all__ = ["open_workbook"]


def open_workbook(
    source: str | Path | bytes,
    filename: str | None = None,
    bounds: BoundsArg = Bounds(),  # noqa: B008 - frozen, so a shared default is safe
    only: OnlyArg = None,
) -> WorkbookGrid:
    """Read a returned .xlsx into bounded grids; raise ReadError (with a finding code) if it cannot be read.

    bounds: one Bounds for every sheet, or a function of the sheet name.
    only(sheet_name, state): False to skip a sheet (it is listed, with its state, but holds no cells).
    """
    if isinstance(source, bytes):
        data, name = source, filename or "workbook.xlsx"
    else:
        path = Path(source)
        data, name = read_file(path), filename or path.name
    with open_zip(data, name) as zf:
        return _Package(zf).read(bounds, only)


class _Package:
    """Part lookup by case-insensitive name (OPC part names are case-insensitive)."""

    def __init__(self, zf: CheckedZip) -> None:
        self.zf = zf
        self.names = {n.lower(): n for n in zf.namelist()}

    def get(self, name: str) -> bytes | None:
        real = self.names.get(name.lower())
        if real is None:
            return None
        with _part(name):
            return self.zf.read(real)

    def require(self, name: str) -> bytes:
        data = self.get(name)
        if data is None:
            raise fail("E-FILE-CORRUPT", found=f"缺少部件 {name}")
        return data

    def tree(self, name: str) -> Element:
        data = self.require(name)
        with _part(name):
            root: Element = safe_etree.fromstring(data, forbid_dtd=True)
        return root

    def read(self, bounds: BoundsArg, only: OnlyArg) -> WorkbookGrid:
        date1904, sheets = self._workbook()
        rels = self._rels()
        typed = {kind: t for kind, t in ((_kind(rt), t) for rt, t in rels.values()) if kind}
        xf_flags = self._styles(typed.get("styles", "xl/styles.xml"))
        shared: Shared | None = None
        out = WorkbookGrid(sheets=[], date1904=date1904)
        read_as: dict[str, str] = {}  # part -> the sheet read from it
        for sheet_name, state, rid in sheets:
            grid = SheetGrid(name=sheet_name, state=state)
            out.sheets.append(grid)
            rel = rels.get(rid)
            if rel is None:
                raise fail("E-FILE-CORRUPT", found=f"工作表「{sheet_name}」的关系 {rid} 缺失")
            other = read_as.setdefault(rel[1].lower(), sheet_name)
            if other != sheet_name:  # no client writes this: it only multiplies the reading and drawing
                raise fail("E-FILE-CORRUPT", found=f"工作表「{sheet_name}」与「{other}」指向同一部件 {rel[1]}")
            if _kind(rel[0]) != "worksheet" or (only is not None and not only(sheet_name, state)):
                continue  # chart sheets hold no cells; skipped sheets keep their name and state
            if shared is None:
                strings = self._strings(typed.get("sharedStrings", "xl/sharedStrings.xml"))
                shared = Shared(strings, xf_flags, date1904, TextBudget())
            b = bounds(sheet_name) if callable(bounds) else bounds
            self._sheet(rel[1], grid, b, shared)
        return out

    def _workbook(self) -> tuple[bool, list[tuple[str, SheetState, str]]]:
        date1904 = False
        sheets: list[tuple[str, SheetState, str]] = []
        for el in self.tree(WORKBOOK).iter():
            local = local_name(el.tag)
            if local == "workbookPr":
                date1904 = el.get("date1904", "").lower() in ("1", "true")
            elif local == "sheet":
                name, rid = el.get("name"), _rel_id(el)
                if not name or not rid:
                    raise fail("E-FILE-CORRUPT", found="工作表列表缺少名称或关系")
                sheets.append((name, STATES.get(el.get("state", ""), "visible"), rid))
                if len(sheets) > MAX_SHEETS:
                    raise fail("E-FILE-CORRUPT", found=f"工作表超过 {MAX_SHEETS} 个")
        return date1904, sheets

    def _rels(self) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, part name), targets resolved against xl/ (or absolute from the root)."""
        out: dict[str, tuple[str, str]] = {}
        for el in self.tree(WORKBOOK_RELS).iter():
            if not el.tag.endswith("Relationship") or el.get("TargetMode", "") == "External":
                continue
            target = el.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            out[el.get("Id", "")] = (el.get("Type", ""), posixpath.normpath(part))
        return out

    def _styles(self, name: str) -> list[int]:
        """PERCENT/DATE flags per cellXfs index; a workbook without styles shows everything as General."""
        if self.get(name) is None:
            return []
        formats: dict[int, str] = {}
        xf_ids: list[int] = []
        root = self.tree(name)
        with _part(name):
            for section in root:
                local = local_name(section.tag)
                if local == "numFmts":
                    for nf in section:
                        formats[_int(nf.get("numFmtId"))] = nf.get("formatCode", "")
                elif local == "cellXfs":
                    xf_ids.extend(_int(xf.get("numFmtId")) for xf in section if local_name(xf.tag) == "xf")
            return classify_formats(xf_ids, formats)

    def _strings(self, name: str) -> StringsTarget:
        target = StringsTarget()
        data = self.get(name)
        if data is None:
            return target
        with _part(name):
            parser = _parser(target)
            parser.feed(data)
            parser.close()
        return target

    def _sheet(self, name: str, grid: SheetGrid, bounds: Bounds, shared: Shared) -> None:
        data = self.require(name)
        with _part(name):
            target = SheetTarget(grid, bounds, shared, stop_at_bounds=True)
            at = _feed(data, target)
            if at is None:
                return
            # Stopped at the first row past the bounds (rows are in ascending order). Skip the rest of
            # sheetData by byte search and parse what follows it (mergeCells) behind the same header.
            data_start = target.sheet_data_at
            end = _SHEETDATA_END.search(data, at)
            if end is None or data_start is None:
                _reparse_everything(data, grid, bounds, shared)
                return
            if _CONTENT_TAG.search(data, at, end.start()):
                grid.truncated = True
            tail = SheetTarget(grid, bounds, shared, stop_at_bounds=False)
            try:
                _feed(data[:data_start] + data[end.end():], tail)
            except ParseError:  # the byte search was fooled (odd encoding, CDATA): do it the slow way
                _reparse_everything(data, grid, bounds, shared)


def _feed(data: bytes, target: SheetTarget) -> int | None:
    """Parse `data` into `target`; return the byte offset where it stopped early, or None."""
    parser = _parser(target)
    target.expat = parser.parser
    try:
        parser.feed(data)
        parser.close()
    except SheetTarget.Stop:
        return target.stopped_at
    return None


def _reparse_everything(data: bytes, grid: SheetGrid, bounds: Bounds, shared: Shared) -> None:
    for store in (grid.values, grid.formulas, grid.percent, grid.dates, grid.overlong):
        store.clear()
    grid.merges.clear()
    grid.truncated = False
    _feed(data, SheetTarget(grid, bounds, shared, stop_at_bounds=False))


def _parser(target: StringsTarget | SheetTarget) -> Any:
    """A defused expat parser (DTDs, entities and external references refused) calling `target` directly.

    defusedxml wraps expat in ElementTree's pure-Python XMLParser, whose per-element name fixing and
    attribute copying cost a third of a sheet's parse. Its guards are handlers on the expat parser itself,
    so we keep them and route only the element and text callbacks straight to the target.
    """
    parser = safe_etree.XMLParser(target=target, forbid_dtd=True)
    expat = parser.parser
    expat.ordered_attributes = False  # attributes as a dict built in C
    expat.StartElementHandler = target.start
    expat.EndElementHandler = target.end
    expat.CharacterDataHandler = target.data
    return parser


@contextmanager
def _part(name: str) -> Iterator[None]:
    """Turn parser and zip failures while reading part `name` into ReadErrors with the right code."""
    try:
        yield
    except DefusedXmlException as exc:
        kind = UNSAFE_KINDS.get(type(exc).__name__, type(exc).__name__)
        raise fail("E-FILE-XML-UNSAFE", found=f"{name}：{kind}") from None
    except ParseError as exc:
        raise fail("E-FILE-CORRUPT", found=f"{name} XML 格式错误：{exc}") from None
    except (LookupError, *ZIP_ERRORS) as exc:  # LookupError: KeyError, IndexError, unknown encodings
        raise fail("E-FILE-CORRUPT", found=f"{name}：{type(exc).__name__} {exc}") from None


def _rel_id(el: Element) -> str | None:
    for key, value in el.attrib.items():
        if key.endswith("}id"):
            return value
    return None


def _kind(rel_type: str) -> str:
    last = rel_type.rsplit("/", 1)[-1]
    return last if last in REL_TYPES else ""


def _int(text: str | None) -> int:
    return int(text) if text else 0
