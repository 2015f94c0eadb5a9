"""The bureau's review of a unit's return, recorded with who, when and why: 退回修改, 审核通过, notes.

A review is about the unit's current file of the moment (its record id is kept): 退回修改 (returned) sends it
back with a reason the unit's page shows; 审核通过 (approved) accepts it by hand, also over a 不通过 verdict; a
note changes nothing. The unit's state (judgement.standing) follows the newest return/approve of its current
file: a new file handed in after a 退回 is judged afresh. Every action stays in the unit's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

import sqlalchemy as sa

from ..findings.judgement import Review
from .db import write_transaction
from .tables import reviews, submissions

Action = Literal["returned", "approved", "note"]
ACTIONS: tuple[Action, ...] = get_args(Action)
#: What each action is called where the bureau and the unit read it.
ACTION_LABEL: dict[Action, str] = {"returned": "退回修改", "approved": "审核通过", "note": "备注"}


@dataclass(frozen=True, slots=True)
class Reviewed:
    """The bureau's standing review of a unit's current file."""

    action: Review
    reason: str
    user: str
    at: datetime
    submission_id: int


def add_review(engine: sa.Engine, unit_code: str, action: Action, reason: str, user: str) -> int | None:
    """Record the action about the unit's current file (None for return/approve when it has none)."""
    s = submissions.c
    with write_transaction(engine) as conn:
        current = conn.execute(sa.select(s.id).where(s.unit_code == unit_code, s.is_current.is_(True))).scalar()
        if current is None and action != "note":
            return None
        rid = conn.execute(sa.insert(reviews).returning(reviews.c.id).values(
            unit_code=unit_code, submission_id=current, action=action, reason=reason, user_name=user,
            at=datetime.now(UTC))).scalar_one()
    return int(rid)


def standing_reviews(conn: sa.Connection) -> dict[str, Reviewed]:
    """unit code -> the newest 退回/审核通过 of its current file, for units whose current file has one."""
    r, s = reviews.c, submissions.c
    q = (sa.select(r.unit_code, r.action, r.reason, r.user_name, r.at, r.submission_id)
         .join(submissions, sa.and_(s.id == r.submission_id, s.is_current.is_(True)))
         .where(r.action.in_(("returned", "approved"))).order_by(r.id))
    return {row.unit_code: Reviewed(row.action, row.reason, row.user_name, row.at, row.submission_id)
            for row in conn.execute(q)}


def history(conn: sa.Connection, unit_code: str) -> list[sa.Row[tuple[object, ...]]]:
    """Every review action about the unit, newest first."""
    return list(conn.execute(sa.select(reviews).where(reviews.c.unit_code == unit_code).order_by(reviews.c.id.desc())))
