"""Generating workbooks: one unit (template + context + data -> bytes), or a whole round from a roster."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..catalogue.registry import get_template
from ..cellmap import from_layout
from ..errors import DataError, FindingsError, WriteError, XltError
from ..findings.report import Finding
from ..form.model import Template
from ..fsutil import write_atomic
from ..layout import SPARE, build_layout, layout_data
from ..rules import run_rules
from ..schema import ListNote, validate_data
from ..trust.identity import issue, year_of
from ..trust.keys import Keyring, require_keyring
from ..unit_files import Unit, load_json, manifest_bytes, unit_filename
from .emit import emit


@dataclass(frozen=True, slots=True)
class Generated:
    content: bytes
    template: Template
    fingerprint: str
    findings: tuple[Finding, ...] = ()


def make_context(year: int, unit_code: str | None, unit_name: str | None,
                 extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {**(extra or {}), "year": year, "unit_code": unit_code or "", "unit_name": unit_name or ""}


def generate_bytes(template_ref: str, context: Mapping[str, Any], data: object = None,
                   now: datetime | None = None, allow_findings: bool = False,
                   keyring: Keyring | None = None, spares: int = 0) -> Generated:
    """Validate `data`, run the template's rules on it, lay the form out and return the workbook's bytes,
    its identity signed with `keyring` (default: the bureau's key file; KeyFileError when there is none).

    A bureau learns its prefill data is inconsistent before it sends 200 workbooks: rule errors raise
    FindingsError unless `allow_findings`. `spares`: empty sheets for projects the unit adds (with_spares).
    """
    t = get_template(template_ref, context)
    notes: list[ListNote] = []
    clean = with_spares(t, validate_data(t, data if data is not None else {}, notes), spares)
    layout = build_layout(t, clean)
    year = context.get("year")
    cells = from_layout(layout)
    findings = [n.finding(cells) for n in notes]
    findings += run_rules(t, layout_data(layout), cells, year_of(year), phase="generate")
    if not allow_findings and any(f.severity == "error" for f in findings):
        raise FindingsError(findings)
    ident = issue(t.id, t.version, context, layout.fingerprint, layout.issued,
                  keyring if keyring is not None else require_keyring(), now)
    return Generated(emit(layout, ident), t, layout.fingerprint, tuple(findings))



def with_spares(t: Template, data: dict[str, Any], spares: int) -> dict[str, Any]:
    """`data` with `spares` empty items after the issued ones in the template's repeated sheet: one empty
    sheet each (tab 「项目14」, title 「14、项目支出绩效目标表」), where the unit fills a project of its own on
    the protected workbook instead of copying an issued sheet. `check` ignores them while untouched."""
    if spares <= 0:
        return data
    key = next((s.repeat for s in t.sheets if s.repeat is not None), None)
    if key is None:
        raise DataError([("--spare-projects", f"the template {t.id} has no repeated sheet to add spare copies of")])
    return {**data, key: [*(data.get(key) or []), *({SPARE: True} for _ in range(spares))]}


def generate_file(template_ref: str, context: Mapping[str, Any], data: object, out: str | Path,
                  allow_findings: bool = False, spares: int = 0) -> Generated:
    g = generate_bytes(template_ref, context, data, allow_findings=allow_findings, spares=spares)
    write_atomic(out, g.content)
    return g


@dataclass(frozen=True, slots=True)
class RoundResult:
    unit: Unit
    file: str | None
    fingerprint: str | None
    error: str | None
    sha256: str | None = None  # of the file's bytes, for checking that a file is the one sent
    warnings: tuple[str, ...] = ()  # "CODE message" of each finding on the issued data (an alias taken, …)


def generate_round(
    template_ref: str, year: int, units: list[Unit], out_dir: str | Path, data_dir: str | Path | None = None,
    extra: Mapping[str, Any] | None = None, on_unit: Callable[[RoundResult], None] | None = None,
    data_for: Callable[[Unit], object] | None = None, allow_findings: bool = False,
    keyring: Keyring | None = None, spares: int = 0,
) -> Iterator[RoundResult]:
    """One workbook per unit; a failing unit is reported and the others still come out (a missing key
    stops the round before the first unit: no workbook goes out unsigned)."""
    ring = keyring if keyring is not None else require_keyring()
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot create the output directory {out}: {exc.strerror}") from exc
    for unit in units:
        data: object = None
        try:
            if data_for is not None:
                data = data_for(unit)
            elif data_dir is not None and (Path(data_dir) / f"{unit.code}.json").is_file():
                data = load_json(Path(data_dir) / f"{unit.code}.json")
        except XltError as exc:
            result = RoundResult(unit, None, None, str(exc))
        else:
            result = issue_unit(template_ref, year, unit, data, out, extra, allow_findings, ring, spares)
        if on_unit:
            on_unit(result)
        yield result


def issue_unit(template_ref: str, year: int, unit: Unit, data: object, out_dir: Path,
               extra: Mapping[str, Any] | None, allow_findings: bool, keyring: Keyring, spares: int,
               now: datetime | None = None) -> RoundResult:
    """One unit's workbook written (atomically) into `out_dir`; a problem with it is the result's error."""
    try:
        ctx = make_context(year, unit.code, unit.name, extra)
        g = generate_bytes(template_ref, ctx, data, now=now, allow_findings=allow_findings, keyring=keyring,
                           spares=spares)
        name = unit_filename(unit, g.template.id)
        write_atomic(out_dir / name, g.content)
        return RoundResult(unit, name, g.fingerprint, None, hashlib.sha256(g.content).hexdigest(),
                           tuple(f"{f.code} {f.message}" for f in g.findings))
    except XltError as exc:
        return RoundResult(unit, None, None, str(exc))


#: The first columns of every manifest.csv: who, which year, which file, and two SHA-256 values named for what
#: they are: the file's bytes (sha256sum of the file), and the fingerprint of the issued content that `check`
#: compares with the identity sheet (it does not change when the clerk fills the file in).
MANIFEST_HEAD = ["单位编码", "单位名称", "年度", "文件", "模板", "版本", "文件SHA-256", "下发内容指纹（SHA-256）"]


def manifest_head(r: RoundResult, year: int, template_id: str, version: str) -> list[str]:
    """A result's cells under MANIFEST_HEAD."""
    return [r.unit.code, r.unit.name, str(year), r.file or "", template_id, version, r.sha256 or "", r.fingerprint or ""]


def write_manifest(path: str | Path, template: Template, year: int, results: list[RoundResult],
                   links: Mapping[str, str] | None = None) -> None:
    """manifest.csv: one line per unit; `links` (unit code -> web-desk link) fills 填报链接."""
    rows = [[*manifest_head(r, year, template.id, template.version), r.error, (links or {}).get(r.unit.code)]
            for r in results]
    write_atomic(path, manifest_bytes([*MANIFEST_HEAD, "错误", "填报链接"], rows))
