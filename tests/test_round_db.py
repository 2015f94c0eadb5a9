"""The round database: SQLite set up for a crash-safe importer, and migrations applied at open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from round_kit import rows

from xltemplates.round import migrations
from xltemplates.round.db import database_url, open_db, write_transaction
from xltemplates.round.errors import RoundError
from xltemplates.round.migrations import LATEST, STEPS, Step, current_version, upgrade
from xltemplates.round.tables import metadata


@contextmanager
def _inspector(db: Path) -> Iterator[sa.Inspector]:
    """The schema of the SQLite file `db`, as SQLAlchemy reads it; its connection closed at the end."""
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        yield sa.inspect(engine)
    finally:
        engine.dispose()


def _v1_database(path: Path) -> None:
    """A round database as the first release left it: schema version 1, one submission stored."""
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        upgrade(conn, target=1)
        conn.execute(sa.text(
            "INSERT INTO submissions (unit_code, unit_name, template, version, year, file_name, sha256, file_mtime,"
            " received_at, verdict, n_errors, n_warnings, data, is_current) VALUES ('U001', '测试单位', 'dept-overall',"
            " '1.0', 2025, 'a.xlsx', 'abc', 1.0, :t, 'accepted', 0, 0, '{}', 1)"),
            {"t": "2025-03-01 08:00:00.000000"})  # as the first release stored a time: UTC, in SQLAlchemy's format
    engine.dispose()


def test_open_db__new_sqlite_file__wal_foreign_keys_and_latest_schema(tmp_path: Path) -> None:
    engine = open_db(tmp_path / "round.sqlite")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert current_version(conn) == LATEST
    engine.dispose()


def test_open_db__version_1_database__upgraded_keeping_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    _v1_database(db)
    open_db(db).dispose()
    assert rows(db, "SELECT version FROM schema_version") == [(LATEST,)]
    assert rows(db, "SELECT unit_code, file_name, unit_source FROM submissions") == [("U001", "a.xlsx", "identity")]
    with _inspector(db) as insp:
        indexes = {i["name"] for i in insp.get_indexes("submissions")}
    assert "ix_submissions_unit_current" in indexes


def test_migrations__all_steps__build_the_schema_tables_py_describes(tmp_path: Path) -> None:
    open_db(tmp_path / "r.sqlite").dispose()
    with _inspector(tmp_path / "r.sqlite") as insp:
        for table in metadata.sorted_tables:
            assert [c["name"] for c in insp.get_columns(table.name)] == [c.name for c in table.columns], table.name
            assert {i["name"] for i in insp.get_indexes(table.name)} == {i.name for i in table.indexes}, table.name
            assert [fk["referred_table"] for fk in insp.get_foreign_keys(table.name)] == \
                [fk.column.table.name for fk in table.foreign_keys], table.name


def test_migrations__step_fails__whole_upgrade_rolled_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "old.sqlite"
    _v1_database(db)

    def broken(conn: sa.Connection) -> None:
        conn.execute(sa.text("CREATE TABLE half_done (x INTEGER)"))
        raise sa.exc.OperationalError("step 3", {}, Exception("disk full"))

    monkeypatch.setattr(migrations, "STEPS", (*STEPS, Step(LATEST + 1, "broken", broken)))
    monkeypatch.setattr(migrations, "LATEST", LATEST + 1)
    with pytest.raises(RoundError, match="disk full"):
        open_db(db)
    monkeypatch.undo()
    with _inspector(db) as insp:
        assert "half_done" not in insp.get_table_names()
        assert "unit_source" not in [c["name"] for c in insp.get_columns("submissions")]  # step 2 rolled back too
    assert rows(f"sqlite:///{db}", "SELECT count(*) FROM submissions") == [(1,)]


def test_open_db__database_newer_than_the_code__refused(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    engine = open_db(db)
    with write_transaction(engine) as conn:
        conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": LATEST + 5})
    engine.dispose()
    with pytest.raises(RoundError, match=f"schema version {LATEST + 5}, newer"):
        open_db(db)


def test_open_db__missing_file_for_reading__error_not_an_empty_round(tmp_path: Path) -> None:
    with pytest.raises(RoundError, match="no round database"):
        open_db(tmp_path / "typo.sqlite", create=False)
    assert not (tmp_path / "typo.sqlite").exists()


def test_database_url__path_or_url__sqlite_file_or_the_url_as_given(tmp_path: Path) -> None:
    assert database_url(tmp_path / "r.sqlite").render_as_string() == f"sqlite:///{tmp_path / 'r.sqlite'}"
    url = database_url("postgresql+psycopg://clerk:secret@db.example/round2025")
    assert (url.get_backend_name(), url.get_driver_name(), url.database) == ("postgresql", "psycopg", "round2025")


def test_step_4__version_3_rows__untrusted_become_claims_and_one_current_per_unit(tmp_path: Path) -> None:
    db = tmp_path / "v3.sqlite"
    engine = sa.create_engine(f"sqlite:///{db}")
    insert = sa.text(
        "INSERT INTO submissions (unit_code, unit_name, unit_source, template, version, year, file_name, sha256,"
        " file_mtime, received_at, verdict, n_errors, n_warnings, is_current) VALUES (:u, 'x', :src, 'dept-overall',"
        " '1.0', 2025, :f, :f, :m, '2025-03-01 08:00:00.000000', 'accepted', 0, 0, :cur)")
    with engine.begin() as conn:
        upgrade(conn, target=3)
        for u, src, f, m, cur in [("U001", "identity", "old.xlsx", 1.0, 0), ("U001", "roster-name", "guess.xlsx", 9.0, 1),
                                  ("U002", "identity", "a.xlsx", 1.0, 1), ("U002", "identity", "b.xlsx", 2.0, 1),
                                  ("U003", "link", "linked.xlsx", 1.0, 1)]:
            conn.execute(insert, {"u": u, "src": src, "f": f, "m": m, "cur": cur})
    engine.dispose()
    open_db(db).dispose()
    assert rows(db, "SELECT file_name, unit_code, claimed_unit, is_current FROM submissions ORDER BY id") == [
        ("old.xlsx", "U001", None, 1), ("guess.xlsx", None, "U001", 0),
        ("a.xlsx", "U002", None, 0), ("b.xlsx", "U002", None, 1), ("linked.xlsx", None, "U003", 0)]
