"""A unit's hand-in through its link (the web desk's 正式报送): refused, stored, or made current again.

A file that cannot be this unit's return for this round (unreadable, another unit's, another year's or form's,
a failed signature) is refused: nothing is stored and nothing becomes current, so a mistake cannot trap the
unit in 不通过. Duplicates are per unit: the same bytes handed in again by the same unit make that stored file
current again (the clerk's way back after a wrong file); the same bytes stored for another unit are refused
with a reason, never answered with "already handed in".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from ..checking.job import Job
from ..findings.report import Report
from ..reader.identify import Expect
from . import attribution
from .attribution import Attribution, Roster
from .collect import store_checked
from .store import mark_current
from .tables import submissions

Outcome = Literal["stored", "again", "refused"]


@dataclass(frozen=True, slots=True)
class HandIn:
    """What 正式报送 did: stored (a new record), again (the same bytes, already this unit's record, now current
    again), or refused (`reason` says why, in the clerk's words)."""

    outcome: Outcome
    submission_id: int | None = None
    current: bool = False  # the record is the unit's current submission now
    reason: str = ""


_SIGNATURE = "此表无法核验，请联系财政局。"
_UNREADABLE = "文件无法读取或不是下发的 Excel 表格（.xlsx），请用 Excel/WPS 打开本单位下发的表格，填好后保存再报送。"


def _fallback_refusal(report: Report, expect: Expect) -> str | None:
    """Until trust's attribution.refusal lands: None when the file may be handed in for this unit and round."""
    codes = {f.code for f in report.findings}
    if any(f.kind == "reader" for f in report.findings):
        return "检查未完成（本站读取该文件时出错），请重新上传；仍不成功请联系财政局。"
    if report.judgement.unreadable:
        return _UNREADABLE
    if codes & {"E-IDENTITY-FORGED", "E-IDENTITY-UNSIGNED", "E-IDENTITY-KEY-UNKNOWN", "E-IDENTITY-TEMPLATE"}:
        return _SIGNATURE
    if "E-WRONG-UNIT" in codes:
        return "上传的表格属于其他单位，请上传本单位的表格。"
    if "E-WRONG-YEAR" in codes:
        return f"年度不符：这不是 {expect.year} 年度的表格，请使用本年度下发的表格。" if expect.year else \
            "年度不符：请使用本年度下发的表格。"
    if codes & {"E-WRONG-TEMPLATE", "E-UNKNOWN-TEMPLATE", "E-WRONG-VERSION"}:
        return "表格类型不符：这不是本次下发的表格，请下载本单位的表格填报后再报送。"
    return None


#: trust's round/attribution.refusal when it is there (None: may be handed in; else the clerk's reason)
refusal: Callable[[Report, Expect], str | None] = getattr(attribution, "refusal", _fallback_refusal)

#: The link names the unit: a file whose identity sheet names none is not attributed from the roster.
_NO_ROSTER = Roster(())


def hand_in(conn: sa.Connection, job: Job, report: Report, unit: Attribution, now: datetime) -> HandIn:
    """正式报送 of a checked file by the unit its link opens, on a connection from write_connection."""
    why = refusal(report, job.expect)
    if why is not None:
        return HandIn("refused", reason=why)
    again = _again(conn, job, unit)
    if again is not None:
        return again
    _, stored = store_checked(conn, job, report, _NO_ROSTER, now, unit=unit)
    if stored is None:  # stored meanwhile (another process): the same bytes again
        return _again(conn, job, unit) or HandIn("refused", reason=_ELSEWHERE)
    return HandIn("stored", stored.id, stored.current)


_ELSEWHERE = "财政局已收录过内容完全相同的文件，但不在本单位名下。请联系财政局核对。"


def _again(conn: sa.Connection, job: Job, unit: Attribution) -> HandIn | None:
    """The same bytes stored before: this unit's record made current again; refused when it is not its."""
    s = submissions.c
    with conn.begin():
        row = conn.execute(sa.select(s.id, s.unit_code).where(s.sha256 == job.sha256)).first()
        if row is None:
            return None
        if unit.code is None or row.unit_code != unit.code:
            return HandIn("refused", reason=_ELSEWHERE)
        # the newest trusted file is current (store.py): handing it in again makes it the newest
        conn.execute(sa.update(submissions).where(s.id == row.id).values(file_mtime=job.mtime))
        mark_current(conn, unit.code)
        current = bool(conn.execute(sa.select(s.is_current).where(s.id == row.id)).scalar())
    return HandIn("again", int(row.id), current)
