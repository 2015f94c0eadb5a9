"""Opening a round database: a SQLite file by path, or any SQLAlchemy URL (PostgreSQL for a bigger bureau).

SQLite is set up for a crash-safe batch importer: WAL journal (readers such as ``status`` never block
the import), ``synchronous=NORMAL`` (a committed transaction survives the process being killed; only a
power cut can lose the last few, never corrupt the file), foreign keys on, and a busy timeout so a second
command waits instead of failing. Python's sqlite3 module does not BEGIN before DDL or SELECT, so
SQLAlchemy emits BEGIN itself (the recipe in SQLAlchemy's SQLite docs): migrations then really run in one
transaction, and a write transaction can ask for ``BEGIN IMMEDIATE`` to take the write lock up front.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from .errors import RoundError
from .migrations import upgrade

BUSY_TIMEOUT_MS = 30_000
_IMMEDIATE = "xlt_begin_immediate"


#: Driverless PostgreSQL URLs name the psycopg (3) driver the ``postgres`` extra installs; SQLAlchemy's
#: own default for them is psycopg2, which the project does not use.
_DEFAULT_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def database_url(target: str | Path) -> sa.URL:
    """A URL as given (``postgresql://...`` meaning psycopg 3, ``sqlite:///...``), else a path to a SQLite file."""
    text = str(target)
    if "://" in text:
        try:
            url = sa.make_url(text)
        except sa.exc.ArgumentError as exc:
            raise RoundError(f"--db: not a database URL: {text!r} ({exc})") from None
        return url.set(drivername=_DEFAULT_DRIVERS.get(url.drivername, url.drivername))
    return sa.URL.create("sqlite", database=str(Path(text).expanduser().resolve()))


def open_db(target: str | Path, create: bool = True) -> sa.Engine:
    """An engine on the round database, migrated to the current schema.

    With ``create=False`` a SQLite path that does not exist is an error (``status`` on a typo must not
    quietly create an empty round).
    """
    url = database_url(target)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database or "")
        if not create and not path.is_file():
            raise RoundError(f"no round database at {path} (run `xltemplates collect` first)")
        if not path.parent.is_dir():
            raise RoundError(f"cannot create {path}: the directory {path.parent} does not exist")
    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise RoundError(f"--db {url.render_as_string(hide_password=True)}: {exc}") from None
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_setup(engine)
        with write_transaction(engine) as conn:
            upgrade(conn)
    except sa.exc.DBAPIError as exc:  # unreachable, not a database ("file is not a database"), read-only
        engine.dispose()
        raise RoundError(f"cannot open the round database {url.render_as_string(hide_password=True)}: "
                         f"{exc.orig}") from None
    except BaseException:  # e.g. a database newer than the code: its connection must not outlive the refusal
        engine.dispose()
        raise
    return engine


@contextmanager
def round_db(target: str | Path, create: bool = True) -> Iterator[sa.Engine]:
    """open_db for the length of a ``with`` block: every connection the engine opened is closed at its end,
    however the block ends (the commands open the database this way; see open_db for `create`)."""
    engine = open_db(target, create)
    try:
        yield engine
    finally:
        engine.dispose()


def _sqlite_setup(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see the module docstring)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_IMMEDIATE) else "BEGIN")


@contextmanager
def write_connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection whose transactions will write: on SQLite each takes the write lock at BEGIN, so two
    writers queue on the busy timeout instead of one failing when it upgrades a read lock."""
    with engine.connect() as conn:
        conn.execution_options(**{_IMMEDIATE: True})
        yield conn


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One writing transaction on a connection of its own."""
    with write_connection(engine) as conn, conn.begin():
        yield conn
