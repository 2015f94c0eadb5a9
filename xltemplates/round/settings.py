"""The round's own settings, kept in its database (round_settings): what the round expects, shared secrets.

- ``round.template`` / ``round.year``: the form and fiscal year the round collects. Recorded when links
  are issued (``generate --roster --db``, ``rollover --new-db``) or a collect is told them; every later
  link carries them (links.py) and a collect that is not told checks against them (collect.py).
- ``desk.session_key``: the web desk's signing key (web/state.py), made once, so every desk process and
  every restart signs and checks alike.
"""

from __future__ import annotations

import sqlalchemy as sa

from .tables import round_settings

TEMPLATE = "round.template"
YEAR = "round.year"


def get_setting(conn: sa.Connection, name: str) -> str | None:
    return conn.execute(_GET, {"name": name}).scalar()


def set_default(conn: sa.Connection, name: str, value: str) -> str:
    """The setting's value: the stored one, else `value`, stored now (inside the caller's write
    transaction; two processes racing both end with the one that was stored first)."""
    have = get_setting(conn, name)
    if have is not None:
        return have
    try:  # outside the savepoint, so a clash rolls back to it (PostgreSQL aborts the whole transaction otherwise)
        with conn.begin_nested():
            conn.execute(sa.insert(round_settings).values(name=name, value=value))
        return value
    except sa.exc.IntegrityError:
        return get_setting(conn, name) or value


def round_expectation(conn: sa.Connection) -> tuple[str | None, int | None]:
    """The round's template id and fiscal year, as far as they are known (None: not recorded)."""
    year = get_setting(conn, YEAR)
    return get_setting(conn, TEMPLATE), int(year) if year and year.isdigit() else None


def record_expectation(conn: sa.Connection, template: str | None, year: int | None) -> None:
    """Record the round's template and year where they are not yet recorded (inside a write transaction)."""
    if template:
        set_default(conn, TEMPLATE, template)
    if year:
        set_default(conn, YEAR, str(year))


_GET = sa.select(round_settings.c.value).where(round_settings.c.name == sa.bindparam("name"))
