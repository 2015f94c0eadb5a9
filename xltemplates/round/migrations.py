"""Schema migrations: an ordered list of steps, applied at open in one transaction.

The database records its version in ``schema_version`` (one row). Opening it runs every step whose
number is above that version, in order, inside a single transaction together with the version update,
so a database is always at exactly one version: a crash or an error mid-upgrade rolls everything back
(SQLite and PostgreSQL both have transactional DDL; see db.py for how SQLite is made to use it).

Rules for adding a step: append, never edit or reorder a released one; write its DDL so it runs on
SQLite and PostgreSQL alike (plain ``ALTER TABLE ... ADD COLUMN``, ``CREATE INDEX``); change
:mod:`.tables` to the resulting schema in the same commit (tests/test_round_db.py compares them).
A step's tables are spelt out inside the step, frozen, never imported from tables.py, which moves on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from .errors import RoundError


@dataclass(frozen=True, slots=True)
class Step:
    version: int
    description: str
    apply: Callable[[sa.Connection], None]


def _v1_initial(conn: sa.Connection) -> None:
    md = sa.MetaData()
    sa.Table("schema_version", md, sa.Column("version", sa.Integer, nullable=False))
    sa.Table(
        "units", md,
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    sa.Table(
        "submissions", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_code", sa.String(64), nullable=True, index=True),
        sa.Column("unit_name", sa.Text, nullable=True),
        sa.Column("template", sa.String(64), nullable=True),
        sa.Column("version", sa.String(32), nullable=True),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("file_mtime", sa.Float, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(24), nullable=False),
        sa.Column("n_errors", sa.Integer, nullable=False),
        sa.Column("n_warnings", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True),
        sa.Column("is_current", sa.Boolean, nullable=False),
    )
    sa.Table(
        "findings", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("sheet", sa.Text, nullable=True),
        sa.Column("cell", sa.String(16), nullable=True),
        sa.Column("expected", sa.Text, nullable=True),
        sa.Column("found", sa.Text, nullable=True),
        sa.Column("message", sa.Text, nullable=False),
    )
    md.create_all(conn)


def _v2_unit_source(conn: sa.Connection) -> None:
    # How a submission's unit was determined (identity sheet, roster name found in the data, file name):
    # a bureau must be able to see which attributions were guesses. NULL for rows imported before.
    conn.execute(sa.text("ALTER TABLE submissions ADD COLUMN unit_source VARCHAR(16)"))
    conn.execute(sa.text("UPDATE submissions SET unit_source = 'identity' WHERE unit_code IS NOT NULL"))
    # status and export look up each unit's current submission
    conn.execute(sa.text("CREATE INDEX ix_submissions_unit_current ON submissions (unit_code, is_current)"))


def _v3_web_desk(conn: sa.Connection) -> None:
    # The web desk (xltemplates serve): each unit's link token, kept only as its SHA-256; the bytes of every
    # stored file, so the bureau can download an original (and its annotated copy) whichever way it came in;
    # the bureau's users, with scrypt password hashes.
    md = sa.MetaData()
    sa.Table("submissions", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "unit_links", md,
        sa.Column("unit_code", sa.String(64), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("template", sa.String(64), nullable=True),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "originals", md,
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    sa.Table(
        "web_users", md,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for name in ("unit_links", "originals", "web_users"):
        md.tables[name].create(conn)


def _v4_trust(conn: sa.Connection) -> None:
    # Attribution is all or nothing (attribution.py): a file is a unit's only when its verified identity
    # names the unit, year and template; any other file keeps the unit it seems to be as a claim only.
    conn.execute(sa.text("ALTER TABLE submissions ADD COLUMN claimed_unit VARCHAR(64)"))
    conn.execute(sa.text(
        "UPDATE submissions SET claimed_unit = unit_code, unit_code = NULL, is_current = false "
        "WHERE unit_code IS NOT NULL AND (unit_source IS NULL OR unit_source <> 'identity')"))
    # each unit's current file is then its newest verified one (as store.py chooses), in two statements: a
    # unique index is checked row by row on PostgreSQL, so no moment may hold two current rows of a unit
    conn.execute(sa.text(
        "UPDATE submissions SET is_current = false WHERE is_current AND id <> (SELECT n.id FROM submissions n "
        "WHERE n.unit_code = submissions.unit_code ORDER BY n.file_mtime DESC, n.id DESC LIMIT 1)"))
    conn.execute(sa.text(
        "UPDATE submissions SET is_current = true WHERE unit_code IS NOT NULL AND NOT is_current AND id = (SELECT n.id "
        "FROM submissions n WHERE n.unit_code = submissions.unit_code ORDER BY n.file_mtime DESC, n.id DESC LIMIT 1)"))
    # at most one current row per unit, whoever writes (the desk beside collect, two desk processes)
    conn.execute(sa.text("CREATE UNIQUE INDEX ux_submissions_one_current ON submissions (unit_code) WHERE is_current"))
    conn.execute(sa.text("CREATE INDEX ix_submissions_claimed_unit ON submissions (claimed_unit)"))
    # What several desk processes must agree on (web/state.py): the round's settings (its template and year,
    # the session-signing key), server-side sessions, rate-limit events and one-time tokens.
    md = sa.MetaData()
    sa.Table(
        "round_settings", md,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    sa.Table(
        "web_sessions", md,
        sa.Column("id_sha256", sa.String(64), primary_key=True),
        sa.Column("user_name", sa.String(64), nullable=False, index=True),
        sa.Column("expires", sa.Float, nullable=False, index=True),
    )
    sa.Table(
        "rate_events", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bucket", sa.String(16), nullable=False),
        sa.Column("key_sha256", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Index("ix_rate_events_key", "bucket", "key_sha256", "at"),
    )
    sa.Table(
        "once_tokens", md,
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("expires", sa.Float, nullable=False, index=True),
    )
    for name in ("round_settings", "web_sessions", "rate_events", "once_tokens"):
        md.tables[name].create(conn)


def _v5_review(conn: sa.Connection) -> None:
    # The bureau's review on the desk (review.py): 退回修改 with a reason, 审核通过 by hand, notes, each
    # recorded with who and when, about the unit's file of the moment. The roster's 所属乡镇 group and contact
    # (the status page's progress by township and overdue list). Each unit's issued workbook, kept at issue
    # time so the unit's page can offer it again.
    conn.execute(sa.text("ALTER TABLE units ADD COLUMN grp TEXT"))
    conn.execute(sa.text("ALTER TABLE units ADD COLUMN contact TEXT"))
    md = sa.MetaData()
    sa.Table("submissions", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "reviews", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_code", sa.String(64), nullable=False, index=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="SET NULL"), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "issued", md,
        sa.Column("unit_code", sa.String(64), primary_key=True),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
    for name in ("reviews", "issued"):
        md.tables[name].create(conn)


def _v6_desk_results(conn: sa.Connection) -> None:
    # What a unit's page shows after a POST (web/results.py), so any desk process can answer the redirect
    # that follows: the check's result as JSON and the checked bytes (for 「报送刚才检查的文件」), kept a few hours.
    md = sa.MetaData()
    sa.Table(
        "desk_results", md,
        sa.Column("ref_sha256", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    md.tables["desk_results"].create(conn)


STEPS: tuple[Step, ...] = (
    Step(1, "units, submissions, findings", _v1_initial),
    Step(2, "submissions.unit_source; index on (unit_code, is_current)", _v2_unit_source),
    Step(3, "unit_links, originals, web_users (the web desk)", _v3_web_desk),
    Step(4, "attribution all or nothing (claimed_unit), one current row per unit; round_settings, web_sessions, "
            "rate_events, once_tokens (the desk's state, shared by its processes)", _v4_trust),
    Step(5, "reviews, issued; units.grp, units.contact (the bureau's review, progress by township)", _v5_review),
    Step(6, "desk_results (a unit's result page, answered by any desk process)", _v6_desk_results),
)
LATEST = STEPS[-1].version


def current_version(conn: sa.Connection) -> int:
    """The database's schema version; 0 for an empty database."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    v = conn.execute(sa.text("SELECT max(version) FROM schema_version")).scalar()
    return int(v or 0)


def upgrade(conn: sa.Connection, target: int | None = None) -> list[Step]:
    """Apply the steps above the database's version up to `target` (default: the latest), inside the
    caller's transaction.

    Returns the steps applied. A database newer than this code is refused rather than misread.
    """
    if conn.dialect.name == "postgresql":  # two commands opening a fresh database at once: one migrates
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7262930215)"))
    have = current_version(conn)
    if have > LATEST:
        raise RoundError(f"the database is at schema version {have}, newer than this xltemplates knows "
                         f"({LATEST}); upgrade xltemplates")
    applied = [s for s in STEPS if have < s.version <= (LATEST if target is None else target)]
    for step in applied:
        step.apply(conn)
    if applied:
        conn.execute(sa.text("DELETE FROM schema_version"))
        conn.execute(sa.text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": applied[-1].version})
    return applied
