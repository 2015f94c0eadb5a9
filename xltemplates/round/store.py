"""Writing the round database: the roster, and one checked file per transaction.

A file's submission row, its findings and the unit's current flag are written in one transaction: a run
killed at any instant leaves each file either fully stored or not at all, and the next run, which skips
the hashes already stored, picks up exactly where it stopped.

One current row per unit, whoever writes at once (collect beside the desk, several desk processes): the
transaction first takes the unit's lock (PostgreSQL: a transaction-level advisory lock on the unit's code;
SQLite: the database's one write lock, taken at BEGIN IMMEDIATE), so the unit's current row is chosen by
one writer at a time over everything committed before; a unique partial index (schema version 4) holds
the rule in the database itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..findings.judgement import Judgement, judge
from ..findings.report import Finding
from ..unit_files import Unit
from .annotated import annotated_name
from .attribution import UNVERIFIED
from .db import write_transaction
from .tables import findings, originals, submissions, units


@dataclass(slots=True)
class Record:
    """A checked file as it is stored."""

    file_name: str
    sha256: str
    file_mtime: float
    received_at: datetime
    unit_code: str | None
    unit_name: str | None
    unit_source: str | None
    template: str | None
    version: str | None
    year: int | None
    data: dict[str, Any] | None
    findings: list[Finding] = field(default_factory=list)
    content: bytes | None = None  # the file's bytes, kept for download (None: the file could not be read)
    claimed_unit: str | None = None  # the unit a file stored without one seems to be (attribution.py)

    @property
    def judgement(self) -> Judgement:
        return judge(f.code for f in self.findings)

    def storable(self) -> Record:
        """The record with every NUL character shown as U+FFFD: PostgreSQL refuses NUL in text and JSONB,
        and a cell's ``_x0000_`` escape can put one in any value, message or name. Done on every backend,
        so SQLite and PostgreSQL hold the same."""
        findings = [replace(f, **{x.name: _no_nul(getattr(f, x.name)) for x in fields(f)}) for f in self.findings]
        out = replace(self, **{x.name: _no_nul(getattr(self, x.name)) for x in fields(self)
                               if x.name not in ("findings", "content")})
        out.findings = findings
        return out


def _no_nul(v: Any) -> Any:
    if isinstance(v, str):
        return v.replace("\x00", "\ufffd")
    if isinstance(v, list):
        return [_no_nul(x) for x in v]
    if isinstance(v, dict):
        return {_no_nul(k): _no_nul(x) for k, x in v.items()}
    return v


def save_roster(engine: sa.Engine, roster: Sequence[Unit]) -> None:
    """Replace the stored roster (the units the round expects) with `roster`, in its order."""
    with write_transaction(engine) as conn:
        conn.execute(sa.delete(units))
        if roster:
            conn.execute(sa.insert(units), [{"code": u.code, "name": u.name, "position": i,
                                             "grp": u.group or None, "contact": u.contact or None}
                                            for i, u in enumerate(roster)])


def load_roster(conn: sa.Connection) -> list[Unit]:
    rows = conn.execute(sa.select(units.c.code, units.c.name, units.c.grp, units.c.contact)
                        .order_by(units.c.position)).all()
    return [Unit(r.code, r.name, r.grp or "", r.contact or "") for r in rows]


def known_hashes(conn: sa.Connection) -> set[str]:
    return set(conn.execute(sa.select(submissions.c.sha256)).scalars())


def stored_with_codes(conn: sa.Connection, codes: Collection[str]) -> set[str]:
    """Hashes of stored unreadable files with a finding of one of `codes` (e.g. the reader failed on them)."""
    s, f = submissions.c, findings.c
    q = (sa.select(s.sha256).join(findings, f.submission_id == s.id)
         .where(s.verdict == "unreadable", f.code.in_(sorted(codes))))
    return set(conn.execute(q).scalars())


def unverified(conn: sa.Connection) -> set[str]:
    """Hashes of stored files whose identity named their unit without a key to verify it (a run with the key
    reads them again: verified, they count as the unit's; forged, they lose the unit)."""
    return set(conn.execute(sa.select(submissions.c.sha256).where(submissions.c.unit_source == UNVERIFIED)).scalars())


def rejected_current(conn: sa.Connection) -> dict[str, str]:
    """sha256 -> annotated file name, for each current submission that is rejected (not unreadable)."""
    s = submissions.c
    q = sa.select(s.sha256, s.unit_code, s.unit_name, s.template, s.file_name).where(
        s.verdict == "rejected", sa.or_(s.is_current.is_(True), s.unit_code.is_(None)))
    return {r.sha256: annotated_name(r.unit_code, r.unit_name, r.template, r.file_name) for r in conn.execute(q)}


def still_rejected_current(conn: sa.Connection, sha256: str) -> bool:
    """Whether the stored file is (still, after this run's newer files) a current rejected submission."""
    s = submissions.c
    with conn.begin():
        row = conn.execute(sa.select(s.verdict, s.is_current, s.unit_code).where(s.sha256 == sha256)).first()
    return row is not None and row.verdict == "rejected" and (bool(row.is_current) or row.unit_code is None)


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    current: bool  # the unit's current submission now (False for a file without a unit)


def store(conn: sa.Connection, rec: Record, replace: bool = False) -> Stored | None:
    """Store one checked file in its own transaction on `conn` (a connection from write_connection);
    None when the same file is already stored (imported before, or meanwhile by a parallel run).
    `replace`: the stored row for this file (an .xls read again with --convert, an unverified file read again
    with the key) is replaced in the same transaction, so the file is never missing from the database."""
    rec = rec.storable()
    j = rec.judgement
    try:
        with conn.begin():
            was = None
            if replace:
                was = conn.execute(sa.select(submissions.c.unit_code).where(submissions.c.sha256 == rec.sha256)).scalar()
                old = sa.select(submissions.c.id).where(submissions.c.sha256 == rec.sha256).scalar_subquery()
                conn.execute(sa.delete(findings).where(findings.c.submission_id == old))
                conn.execute(sa.delete(originals).where(originals.c.submission_id == old))
                conn.execute(sa.delete(submissions).where(submissions.c.sha256 == rec.sha256))
            for unit in sorted({u for u in (was, rec.unit_code) if u is not None}):
                lock_unit(conn, unit)
            sid = conn.execute(_INSERT_SUBMISSION, {
                "unit_code": rec.unit_code, "unit_name": rec.unit_name, "unit_source": rec.unit_source,
                "claimed_unit": rec.claimed_unit,
                "template": rec.template, "version": rec.version, "year": rec.year, "file_name": rec.file_name,
                "sha256": rec.sha256, "file_mtime": rec.file_mtime, "received_at": rec.received_at,
                "verdict": j.verdict, "n_errors": j.n_errors, "n_warnings": j.n_warnings, "data": rec.data,
                "is_current": False,
            }).scalar_one()
            if rec.findings:
                conn.execute(_INSERT_FINDING, [{"submission_id": sid, "seq": i, **f.to_json()}
                                               for i, f in enumerate(rec.findings)])
            if rec.content is not None:
                conn.execute(_INSERT_ORIGINAL, {"submission_id": sid, "content": rec.content})
            current = False
            if was is not None and was != rec.unit_code:  # read again and found not to be that unit's
                mark_current(conn, was)
            if rec.unit_code is not None:
                mark_current(conn, rec.unit_code)
                current = bool(conn.execute(_IS_CURRENT, {"sid": sid}).scalar())
            return Stored(int(sid), current)
    except sa.exc.IntegrityError:  # the unique sha256: stored before, or by another collect meanwhile
        return None


def lock_unit(conn: sa.Connection, unit_code: str) -> None:
    """Hold the unit's write lock until the transaction ends (PostgreSQL: an advisory lock keyed by the code;
    SQLite: every write transaction already holds the database's one write lock)."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(b"unit\0" + unit_code.encode()).digest()[:8], "big", signed=True)
        conn.execute(_LOCK_UNIT, {"key": key})


def mark_current(conn: sa.Connection, unit_code: str) -> None:
    """Make the unit's newest stored file its current one (also after the web desk made a stored file the
    newest again): latest file time, ties broken by import order. Every file stored with a unit was verified as
    that unit's (attribution.py). Under the unit's lock (taken here too: it is held once per transaction, so
    taking it again is free); cleared first, then set: the unique index is checked row by row."""
    lock_unit(conn, unit_code)
    conn.execute(_CLEAR_CURRENT, {"unit": unit_code})
    conn.execute(_SET_CURRENT, {"unit": unit_code})


_S, _NEWER = submissions.c, submissions.alias("newest")
_BEST = (sa.select(_NEWER.c.id).where(_NEWER.c.unit_code == sa.bindparam("unit"))
         .order_by(_NEWER.c.file_mtime.desc(), _NEWER.c.id.desc()).limit(1).scalar_subquery())
_CLEAR_CURRENT = (sa.update(submissions).where(_S.unit_code == sa.bindparam("unit"), _S.is_current.is_(True),
                                               _S.id != _BEST).values(is_current=False))
_SET_CURRENT = (sa.update(submissions).where(_S.unit_code == sa.bindparam("unit"), _S.is_current.is_(False),
                                             _S.id == _BEST).values(is_current=True))
_LOCK_UNIT = sa.text("SELECT pg_advisory_xact_lock(:key)")
# built once: a statement object keeps its compiled form's cache key, so storing a file builds no SQL
_INSERT_SUBMISSION = sa.insert(submissions).returning(submissions.c.id)
_INSERT_FINDING = sa.insert(findings)
_INSERT_ORIGINAL = sa.insert(originals)
_IS_CURRENT = sa.select(submissions.c.is_current).where(submissions.c.id == sa.bindparam("sid"))

