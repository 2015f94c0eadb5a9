"""The reader's verdict on one returned file: open (guards first), identify, read every sheet, run the rules."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..a1 import a1
from ..cellmap import CellMap
from ..errors import ReadError, XltError
from ..excel import MAX_CELL_TEXT
from ..findings.report import Finding, Report, make_finding
from ..layout import LSheet, build_layout
from ..limits import MAX_FINDINGS
from ..parsed import parsed_values
from ..rules import run_rules
from ..shape import empty_data
from ..trust.identity import Identity, year_of
from .evidence import Evidence
from .grid import Bounds, SheetGrid, WorkbookGrid
from .guards import LEGACY_FORMATS, LegacyFormat, read_file
from .identify import STRUCTURE_MATCH, Expect, Identified, Rejected, identify, structure_score
from .legacy import open_legacy
from .repeated import read_repeated
from .sheet import SheetReader
from .xlsx import open_workbook

BOUNDS = Bounds()


def check_bytes(content: bytes, filename: str, expect: Expect | None = None, convert: bool = False) -> Report:
    """Check one returned workbook given as bytes (from disk, or a zip member read in memory).

    An old .xls or an .ods (as the guards tell from the bytes) is read directly by reader/legacy.py
    (python-calamine). convert: one it cannot read is converted to .xlsx by LibreOffice (reader/convert.py)
    and that is checked, with a W-CONVERTED warning first. If it cannot be converted either, the file keeps
    its E-FILE-XLS / E-FILE-ODS finding, whose message then says why.
    """
    return check_bytes_and_evidence(content, filename, expect, convert)[0]


def check_bytes_and_evidence(content: bytes, filename: str, expect: Expect | None = None,
                             convert: bool = False) -> tuple[Report, Evidence]:
    """check_bytes, and apart from the report what the reader saw (for the annotated copy and the desk's grid)."""
    draft = _Draft(filename)
    try:
        wb = _open(content, filename)
    except _Legacy as legacy:
        if convert:  # what calamine could not read, LibreOffice may
            return _check_converted(content, filename, expect, legacy.fmt, legacy.refused)
        return draft.with_finding(_unread(legacy, filename))
    except ReadError as exc:
        return draft.with_finding(_refused(exc, filename))
    draft.findings.extend(_overlong(wb))
    draft.grid = wb
    found = identify(wb, expect or Expect())
    if isinstance(found, Rejected):
        draft.findings.extend(found.findings)
        if found.identity is not None:  # who sent the wrong form still matters to the round
            i = found.identity
            draft.template, draft.version, draft.year = i.template, i.version, i.year
            draft.unit_code, draft.unit_name = i.unit_code, i.unit_name
        return draft.done()
    try:
        _read(found, wb, draft)
    except XltError:
        raise  # a broken template is the bureau's problem, not this file's: stop and say so
    except Exception as exc:  # a bug must not stop a batch of 200 files; it is reported, never hidden
        import logging  # here, not at the top: `check` starts faster without it

        logging.getLogger(__name__).debug("reading %s failed (E-READ-FAILED)", filename, exc_info=True)  # for --verbose
        draft.data = draft.parsed = None
        draft.findings.append(make_finding("E-READ-FAILED", None, None, found=f"{type(exc).__name__}: {exc}"[:200]))
    return draft.done()


@dataclass(slots=True)
class _Draft:
    """The reader's scratchpad for one file, filled as it reads; `done` splits it into the frozen report and
    its evidence, so neither carries the other."""

    file: str
    template: str | None = None
    version: str | None = None
    year: int | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    data: dict[str, Any] | None = None
    parsed: dict[str, Any] | None = None
    findings: list[Finding] = field(default_factory=list)
    grid: WorkbookGrid | None = None
    cells: CellMap = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    issued: dict[str, Any] | None = None
    identity: Identity | None = None

    def done(self) -> tuple[Report, Evidence]:
        report = Report(self.file, self.template, self.version, self.year, self.unit_code, self.unit_name,
                        self.data, self.parsed, _capped(self.findings))
        return report, Evidence(self.grid, self.cells, self.context, self.issued, self.identity)

    def with_finding(self, finding: Finding) -> tuple[Report, Evidence]:
        self.findings.append(finding)
        return self.done()


class _Legacy(Exception):
    """An .xls/.ods python-calamine could not read: the guards' refusal, the reader's error, the format."""

    def __init__(self, fmt: LegacyFormat, refused: ReadError, error: ReadError) -> None:
        super().__init__(error.code)
        self.fmt, self.refused, self.error = fmt, refused, error


def _unread(legacy: _Legacy, filename: str) -> Finding:
    """A damaged .xls/.ods is named as the format it is, with why it could not be read; a bound keeps its code."""
    if legacy.error.code != "E-FILE-CORRUPT":
        return _refused(legacy.error, filename)
    return _refused(legacy.refused, filename, reason=f"，无法直接读取（{legacy.error.found}）")


def _open(content: bytes, filename: str) -> WorkbookGrid:
    """The bounded grids of an .xlsx (reader/xlsx.py) or of an .xls/.ods the guards let through (reader/legacy.py)."""
    try:
        return open_workbook(content, filename, BOUNDS)
    except ReadError as exc:
        fmt = LEGACY_FORMATS.get(exc.code)
        if fmt is None:
            raise
        try:
            return open_legacy(content, fmt, BOUNDS)
        except ReadError as error:
            raise _Legacy(fmt, exc, error) from None


def check_file(path: str | Path, expect: Expect | None = None, convert: bool = False) -> Report:
    """check_bytes on a file's content (`convert` as there; the file itself is only ever read)."""
    return check_file_and_evidence(path, expect, convert)[0]


def check_file_and_evidence(path: str | Path, expect: Expect | None = None,
                            convert: bool = False) -> tuple[Report, Evidence]:
    """check_file, and apart from the report what the reader saw (check_bytes_and_evidence)."""
    p = Path(path)
    try:
        content = read_file(p)
    except ReadError as exc:  # missing, not a regular file (a FIFO, /dev/zero), or too large to read
        return _Draft(str(p)).with_finding(_refused(exc, str(p)))
    return check_bytes_and_evidence(content, str(p), expect, convert)


def _capped(findings: list[Finding]) -> list[Finding]:
    """At most MAX_FINDINGS findings, errors first (so the verdict stands), then W-FINDINGS-CUT with the total."""
    if len(findings) <= MAX_FINDINGS:
        return findings
    kept = sorted(findings, key=lambda f: f.severity != "error")[: MAX_FINDINGS]  # stable: reading order kept
    return [*kept, make_finding("W-FINDINGS-CUT", None, None, expected=MAX_FINDINGS, found=len(findings))]


def _overlong(wb: WorkbookGrid) -> list[Finding]:
    """A cell holding more text than Excel allows was cut when read: say where, and how long it was."""
    return [make_finding("E-CELL-TOO-LONG", s.name, a1(r, c), expected=MAX_CELL_TEXT, found=n)
            for s in wb.sheets for (r, c), n in sorted(s.overlong.items())]


def _refused(exc: ReadError, filename: str, reason: str = "") -> Finding:
    return make_finding(exc.code, None, None, found=exc.found or filename, expected=exc.expected, reason=reason)


def _check_converted(content: bytes, filename: str, expect: Expect | None, fmt: LegacyFormat,
                     refused: ReadError) -> tuple[Report, Evidence]:
    """The report on LibreOffice's .xlsx of `content`, or the original refusal with the reason it failed."""
    from .convert import ConversionError, to_xlsx  # LibreOffice's plumbing, only when asked to convert

    try:
        xlsx = to_xlsx(content, fmt)
    except ConversionError as why:
        return _Draft(filename).with_finding(_refused(refused, filename, reason=f"，自动转换为 .xlsx 未成功（{why}）"))
    report, evidence = check_bytes_and_evidence(xlsx, filename, expect)  # no convert: LibreOffice's output as it is
    converted = make_finding("W-CONVERTED", None, None, expected=".xlsx", found=f".{fmt}")
    return replace(report, findings=(converted, *report.findings)), evidence


def _read(ident: Identified, wb: WorkbookGrid, draft: _Draft) -> None:
    t = ident.template
    draft.template, draft.version = t.id, t.version
    draft.year = year_of(ident.context.get("year"))
    draft.unit_code = ident.identity.unit_code if ident.identity else None
    draft.unit_name = ident.identity.unit_name if ident.identity else None
    draft.findings.extend(ident.findings)
    issued_layout = build_layout(t, ident.issued)  # what was issued: the fixed sheets to compare with
    if ident.identity is not None and issued_layout.fingerprint != ident.identity.fingerprint:
        # the identity sheet, or the template since issue, changed
        draft.findings.append(make_finding("E-FINGERPRINT", None, None, expected=ident.identity.fingerprint[:12],
                                            found=issued_layout.fingerprint[:12]))
    data: dict[str, Any] = empty_data(t)
    cells: CellMap = {}
    used: set[str] = set()
    visible = [s for s in wb.sheets if not s.name.startswith("_") and s.state == "visible"]
    for expected in issued_layout.sheets:
        if expected.index is not None:
            continue  # copies of a repeated sheet are matched below, by name or by content
        name = expected.name
        grid = wb.sheet(name) or _by_structure(expected, visible, used)
        if grid is None:
            draft.findings.append(make_finding("E-SHEET-MISSING", name, None, expected=name))
            continue
        used.add(grid.name)
        res = SheetReader(t, expected, grid, BOUNDS.max_rows, wb.date1904).read()
        data.update(res.data)
        cells.update(res.cells)
        draft.findings.extend(res.findings)
    # hidden sheets too: a spare sheet is issued hidden, and one filled and hidden again is still a project
    # (an untouched one is ignored by read_repeated as before)
    shown = [s for s in wb.sheets if not s.name.startswith("_") and s.state != "veryHidden"]
    copies = _read_repeated(ident, wb, shown, used, data, cells, draft)
    # a copied sheet's repeated 项目编码 is its E-SHEET-COPIED already
    draft.findings.extend(f for f in _rules(ident, data, cells) if not (f.code == "E-DUPLICATE" and f.sheet in copies))
    draft.data = data
    draft.parsed = parsed_values(t, data)
    draft.cells = cells
    draft.context = dict(ident.context)
    draft.issued = ident.issued if ident.identity is not None else None
    draft.identity = ident.identity


def _read_repeated(ident: Identified, wb: WorkbookGrid, visible: list[SheetGrid], used: set[str],
                   data: dict[str, Any], cells: CellMap, draft: _Draft) -> set[str]:
    """One data item per copy of each repeated sheet (reader/repeated.py); returns the sheets that are copies."""
    copies: set[str] = set()
    for spec in ident.template.sheets:
        if spec.repeat is None:
            continue
        res = read_repeated(ident.template, spec, ident.issued.get(spec.repeat) or [], visible, used,
                            BOUNDS.max_rows, wb.date1904)
        data[spec.repeat] = res.items
        cells.update(res.cells)
        draft.findings.extend(res.findings)
        copies |= res.copies
    return copies


def _by_structure(expected: LSheet, visible: list[SheetGrid], used: set[str]) -> SheetGrid | None:
    """A renamed sheet is still the sheet: take the unused visible one that looks most like it."""
    scored = [(structure_score(expected, g), g) for g in visible if g.name not in used]
    best = max(scored, key=lambda x: x[0], default=None)
    return best[1] if best is not None and best[0] >= STRUCTURE_MATCH else None


def _rules(ident: Identified, data: dict[str, Any], cells: CellMap) -> list[Finding]:
    issued = ident.issued if ident.identity is not None else None
    return run_rules(ident.template, data, cells, year_of(ident.context.get("year")), issued=issued)
