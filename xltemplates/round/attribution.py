"""Which unit a returned file belongs to.

In order of trust: the identity sheet the writer hid in the workbook, its signature verified with the
bureau's key (``identity``); the same without a key to verify it (``unverified``); else a roster
unit whose name appears as a value in the extracted data, e.g. 部门单位名称 (``roster-name``); else a roster
unit whose code or name appears in the file name, as ``generate --roster`` names files and clerks often
keep (``file-name``). Only an unambiguous match counts: two candidates means unidentified, stored
without a unit for the bureau to sort out, never guessed. An identity that fails its signature (forged,
unsigned, signed by an unknown key) attributes the file to no unit at all: whatever else it claims was
written by the same hand.

Only ``identity`` is trusted: a unit's current submission is its newest trusted one, and a file attributed
any other way becomes current only while the unit has no submission at all (store.py): an unverified file
never replaces a unit's current submission, it waits for the bureau (``status``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..matching import squash
from ..reader.verify import IDENTITY_FAILED, IDENTITY_UNVERIFIED
from ..report import Report
from ..unit_files import Unit


@dataclass(frozen=True, slots=True)
class Attribution:
    code: str | None
    name: str | None
    source: str | None  # "identity" | "unverified" | "roster-name" | "file-name" | None (unidentified)


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


#: The one attribution a unit's current submission is chosen by before any other (store.py).
TRUSTED = "identity"
#: The identity names the unit, but there was no key to verify it: a collect with the key checks it again.
UNVERIFIED = "unverified"


def attribute(report: Report, file_name: str, roster: Roster) -> Attribution:
    """The unit of a checked file."""
    codes = {f.code for f in report.findings}
    if codes & IDENTITY_FAILED:
        return UNIDENTIFIED
    code = report.unit_code
    if code:
        name = report.unit_name or (roster.by_code[code].name if code in roster.by_code else None)
        return Attribution(code, name, UNVERIFIED if IDENTITY_UNVERIFIED in codes else TRUSTED)
    by_data = {u.code: u for v in _strings(report.data) if (u := roster.named(v)) is not None}
    if len(by_data) == 1:
        u = next(iter(by_data.values()))
        return Attribution(u.code, u.name, "roster-name")
    if by_data:
        return UNIDENTIFIED
    u = _from_file_name(file_name, roster)
    return Attribution(u.code, u.name, "file-name") if u is not None else UNIDENTIFIED


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
