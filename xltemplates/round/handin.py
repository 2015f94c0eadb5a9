"""A unit's hand-in through its link (the web desk's 正式报送): refused, stored, or made current again.

A file that cannot be this unit's return for this round (unreadable, another unit's, another year's or form's,
a failed signature) is refused: nothing is stored and nothing becomes current, so a mistake cannot trap the
unit in 不通过. Duplicates are per unit: the same bytes handed in again by the same unit make that stored file
current again (the clerk's way back after a wrong file); the same bytes stored for another unit are refused
with a reason, never answered with "already handed in".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from ..checking.job import Job
from ..findings.report import Report
from .attribution import Attribution, Roster, refusal
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


#: The link names the unit: a file whose identity sheet names none is not attributed from the roster.
_NO_ROSTER = Roster(())


def hand_in(conn: sa.Connection, job: Job, report: Report, unit: Attribution, now: datetime) -> HandIn:
    """正式报送 of a checked file by the unit its link opens, on a connection from write_connection."""
    why = refusal(report, job.expect)  # attribution.py: the file must be this unit's, year's and form's
    if why is not None:
        return HandIn("refused", reason=why)
    again = _again(conn, job, unit)
    if isinstance(again, HandIn):
        return again
    # the same bytes stored without a unit (collect could not verify them, e.g. without the key): now verified
    # as this unit's, the row is replaced by this unit's in one transaction (as collect does when it reads again)
    _, stored = store_checked(conn, job, report, _NO_ROSTER, now, replace=again, unit=unit)
    if stored is None:  # stored meanwhile (another process): the same bytes again
        again = _again(conn, job, unit)
        return again if isinstance(again, HandIn) else HandIn("refused", reason=_ELSEWHERE)
    return HandIn("stored", stored.id, stored.current)


_ELSEWHERE = "财政局已收录过内容完全相同的文件，但不在本单位名下。请联系财政局核对。"


def _again(conn: sa.Connection, job: Job, unit: Attribution) -> HandIn | bool:
    """The same bytes stored before under a unit: this unit's record made current again, refused when it is
    not its. Else whether they are stored without a unit (True: hand_in replaces that row; False: new)."""
    s = submissions.c
    with conn.begin():
        row = conn.execute(_BY_SHA, {"sha": job.sha256}).first()
        if row is None or row.unit_code is None:  # new, or stored without a unit: hand_in stores it now
            return row is not None
        if unit.code is None or row.unit_code != unit.code:
            return HandIn("refused", reason=_ELSEWHERE)
        # the newest trusted file is current (store.py): handing it in again makes it the newest
        conn.execute(sa.update(submissions).where(s.id == row.id).values(file_mtime=job.mtime))
        mark_current(conn, unit.code)
        current = bool(conn.execute(sa.select(s.is_current).where(s.id == row.id)).scalar())
    return HandIn("again", int(row.id), current)


_BY_SHA = sa.select(submissions.c.id, submissions.c.unit_code).where(submissions.c.sha256 == sa.bindparam("sha"))
