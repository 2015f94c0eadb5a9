"""What the bureau tells its units on the desk: the deadline and whom to call, kept in round_settings; and
each unit's issued workbook (table ``issued``), so the unit's page can offer it again.

Set on the bureau's 本轮设置 page (web/review_pages.py); shown on every unit's page, the status page (with the
units overdue once the deadline has passed) and the 回执.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from .beijing import beijing
from .db import write_transaction
from .settings import get_setting
from .tables import issued, round_settings

DEADLINE = "desk.deadline"  # YYYY-MM-DD, the last day (Beijing time)
CONTACT = "desk.contact"  # e.g. 绩效科 王科长 0737-1234567
LINK_BASE = "desk.link_base"  # where units reach the desk (generate --link-base): new links start with it


@dataclass(frozen=True, slots=True)
class DeskSettings:
    deadline: str = ""
    contact: str = ""

    def overdue(self, now: datetime | None = None) -> bool:
        """Whether the deadline's day has ended in Beijing."""
        if not self.deadline:
            return False
        today = beijing(now or datetime.now(UTC))
        return today is not None and today.date() > date.fromisoformat(self.deadline)


def desk_settings(conn: sa.Connection) -> DeskSettings:
    got = {r.name: r.value for r in conn.execute(_DESK_SETTINGS)}  # one query: every unit's page reads them
    return DeskSettings(got.get(DEADLINE) or "", got.get(CONTACT) or "")


_DESK_SETTINGS = sa.select(round_settings.c.name, round_settings.c.value).where(
    round_settings.c.name.in_((DEADLINE, CONTACT)))


def save_desk_settings(engine: sa.Engine, settings: DeskSettings) -> None:
    """Replace the deadline and contact (an empty value removes it)."""
    with write_transaction(engine) as conn:
        for name, value in ((DEADLINE, settings.deadline), (CONTACT, settings.contact)):
            conn.execute(sa.delete(round_settings).where(round_settings.c.name == name))
            if value:
                conn.execute(sa.insert(round_settings).values(name=name, value=value))


def save_link_base(engine: sa.Engine, base: str) -> None:
    with write_transaction(engine) as conn:
        conn.execute(sa.delete(round_settings).where(round_settings.c.name == LINK_BASE))
        conn.execute(sa.insert(round_settings).values(name=LINK_BASE, value=base))


def link_base(conn: sa.Connection) -> str | None:
    """The address the round's links were issued under (None: not recorded)."""
    return get_setting(conn, LINK_BASE)


def store_issued(engine: sa.Engine, workbooks: Iterable[tuple[str, str, bytes]]) -> None:
    """Keep each unit's issued workbook (unit code, file name, bytes), replacing an older one."""
    now = datetime.now(UTC)
    with write_transaction(engine) as conn:
        for code, name, content in workbooks:
            conn.execute(sa.delete(issued).where(issued.c.unit_code == code))
            conn.execute(sa.insert(issued).values(unit_code=code, file_name=name, content=content, issued_at=now))


def issued_workbook(conn: sa.Connection, unit_code: str) -> tuple[str, bytes] | None:
    row = conn.execute(sa.select(issued.c.file_name, issued.c.content).where(issued.c.unit_code == unit_code)).first()
    return (row.file_name, bytes(row.content)) if row is not None else None


def has_issued(conn: sa.Connection, unit_code: str) -> bool:
    return conn.execute(_HAS_ISSUED, {"unit": unit_code}).first() is not None


_HAS_ISSUED = sa.select(issued.c.unit_code).where(issued.c.unit_code == sa.bindparam("unit"))
