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
    return {row.unit_code: Reviewed(row.action, row.reason, row.user_name, row.at, row.submission_id)
            for row in conn.execute(_STANDING.order_by(reviews.c.id))}


def standing_review(conn: sa.Connection, unit_code: str) -> Reviewed | None:
    """The newest 退回/审核通过 of one unit's current file (the unit's page: one unit's rows, not the round's)."""
    row = conn.execute(_STANDING_OF, {"unit": unit_code}).first()
    return Reviewed(row.action, row.reason, row.user_name, row.at, row.submission_id) if row is not None else None


_R, _SUB = reviews.c, submissions.c
_STANDING = (sa.select(_R.unit_code, _R.action, _R.reason, _R.user_name, _R.at, _R.submission_id)
             .join(submissions, sa.and_(_SUB.id == _R.submission_id, _SUB.is_current.is_(True)))
             .where(_R.action.in_(("returned", "approved"))))
# built once: a page view builds no SQL
_STANDING_OF = _STANDING.where(_R.unit_code == sa.bindparam("unit")).order_by(_R.id.desc()).limit(1)


def history(conn: sa.Connection, unit_code: str) -> list[sa.Row[tuple[object, ...]]]:
    """Every review action about the unit, newest first."""
    return list(conn.execute(sa.select(reviews).where(reviews.c.unit_code == unit_code).order_by(reviews.c.id.desc())))
