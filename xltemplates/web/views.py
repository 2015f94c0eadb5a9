"""Rows of the round database as the pages show them (times in China Standard Time, verdicts in words)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from ..catalogue.registry import registered_template
from ..errors import XltError
from ..findings.judgement import standing
from ..writer.generate import make_context

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CST = timezone(timedelta(hours=8), "CST")


def local_time(t: datetime | str | None) -> str:
    """2026-03-01 14:05 (Beijing time) from a datetime or an ISO text; SQLite hands back UTC without its zone."""
    if not t:
        return ""
    if isinstance(t, str):
        t = datetime.fromisoformat(t)
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(CST).strftime("%Y-%m-%d %H:%M")


def history_view(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """A unit's stored files, newest first, with their verdict."""
    return [{"id": r.id, "file": r.file_name, "received": local_time(r.received_at), "current": bool(r.is_current),
             "judged": standing(r.verdict, r.n_errors, r.n_warnings), "source": r.unit_source or ""}
            for r in rows]


@lru_cache(maxsize=64)
def form_title(template: str | None, year: int | None = None) -> str:
    """The form's name as the clerk knows it (the template's title), e.g. 部门（单位）整体绩效目标申报表."""
    if template is None:
        return "申报表"
    try:
        return registered_template(template, make_context(year or 2000, None, None, {})).title
    except XltError:
        return "申报表"
