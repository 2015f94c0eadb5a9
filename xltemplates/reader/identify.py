"""Which form is this? From the identity sheet when it is there, else recognised by its header rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..catalogue.registry import (
    UnknownTemplateId,
    get_template,
    is_path,
    is_template_id,
    registered_template,
    search_path_text,
    shipped_ids,
)
from ..errors import XltError
from ..findings.report import Finding, make_finding
from ..form.model import LABEL_ROLES, Template
from ..grammar.text import squash
from ..layout import UNKNOWN, LSheet, build_layout
from ..trust.identity import META_SHEET, Identity, decode, value_cell
from ..trust.keys import Keyring, load_keyring
from .grid import SheetGrid, WorkbookGrid
from .verify import verify_identity


@dataclass(frozen=True, slots=True)
class Expect:
    """What the caller expects back (from the CLI or the round's database); None = anything of ours."""

    template: str | None = None
    year: int | None = None
    version: str | None = None
    source: str | None = None  # the template file, when the caller named one by path
    #: The bureau's key the identity is verified with (default: its key file, when there is one).
    keyring: Keyring | None = field(default_factory=load_keyring, repr=False)
    #: The round's units (code, name), when known: a forged identity's original unit can then be named.
    units: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    unit_code: str | None = None  # the unit handing it in (the web desk's link): another unit's workbook is refused
    unit_name: str | None = None  # that unit's name, for the refusal's message


@dataclass(frozen=True, slots=True)
class Rejected:
    """Not a workbook this round can read: why, and who sent it when its identity sheet says so."""

    findings: list[Finding]
    identity: Identity | None = None


@dataclass(slots=True)
class Identified:
    template: Template
    identity: Identity | None
    context: dict[str, Any]
    issued: dict[str, Any]
    findings: list[Finding]


def _rows(grid: SheetGrid) -> list[list[object]]:
    if not grid.values:
        return []
    nrows = max(r for r, _ in grid.values) + 1
    ncols = max(c for _, c in grid.values) + 1
    return [[grid.values.get((r, c)) for c in range(ncols)] for r in range(nrows)]


def _labels(sheet: LSheet) -> set[str]:
    return {squash(c.value) for c in sheet.cells.values()
            if c.role in LABEL_ROLES and isinstance(c.value, str) and UNKNOWN not in c.value}


STRUCTURE_MATCH = 0.6
"""The structure score from which a sheet counts as the expected one (renamed, or a template's)."""


def structure_score(expected: LSheet, grid: SheetGrid) -> float:
    """Share of the expected sheet's fixed texts found anywhere in the returned sheet."""
    want = _labels(expected)
    if not want:
        return 0.0
    have = {squash(v) for v in grid.values.values() if isinstance(v, str)}
    return len(want & have) / len(want)


_YEAR = re.compile(r"(20\d\d)\s*年")


def _guess_year(wb: WorkbookGrid) -> int | None:
    for s in wb.sheets:
        for (r, _c), v in sorted(s.values.items()):
            if r > 6:
                break
            if isinstance(v, str) and (m := _YEAR.search(v)):
                return int(m.group(1))
    return None


def _recognise(wb: WorkbookGrid, expect: Expect) -> tuple[Template, int | None] | None:
    """The known template the workbook's fixed texts match best (the unit stays UNKNOWN: it is not on the form
    in a way we can trust). Every template is tried, so a wrong form is named, not just "unknown"."""
    year = _guess_year(wb) or expect.year
    candidates = shipped_ids()
    if expect.template and (expect.source or expect.template) not in candidates:
        candidates = [expect.source or expect.template, *candidates]
    best: tuple[float, Template] | None = None
    visible = [s for s in wb.sheets if not s.name.startswith("_")]
    for ref in candidates:
        try:
            t = get_template(ref, {"year": year or "", "unit_code": UNKNOWN, "unit_name": UNKNOWN})
        except XltError:
            continue
        layout = build_layout(t, {})
        score = min(max((structure_score(ls, g) for g in visible), default=0.0) for ls in layout.sheets)
        if best is None or score > best[0] or (score == best[0] and t.id == expect.template):
            best = (score, t)
    if best is None or best[0] < STRUCTURE_MATCH:
        return None
    return best[1], year


def _fingerprint(ident: Identity) -> str | None:
    """The fingerprint the registry's template gives for this identity (None when it cannot be built)."""
    if not is_template_id(ident.template):
        return None
    try:
        t = registered_template(ident.template, {**ident.context, "year": ident.year or "",
                                                 "unit_code": ident.unit_code or "", "unit_name": ident.unit_name or ""},
                                ident.version)
        return build_layout(t, ident.issued).fingerprint
    except Exception:  # noqa: BLE001 - only a diagnosis: a forged issued that does not lay out names nothing
        return None


def _current_version(template_id: str, ctx: dict[str, Any]) -> str | None:
    try:
        return registered_template(template_id, ctx).version
    except XltError:
        return None


def _unit(code: str, name: str | None) -> str:
    return f"{code} {name}" if name else code


def _mismatches(ident: Identity, expect: Expect) -> list[Finding]:
    """Every way the identity differs from what the caller expects (template, year, unit), each a finding."""
    out = []
    if expect.template and ident.template != expect.template:
        out.append(make_finding("E-WRONG-TEMPLATE", None, None, expected=expect.template, found=ident.template))
    if expect.year and ident.year != expect.year:
        out.append(make_finding("E-WRONG-YEAR", None, None, expected=expect.year, found=ident.year))
    if expect.unit_code and ident.unit_code != expect.unit_code:
        out.append(make_finding("E-WRONG-UNIT", None, None, expected=_unit(expect.unit_code, expect.unit_name),
                                found=_unit(ident.unit_code or "（空）", ident.unit_name)))
    return out


def identify(wb: WorkbookGrid, expect: Expect) -> Identified | Rejected:
    """The template and context to read `wb` with, or the findings that say why it cannot be read."""
    if expect.template and is_path(expect.template):  # --template my-form.yaml: compare by the id it declares
        try:
            declared = get_template(expect.template, {"year": "", "unit_code": "", "unit_name": ""}).id
            expect = replace(expect, template=declared, source=expect.template)
        except XltError as exc:
            return Rejected([make_finding("E-UNKNOWN-TEMPLATE", None, None, found=str(exc)[:120])])
    meta = wb.sheet(META_SHEET)
    ident = decode(_rows(meta)) if meta is not None else None
    findings: list[Finding] = []
    if ident is not None and meta is not None:
        untrusted = verify_identity(ident, expect.keyring, expect.units, _fingerprint)
        trust = [untrusted] if untrusted is not None else []  # said also when the file is refused below
        findings.extend(trust)
        if meta.state != "veryHidden":
            findings.append(make_finding("W-METADATA-VISIBLE", META_SHEET, None, found=META_SHEET))

        def rejected(finding: Finding) -> Rejected:
            return Rejected([*trust, finding], ident)

        mismatches = _mismatches(ident, expect)
        if mismatches:  # every one is said: the round must not learn only the first and trust the rest
            return Rejected([*trust, *mismatches], ident)
        ctx = {**ident.context, "year": ident.year or "", "unit_code": ident.unit_code or "",
               "unit_name": ident.unit_name or ""}
        if not is_template_id(ident.template):  # a path, or anything else that is not a plain id: never loaded
            return rejected(make_finding("E-IDENTITY-TEMPLATE", META_SHEET, value_cell("template"),
                                         found=ident.template[:80]))
        try:
            # the bureau's --template FILE, or the registry's template of that id: never a file the return names
            t = get_template(expect.source, ctx) if expect.source else registered_template(ident.template, ctx,
                                                                                            ident.version)
        except UnknownTemplateId:
            return rejected(make_finding("E-TEMPLATE-NOT-INSTALLED", None, None, expected=search_path_text(),
                                         found=ident.template))
        except XltError:
            return rejected(make_finding("E-UNKNOWN-TEMPLATE", None, None, found=f"{ident.template} {ident.version}"))
        if t.version != ident.version:
            return rejected(make_finding("E-WRONG-VERSION", None, None, expected=t.version, found=ident.version))
        if not expect.source and _current_version(ident.template, ctx) not in (None, t.version):
            findings.append(make_finding("W-EARLIER-VERSION", None, None, expected=_current_version(ident.template, ctx),
                                         found=t.version))
        return Identified(t, ident, ctx, ident.issued, findings)
    found = _recognise(wb, expect)
    if found is None:
        names = "、".join(s.name for s in wb.sheets if not s.name.startswith("_"))[:80]
        return Rejected([make_finding("E-UNKNOWN-TEMPLATE", None, None, found=f"工作表：{names}")])
    t, year = found
    wrong = []
    if expect.template and t.id != expect.template:
        wrong.append(make_finding("E-WRONG-TEMPLATE", None, None, expected=expect.template, found=f"{t.title}（{t.id}）"))
    if expect.year and year and year != expect.year:
        wrong.append(make_finding("E-WRONG-YEAR", None, None, expected=expect.year, found=year))
    if wrong:
        return Rejected(wrong)
    findings.append(make_finding("W-NO-METADATA", None, None, expected=f"{t.title}（{t.id} {t.version}）"))
    ctx = {**t.context, "year": year or "", "unit_code": UNKNOWN, "unit_name": UNKNOWN}
    return Identified(t, None, ctx, {}, findings)
