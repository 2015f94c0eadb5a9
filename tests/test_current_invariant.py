"""One current row per unit under concurrent writers (issue 23 item 5), on SQLite and on a real PostgreSQL.

Two processes store files for the same units at the same moment, as the desk beside ``collect`` (or two desk
processes) do. Before schema version 4 PostgreSQL's READ COMMITTED let both writers mark their own row
current (184 and 97 of 200 units ended with two); now the unit's lock orders them and a unique partial
index holds the rule in the database.
"""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from round_kit import T0, units

from xltemplates.round.db import open_db, write_connection
from xltemplates.round.store import Record, save_roster, store

UNITS = units(40)
PER_WRITER = 3  # files per unit per writer


def _writer(url: str, writer: int, start: object) -> None:
    """Store PER_WRITER files for every unit, interleaved with the other writer's (same file times)."""
    engine = open_db(url)
    start.wait()  # type: ignore[attr-defined]
    with write_connection(engine) as conn:
        for k in range(PER_WRITER):
            for u in UNITS:
                sha = f"{writer}-{k}-{u.code}".ljust(64, "0")
                rec = Record(f"{u.code}-{writer}-{k}.xlsx", sha, T0 + k, datetime.now(UTC), u.code, u.name,
                             "identity", "dept-overall", "1", 2025, {"k": k})
                assert store(conn, rec) is not None
    engine.dispose()


def _race(url: str) -> None:
    engine = open_db(url)
    save_roster(engine, UNITS)
    engine.dispose()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(url, w, start)) for w in (1, 2)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]


def _assert_one_current_newest(url: str) -> None:
    engine = open_db(url)
    with engine.connect() as conn:
        doubled = conn.execute(sa.text("SELECT unit_code, count(*) FROM submissions WHERE is_current "
                                       "GROUP BY unit_code HAVING count(*) <> 1")).all()
        counts = conn.execute(sa.text("SELECT count(DISTINCT unit_code), count(*) FROM submissions")).one()
        wrong = conn.execute(sa.text(
            "SELECT s.unit_code FROM submissions s WHERE s.is_current AND s.id <> (SELECT n.id FROM submissions n "
            "WHERE n.unit_code = s.unit_code ORDER BY n.file_mtime DESC, n.id DESC LIMIT 1)")).all()
        current = conn.execute(sa.text("SELECT count(*) FROM submissions WHERE is_current")).scalar()
    engine.dispose()
    assert doubled == [] and wrong == []
    assert tuple(counts) == (len(UNITS), 2 * PER_WRITER * len(UNITS)) and current == len(UNITS)


def test_two_processes_store_for_the_same_units__sqlite__one_current_row_each(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    _race(url)
    _assert_one_current_newest(url)




def test_two_processes_store_for_the_same_units__postgresql__one_current_row_each(postgres_url: str) -> None:
    from xltemplates.round.tables import metadata

    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        for table in [*reversed(metadata.sorted_tables), "schema_version"]:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {getattr(table, 'name', table)} CASCADE"))
    engine.dispose()
    _race(postgres_url)
    _assert_one_current_newest(postgres_url)


def test_unique_index__a_second_current_row_written_by_hand__refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    _race_free = open_db(url)
    with write_connection(_race_free) as conn:
        for k in range(2):
            store(conn, Record(f"{k}.xlsx", str(k) * 64, T0 + k, datetime.now(UTC), "U001", "a", "identity",
                               "dept-overall", "1", 2025, None))
    with pytest.raises(sa.exc.IntegrityError), _race_free.begin() as conn:
        conn.execute(sa.text("UPDATE submissions SET is_current = true"))
    _race_free.dispose()


def test_step_4_on_postgresql__two_current_rows_of_a_version_3_round__one_left(postgres_url: str) -> None:
    from xltemplates.round.migrations import upgrade
    from xltemplates.round.tables import metadata

    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        for table in [*reversed(metadata.sorted_tables), "schema_version"]:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {getattr(table, 'name', table)} CASCADE"))
        upgrade(conn, target=3)
        for f, m, src in (("a.xlsx", 1.0, "identity"), ("b.xlsx", 2.0, "identity"), ("c.xlsx", 3.0, "file-name")):
            conn.execute(sa.text(
                "INSERT INTO submissions (unit_code, unit_name, unit_source, file_name, sha256, file_mtime, received_at,"
                " verdict, n_errors, n_warnings, is_current) VALUES ('U001', 'x', :src, :f, :sha, :m, now(), 'accepted',"
                " 0, 0, true)"), {"f": f, "sha": f, "m": m, "src": src})
    engine.dispose()
    open_db(postgres_url).dispose()
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        got = conn.execute(sa.text("SELECT file_name, unit_code, claimed_unit, is_current FROM submissions ORDER BY id"))
        assert [tuple(r) for r in got] == [("a.xlsx", "U001", None, False), ("b.xlsx", "U001", None, True),
                                           ("c.xlsx", None, "U001", False)]
    engine.dispose()
