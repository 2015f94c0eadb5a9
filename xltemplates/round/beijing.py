"""Times as the round's people read them: Beijing time (China Standard Time, UTC+8, no daylight saving).

The database stores UTC (SQLite hands it back without its zone); every page, the status JSON and the export
show it here, so 收到时间 reads the same on the desk, in `status` and in the summary workbook.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "CST")


def beijing(t: datetime | str | None) -> datetime | None:
    """The time in Beijing; a datetime without a zone (or an ISO text without one) is taken as UTC."""
    if not t:
        return None
    if isinstance(t, str):
        t = datetime.fromisoformat(t)
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(BEIJING)


def beijing_iso(t: datetime | str | None) -> str | None:
    """2026-03-01T14:05:00+08:00"""
    b = beijing(t)
    return b.isoformat(timespec="seconds") if b is not None else None


def local_time(t: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """2026-03-01 14:05 (Beijing time), "" for no time."""
    b = beijing(t)
    return b.strftime(fmt) if b is not None else ""
