"""Times in the round database: one explicit conversion, the same on SQLite and PostgreSQL, on every Python.

A time goes in as an aware datetime and is stored as its UTC instant: a ``timestamptz`` on PostgreSQL, on
SQLite the text SQLAlchemy's SQLite dialect writes itself (``2025-03-01 08:00:00.000000``, UTC by this rule),
never through sqlite3's default datetime adapter (deprecated since Python 3.12, and unaware of zones). It comes
back as an aware datetime in UTC from both: SQLite alone would return it without a zone, PostgreSQL in the
session's time zone. A time without a zone is refused: which instant it means cannot be known.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A column of instants: aware datetimes in, aware UTC datetimes out (see the module docstring)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"a time stored in the round database must carry its zone (got {value!r})")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
