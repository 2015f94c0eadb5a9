"""Rows of the round database as the pages show them (times in China Standard Time, verdicts in words)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ..catalogue.registry import registered_template
from ..errors import XltError
from ..findings.judgement import standing
from ..round.beijing import local_time
from ..writer.generate import make_context

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
