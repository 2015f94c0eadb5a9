"""Reading the round database: current submissions, history, findings, what rollover starts from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from .attribution import TRUSTED
from .tables import findings, originals, submissions

S = submissions.c


def current(conn: sa.Connection) -> list[sa.Row[tuple[object, ...]]]:
    """Each identified unit's current submission, by unit code."""
    return list(conn.execute(sa.select(submissions).where(S.is_current.is_(True)).order_by(S.unit_code)))


def unidentified(conn: sa.Connection) -> list[sa.Row[tuple[object, ...]]]:
    """Files stored for no unit (attribution.py), in import order; a claimed unit is in ``claimed_unit``."""
    return list(conn.execute(sa.select(submissions).where(S.unit_code.is_(None)).order_by(S.id)))


def waiting(conn: sa.Connection) -> list[sa.Row[tuple[object, ...]]]:
    """Files that name or seem to be a unit but are not its (attribution.py: unverified, forged, of another
    year or template, or guessed from a name): they wait for the bureau. By claimed unit, in import order;
    each row carries the unit's current file name as ``current_file`` (None when it has none)."""
    cur = submissions.alias("cur")
    q = (sa.select(submissions, cur.c.file_name.label("current_file"))
         .outerjoin(cur, sa.and_(cur.c.unit_code == S.claimed_unit, cur.c.is_current.is_(True)))
         .where(S.unit_code.is_(None), S.claimed_unit.is_not(None)).order_by(S.claimed_unit, S.id))
    return list(conn.execute(q))


def history_counts(conn: sa.Connection) -> dict[str, int]:
    """unit code -> number of files stored for it (the current one included)."""
    q = sa.select(S.unit_code, sa.func.count()).where(S.unit_code.is_not(None)).group_by(S.unit_code)
    return {code: int(n) for code, n in conn.execute(q)}


def findings_of(conn: sa.Connection, ids: Iterable[int]) -> dict[int, list[sa.Row[tuple[object, ...]]]]:
    """submission id -> its findings in report order."""
    wanted = sorted(set(ids))
    out: dict[int, list[sa.Row[tuple[object, ...]]]] = {i: [] for i in wanted}
    for chunk in (wanted[i:i + 500] for i in range(0, len(wanted), 500)):
        for row in conn.execute(_FINDINGS_OF, {"ids": chunk}):
            out[row.submission_id].append(row)
    return out


# built once (the ids expand at run time): a unit's page builds no SQL
_FINDINGS_OF = (sa.select(findings).where(findings.c.submission_id.in_(sa.bindparam("ids", expanding=True)))
                .order_by(findings.c.submission_id, findings.c.seq))


def rollover_basis(conn: sa.Connection, unit_codes: Sequence[str] | None = None) -> dict[str, sa.Row[tuple[object, ...]]]:
    """unit code -> the submission next year starts from: its newest accepted one, else its current one;
    only files verified as the unit's (attribution.py), never a file that merely names or seems to be it."""
    accepted = S.verdict.in_(("accepted", "accepted-warnings"))
    q = sa.select(submissions).where(S.unit_code.is_not(None), S.unit_source == TRUSTED).order_by(
        S.unit_code, accepted.desc(), S.file_mtime.desc(), S.id.desc())
    out: dict[str, sa.Row[tuple[object, ...]]] = {}
    for row in conn.execute(q):
        if row.unit_code not in out and (unit_codes is None or row.unit_code in unit_codes):
            out[row.unit_code] = row
    return out


def unit_history(conn: sa.Connection, unit_code: str) -> list[sa.Row[tuple[object, ...]]]:
    """Every file stored for the unit, newest first (the current one is marked by is_current): the listing
    columns only, not the read data (a unit with many files would decode every file's JSON for one page)."""
    return list(conn.execute(_UNIT_HISTORY, {"unit": unit_code}))


_UNIT_HISTORY = (sa.select(*(c for c in submissions.c if c is not S.data))
                 .where(S.unit_code == sa.bindparam("unit")).order_by(S.id.desc()))


def submission(conn: sa.Connection, submission_id: int) -> sa.Row[tuple[object, ...]] | None:
    return conn.execute(sa.select(submissions).where(S.id == submission_id)).first()


def original(conn: sa.Connection, submission_id: int) -> bytes | None:
    """The stored bytes of a submission (None for a file that could not be read, or stored before schema 3)."""
    q = sa.select(originals.c.content).where(originals.c.submission_id == submission_id)
    content = conn.execute(q).scalar()
    return bytes(content) if content is not None else None
