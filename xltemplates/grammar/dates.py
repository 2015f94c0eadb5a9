"""Dates as forms write them: Excel date serials and the text forms clerks type (20250101, 2025-01-01,
2025/1/1, 2025.1.1, 2025年1月1日). A date is carried as its ISO text (2025-01-01) in the data.

Only whole dates: 2025.12 (a year and a month, or a number) and 2025年12月 are not dates, because a 项目起止时间
needs a day to be ordered against another one.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

#: Excel's largest date (9999-12-31) as a serial; serials below 1 are times of day, not dates.
MAX_SERIAL = 2958465
_EPOCH_1900 = datetime.date(1899, 12, 30)
_EPOCH_1904 = datetime.date(1904, 1, 1)

_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
_SEPARATED = re.compile(r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})")
_CHINESE = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")
_TIME_TAIL = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def from_serial(serial: float, date1904: bool = False) -> datetime.date | None:
    """The date an Excel serial number stands for (its time of day dropped); None outside Excel's dates."""
    if serial != serial or not 1 <= serial <= MAX_SERIAL:
        return None
    base = _EPOCH_1904 if date1904 else _EPOCH_1900
    try:
        return base + datetime.timedelta(days=int(serial))
    except OverflowError:
        return None


def to_serial(d: datetime.date) -> int:
    """The Excel (1900 system) serial number of a date."""
    return (d - _EPOCH_1900).days


def parse_date_text(text: str) -> datetime.date | None:
    """A date typed as text in one of the forms above (full-width digits accepted); None for anything else."""
    s = unicodedata.normalize("NFKC", text).strip()
    for pattern in (_COMPACT, _SEPARATED, _CHINESE):
        m = pattern.fullmatch(s) or _with_time(pattern, s)
        if m is not None:
            try:
                return datetime.date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                return None
    return None


def _with_time(pattern: re.Pattern[str], s: str) -> re.Match[str] | None:
    """2025-01-01 00:00:00 (how some clients show a date cell as text): the date part, when a time follows."""
    m = pattern.match(s)
    if m is None or m.end() == len(s) or pattern is _COMPACT:
        return None
    return m if _TIME_TAIL.fullmatch(s[m.end():]) else None


def parse_date(value: object, date1904: bool = False, serial: bool = True) -> datetime.date | None:
    """A date from what a cell or a template holds: a date, an 8-digit yyyymmdd number, an Excel serial
    number (unless `serial` is False: a returned cell's number is a serial only where its format shows a
    date, else 2025 typed in a cell would be a day in 1905), or text in one of the accepted forms; None when
    it is not a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if float(value).is_integer() and 10_000_000 <= value <= 99_991_231:
            return parse_date_text(str(int(value)))  # 20250101 typed into a date cell is stored as that number
        return from_serial(value, date1904) if serial else None
    if isinstance(value, str):
        return parse_date_text(value)
    return None


def date_text(d: datetime.date) -> str:
    """The ISO text a date is carried as in the data (2025-01-01)."""
    return d.isoformat()
