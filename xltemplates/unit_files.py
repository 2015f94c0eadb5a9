"""The round's unit files: the roster CSV, per-unit JSON, the workbooks' file names and manifest.csv.

One home for what a bureau hands in (units.csv, DIR/<单位编码>.json) and what a round hands out (one
workbook per unit, named after it, listed in manifest.csv), used by generate, rollover, collect and the
web desk alike.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .csv_out import csv_bytes
from .errors import DataError
from .fsutil import safe_file_name


@dataclass(frozen=True, slots=True)
class Unit:
    """A reporting unit of the round: 单位编码 and 单位名称 as the roster gives them."""

    code: str
    name: str
    group: str = ""  # 所属乡镇 (or another grouping column of the roster), for progress by group
    contact: str = ""  # 联系人 and 联系电话, for the overdue list


#: Roster columns read as a unit's group and its contact, first found wins (group) or joined (contact).
GROUP_COLUMNS = ("所属乡镇", "乡镇", "所属街道", "分组", "所属单位")
CONTACT_COLUMNS = ("联系人", "联系电话", "电话")


def load_json(path: str | Path) -> object:
    """The JSON document at `path` (UTF-8, BOM allowed); DataError naming the file when it cannot be read."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise DataError([(str(path), f"cannot read: {exc.strerror}")]) from exc
    except json.JSONDecodeError as exc:
        raise DataError([(str(path), f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]) from exc


def read_roster(path: str | Path) -> list[Unit]:
    """Roster CSV with columns 单位编码,单位名称 (UTF-8 with or without BOM, or GB18030 as Excel saves it).

    Raises DataError listing every bad line (empty code or name, a repeated code).
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DataError([(str(path), f"cannot read: {exc.strerror}")]) from exc
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataError([(str(path), "not UTF-8 or GB18030 text")])
    # the csv module reads the records: a name may hold a quoted line break, and U+2028 or a form feed is a
    # character of a name, not a line end (str.splitlines() broke records at both); newline="" as csv asks
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    if "单位编码" not in columns or "单位名称" not in columns:
        found = ",".join(columns)
        raise DataError([(str(path), f"the roster needs the columns 单位编码,单位名称 (found: {found})")])
    reader.fieldnames = columns
    rows = []
    first_line = reader.line_num + 1
    for r in reader:  # each record with the line it starts on (a quoted line break makes a record span lines)
        rows.append((first_line, r))
        first_line = reader.line_num + 1
    if not rows:
        raise DataError([(str(path), "the roster lists no units")])
    problems: list[tuple[str, str]] = []
    units: list[Unit] = []
    seen: dict[str, int] = {}
    for i, r in rows:
        code, name = (r.get("单位编码") or "").strip(), (r.get("单位名称") or "").strip()
        if not code or not name:
            problems.append((f"{path}:{i}", "单位编码 and 单位名称 must not be empty"))
        elif code in seen:
            problems.append((f"{path}:{i}", f"单位编码 {code} repeats line {seen[code]}"))
        else:
            seen[code] = i
            group = next((v for c in GROUP_COLUMNS if (v := (r.get(c) or "").strip())), "")
            contact = " ".join(v for c in CONTACT_COLUMNS if (v := (r.get(c) or "").strip()))
            units.append(Unit(code, name, group, contact))
    if problems:
        raise DataError(problems)
    return units


def unit_filename(unit: Unit, template_id: str, suffix: str = ".xlsx") -> str:
    """<单位编码>_<单位名称>_<模板><suffix>: how a unit's workbook is named (clerks keep it; collect reads it
    back), safe and bounded on every file system (fsutil.safe_file_name)."""
    return safe_file_name(f"{unit.code}_{unit.name}_{template_id}", suffix)


def manifest_bytes(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """manifest.csv as Excel opens it (UTF-8 with BOM): a header line, then one line per unit, through the one
    CSV writer (csv_out.py), so a unit name or a file name that reads as a formula stays text."""
    return csv_bytes(columns, rows, line_end="\n")
