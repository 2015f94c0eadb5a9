"""The round database's current schema as SQLAlchemy Core tables (what queries are written against).

The migrations in :mod:`.migrations` build exactly this schema step by step; a test compares the two.
Portable types only (SQLite and PostgreSQL): JSON becomes JSONB on PostgreSQL, TEXT on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from .timestamps import UTCDateTime  # times in and out as aware UTC on SQLite and PostgreSQL alike

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

#: The roster: which units the round expects a return from (单位编码 -> 单位名称), in roster order.
units = sa.Table(
    "units", metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    # schema version 5: the roster's 所属乡镇 (or other group) and contact, when it has such columns
    sa.Column("grp", sa.Text, nullable=True),
    sa.Column("contact", sa.Text, nullable=True),
)

#: One row per distinct file (by SHA-256) ever imported; `is_current` marks each unit's newest one.
submissions = sa.Table(
    "submissions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit_code", sa.String(64), nullable=True, index=True),
    sa.Column("unit_name", sa.Text, nullable=True),
    sa.Column("template", sa.String(64), nullable=True),
    sa.Column("version", sa.String(32), nullable=True),
    sa.Column("year", sa.Integer, nullable=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("file_mtime", sa.Float, nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    sa.Column("verdict", sa.String(24), nullable=False),
    sa.Column("n_errors", sa.Integer, nullable=False),
    sa.Column("n_warnings", sa.Integer, nullable=False),
    sa.Column("data", JSONType, nullable=True),
    sa.Column("is_current", sa.Boolean, nullable=False),
    # added in schema version 2: how the unit was determined (identity / roster-name / file-name)
    sa.Column("unit_source", sa.String(16), nullable=True),
    # schema version 4: the unit a file names or seems to be when it is not that unit's (attribution.py)
    sa.Column("claimed_unit", sa.String(64), nullable=True, index=True),
)
sa.Index("ix_submissions_unit_current", submissions.c.unit_code, submissions.c.is_current)
#: At most one current row per unit, whichever process writes (schema version 4).
sa.Index("ux_submissions_one_current", submissions.c.unit_code, unique=True,
         sqlite_where=submissions.c.is_current, postgresql_where=submissions.c.is_current)

findings = sa.Table(
    "findings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("sheet", sa.Text, nullable=True),
    sa.Column("cell", sa.String(16), nullable=True),
    sa.Column("expected", sa.Text, nullable=True),
    sa.Column("found", sa.Text, nullable=True),
    sa.Column("message", sa.Text, nullable=False),
)

#: The web desk's link per unit (added in schema version 3): only the token's SHA-256 is kept, never the token.
unit_links = sa.Table(
    "unit_links", metadata,
    sa.Column("unit_code", sa.String(64), primary_key=True),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("template", sa.String(64), nullable=True),
    sa.Column("year", sa.Integer, nullable=True),
    sa.Column("issued_at", UTCDateTime(), nullable=False),
)

#: The bytes of each stored file (schema version 3), for downloading the original and its annotated copy.
originals = sa.Table(
    "originals", metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
)

#: The bureau's users of the web desk (schema version 3); password_hash is scrypt (web/passwords.py).
web_users = sa.Table(
    "web_users", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

#: The round's settings (schema version 4): its template and year (links.py), the desk's session-signing key.
round_settings = sa.Table(
    "round_settings", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

#: The bureau's signed-in sessions (schema version 4): only the cookie's SHA-256, removed at logout and when
#: the user's password changes; `expires` is a Unix time.
web_sessions = sa.Table(
    "web_sessions", metadata,
    sa.Column("id_sha256", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(64), nullable=False, index=True),
    sa.Column("expires", sa.Float, nullable=False, index=True),
)

#: One row per counted event of a rate limit (schema version 4), keyed by the SHA-256 of what is limited.
rate_events = sa.Table(
    "rate_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("bucket", sa.String(16), nullable=False),
    sa.Column("key_sha256", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Index("ix_rate_events_key", "bucket", "key_sha256", "at"),
)

#: Tokens that may be used once (schema version 4), e.g. a confirmation; only their SHA-256 is kept.
once_tokens = sa.Table(
    "once_tokens", metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Column("expires", sa.Float, nullable=False, index=True),
)

#: The bureau's review of a unit's file (schema version 5): returned (退回修改), approved (审核通过) or a note.
reviews = sa.Table(
    "reviews", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit_code", sa.String(64), nullable=False, index=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="SET NULL"), nullable=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("user_name", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
)

#: Each unit's issued workbook (schema version 5), kept at issue time for the unit's page to offer again.
issued = sa.Table(
    "issued", metadata,
    sa.Column("unit_code", sa.String(64), primary_key=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("issued_at", UTCDateTime(), nullable=False),
)

#: A unit's result page after a POST (schema version 6; web/results.py): any desk process can answer it.
desk_results = sa.Table(
    "desk_results", metadata,
    sa.Column("ref_sha256", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
)
