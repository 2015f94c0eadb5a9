"""Which unit a returned file belongs to: all or nothing.

A file is a unit's submission only when its identity sheet, the one the writer hid in the workbook, is
verified with the bureau's key AND names the unit, year and template the round (or the unit's link)
expects (``identity``). Every other file belongs to no unit: collect stores it without one, the web desk
refuses it (`refusal`). What such a file seems to be is kept as a claim, never as an attribution, so the
bureau sees it beside the unit (``status``) and decides: its identity names the unit but was not verified
(``unverified``: no key on this machine; a collect with the key reads it again), failed its signature
(``forged``), or names another year, template or unit than the round's (``mismatch``); a roster unit's name
appears as a value in the data, e.g. 部门单位名称 (``roster-name``); a roster unit's code or name is in the
file name, as ``generate --roster`` names files (``file-name``). Only an unambiguous guess is kept.

So the unit's current submission, status, export and rollover all rest on verified files only (store.py,
queries.py): a file of another unit, year or template, or one nobody can vouch for, never becomes current.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..catalogue.registry import is_path
from ..findings.judgement import judge
from ..findings.report import Report
from ..grammar.text import squash
from ..reader.identify import Expect
from ..reader.verify import IDENTITY_FAILED, IDENTITY_UNVERIFIED
from ..unit_files import Unit


@dataclass(frozen=True, slots=True)
class Attribution:
    """The unit a file is stored for (`code`, only with ``source == TRUSTED``), else the unit it seems to be
    (`claimed`) and why it does not count (`source`: unverified / forged / mismatch / roster-name / file-name,
    None when nothing points at any unit)."""

    code: str | None
    name: str | None
    source: str | None
    claimed: str | None = None


UNIDENTIFIED = Attribution(None, None, None)
_TOKENS = re.compile(r"[\s_\-－—()（）\[\]【】.,，、]+")


class Roster:
    """The round's units with lookups by code and by normalised name."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.units = list(units)
        self.by_code = {u.code: u for u in self.units}
        self._by_name: dict[str, list[Unit]] = {}
        for u in self.units:
            self._by_name.setdefault(squash(u.name), []).append(u)

    def named(self, text: str) -> Unit | None:
        found = self._by_name.get(squash(text), [])
        return found[0] if len(found) == 1 else None


#: The one attribution that makes a file a unit's submission.
TRUSTED = "identity"
#: The identity names the unit, but there was no key to verify it: a collect with the key checks it again.
UNVERIFIED = "unverified"
#: The identity failed the bureau's signature (forged, unsigned, unknown key, a path for a template).
FORGED = "forged"
#: A verified identity, but of another template, year or unit than the round's (or the link's).
MISMATCH = "mismatch"
#: What the reader says when the identity names another template, year or unit than expected.
MISMATCH_CODES = frozenset({"E-WRONG-TEMPLATE", "E-WRONG-YEAR", "E-WRONG-UNIT"})


def attribute(report: Report, file_name: str, roster: Roster, expect: Expect | None = None) -> Attribution:
    """The unit of a checked file: the one its verified identity names when that matches `expect` (the
    round's or the link's template, year and unit), else none, with the unit it seems to be as a claim."""
    codes = {f.code for f in report.findings}
    code = report.unit_code
    if code and not codes & IDENTITY_FAILED:
        name = report.unit_name or (roster.by_code[code].name if code in roster.by_code else None)
        if IDENTITY_UNVERIFIED in codes:
            return Attribution(None, None, UNVERIFIED, code)
        if codes & MISMATCH_CODES or _differs(report, expect):
            return Attribution(None, None, MISMATCH, code)
        return Attribution(code, name, TRUSTED)
    if code:
        return Attribution(None, None, FORGED, code)
    if codes & IDENTITY_FAILED:  # an identity that names no unit and fails: whatever else it claims, same hand
        return UNIDENTIFIED
    by_data = {u.code: u for v in _strings(report.data) if (u := roster.named(v)) is not None}
    if len(by_data) == 1:
        return Attribution(None, None, "roster-name", next(iter(by_data)))
    if by_data:
        return UNIDENTIFIED
    u = _from_file_name(file_name, roster)
    return Attribution(None, None, "file-name", u.code) if u is not None else UNIDENTIFIED


def _differs(report: Report, expect: Expect | None) -> bool:
    """Whether the report names another template, year or unit than `expect` (the reader says so with
    MISMATCH_CODES when it was given the same expectation; this holds also when it was not)."""
    if expect is None:
        return False
    return ((expect.template is not None and not is_path(expect.template) and report.template != expect.template)
            or (expect.year is not None and report.year != expect.year)
            or (expect.unit_code is not None and report.unit_code != expect.unit_code))


#: A clerk's words for why a file cannot be handed in, by what is wrong with it.
_REASON = {
    "unreadable": "文件无法读取或不是下发的 Excel 表格（.xlsx），请用 Excel/WPS 打开本单位下发的表格，填好后保存再报送。",
    "failed": "检查未完成（本站读取该文件时出错），请重新上传；仍不成功请联系财政局。",
    FORGED: "此表无法核验，请联系财政局。",
    UNVERIFIED: "此表无法核验，请联系财政局。",
    "no-identity": "这不是财政局下发的表格（缺少表格标识），请下载本单位的表格填报后再报送。",
    "E-WRONG-UNIT": "上传的表格属于其他单位，请上传本单位的表格。",
    "E-WRONG-YEAR": "年度不符：这是 {found} 年度的表格，请使用本年度下发的表格。",
    "E-WRONG-TEMPLATE": "表格类型不符：这不是本次下发的表格，请下载本单位的表格填报后再报送。",
    "E-WRONG-VERSION": "财政局已更新本表格，请下载新版表格重新填报（已填内容可复制到新表的相同位置）后再报送。",
    "not-installed": "本站暂时无法读取这份表格，未报送。请联系财政局。",
}


def refusal(report: Report, expect: Expect) -> str | None:
    """None when the checked file may be handed in for the unit, template and year of `expect` (a link's);
    else the reason, in words a township clerk understands (no codes, key ids or template ids)."""
    if any(f.kind == "reader" for f in report.findings):
        return _REASON["failed"]
    if judge(f.code for f in report.findings).unreadable:
        return _REASON["unreadable"]
    who = attribute(report, report.file, Roster(()), expect)
    if who.source == TRUSTED and who.code == expect.unit_code:
        # this unit's form of this round, but not read with its template: stored, it would be a 不通过 the
        # clerk cannot leave by fixing a cell
        codes = {f.code for f in report.findings}
        if "E-WRONG-VERSION" in codes:
            return _REASON["E-WRONG-VERSION"]
        if codes & {"E-TEMPLATE-NOT-INSTALLED", "E-UNKNOWN-TEMPLATE"}:
            return _REASON["not-installed"]
        return None
    if who.source in (FORGED, UNVERIFIED):
        return _REASON[who.source]
    wrong: list[tuple[str, object]] = [(f.code, f.found) for f in report.findings if f.code in MISMATCH_CODES]
    if who.source == MISMATCH and not wrong:  # the reader was not told; say what differs all the same
        wrong = _mismatches(report, expect)
    if wrong:
        return "".join(dict.fromkeys(_REASON[code].format(found=found or "") for code, found in wrong))
    return _REASON["no-identity"]


def _mismatches(report: Report, expect: Expect) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    if expect.unit_code is not None and report.unit_code != expect.unit_code:
        out.append(("E-WRONG-UNIT", report.unit_code))
    if expect.year is not None and report.year != expect.year:
        out.append(("E-WRONG-YEAR", report.year))
    if expect.template is not None and not is_path(expect.template) and report.template != expect.template:
        out.append(("E-WRONG-TEMPLATE", report.template))
    return out


def _strings(data: object) -> Iterator[str]:
    """Every short text value of the form's fields (not table rows: a unit name there is content)."""
    if isinstance(data, dict):
        for v in data.values():
            if isinstance(v, str) and 0 < len(v) <= 200:
                yield v
            elif isinstance(v, list):  # repeated sheets (项目): their own fields
                for item in v:
                    if isinstance(item, dict) and not _is_table_row(item):
                        yield from (x for x in item.values() if isinstance(x, str) and 0 < len(x) <= 200)


def _is_table_row(item: dict[str, Any]) -> bool:
    return not any(isinstance(x, list) for x in item.values())


def _from_file_name(file_name: str, roster: Roster) -> Unit | None:
    stem = PurePosixPath(file_name).stem
    tokens = [t for t in _TOKENS.split(stem) if t]
    hits = {roster.by_code[t].code: roster.by_code[t] for t in tokens if t in roster.by_code}
    if not hits:
        squashed = squash(stem)
        hits = {u.code: u for u in roster.units if len(squash(u.name)) >= 2 and squash(u.name) in squashed}
    return next(iter(hits.values())) if len(hits) == 1 else None
