"""The same round commands against PostgreSQL, by URL.

Against the database XLT_TEST_POSTGRES_URL names (an empty one it may fill), or else against a throwaway
server the tests start themselves (tests/pgserver.py; .ci/run installs Debian's postgresql). Never skipped.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from returned import DEPT
from returned import dept_data as returned_data
from returned import returned as returned_workbook
from round_kit import dept_data, put, returned, roster_csv, units
from typer.testing import CliRunner

from xltemplates.cli import app

BEIJING = timezone(timedelta(hours=8))




@pytest.fixture()
def pg(postgres_url: str) -> str:
    import sqlalchemy as sa

    from xltemplates.round.tables import metadata

    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:  # every table of the round, whatever later migrations add
        for table in [*reversed(metadata.sorted_tables), "schema_version"]:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {getattr(table, 'name', table)} CASCADE"))
    engine.dispose()
    return postgres_url


def cli(*args: str) -> str:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.stdout


def test_round__postgresql_url__collect_status_export_rollover_as_with_sqlite(pg: str, tmp_path: Path) -> None:
    us = units(4)
    for u in us[:2]:
        returned(tmp_path / "in", u, dept_data(u))
    returned(tmp_path / "in", us[2], None)
    put(tmp_path / "in", "照片.jpg", b"\xff\xd8 not a workbook")
    roster = roster_csv(tmp_path / "units.csv", us)
    out_pg = cli("collect", str(tmp_path / "in"), "--db", pg, "--roster", str(roster), "--jobs", "2")
    out_sqlite = cli("collect", str(tmp_path / "in"), "--db", str(tmp_path / "r.sqlite"), "--roster", str(roster))
    assert out_pg == out_sqlite
    assert "已导入过 4" in cli("collect", str(tmp_path / "in"), "--db", pg)
    st_pg, st_sqlite = (json.loads(cli("status", "--db", db, "--json")) for db in (pg, str(tmp_path / "r.sqlite")))
    for st in (st_pg, st_sqlite):
        for u in [*st["units"], *st["unidentified"]]:
            u.pop("received_at", None)
    assert st_pg == st_sqlite
    cli("export", "--db", pg, "--csv", str(tmp_path / "pg"))
    cli("export", "--db", str(tmp_path / "r.sqlite"), "--csv", str(tmp_path / "sqlite"))
    for f in sorted((tmp_path / "sqlite").iterdir()):
        if f.name != "单位.csv":  # 收到时间 differs
            assert (tmp_path / "pg" / f.name).read_bytes() == f.read_bytes(), f.name
    cli("rollover", "--db", pg, "--year", "2026", "--out-dir", str(tmp_path / "2026"))
    assert len(list((tmp_path / "2026").glob("*.xlsx"))) == 4


def test_status__plain_postgresql_url__uses_the_installed_psycopg_driver(pg: str) -> None:
    plain = pg.replace("postgresql+psycopg://", "postgresql://")
    assert plain.startswith("postgresql://")
    out = json.loads(cli("status", "--db", plain, "--json"))
    assert out["totals"]["units"] == 0


def _with_nul_in_a_cell() -> bytes:
    """A return whose off-list 指标值类型 holds an _x0000_ escape: the reader decodes it to NUL, which
    PostgreSQL refuses in text and JSONB."""
    content = returned_workbook(DEPT, returned_data(), {"D14": "MARKER-TEXT"})
    src, buf = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, src.read(info).replace(b"MARKER-TEXT", b"a_x0000_b"))
    return buf.getvalue()


def test_collect__nul_in_a_cell__stored_on_postgresql_as_on_sqlite_and_the_run_goes_on(pg: str, tmp_path: Path) -> None:
    us = units(2)
    put(tmp_path / "in", "a.xlsx", _with_nul_in_a_cell())
    returned(tmp_path / "in", us[1], dept_data(us[1]))
    out_pg = cli("collect", str(tmp_path / "in"), "--db", pg, "--jobs", "1")
    out_sqlite = cli("collect", str(tmp_path / "in"), "--db", str(tmp_path / "r.sqlite"), "--jobs", "1")
    assert out_pg == out_sqlite and "新导入 2（通过 1，不通过 1）" in out_pg
    for db in (pg, str(tmp_path / "r.sqlite")):
        st = json.loads(cli("status", "--db", db, "--json"))
        assert [u["text"] for u in st["units"]] == ["不通过（1 个错误）", "通过"]
    cli("export", "--db", pg, "--csv", str(tmp_path / "csv"))
    assert "a\ufffdb" in (tmp_path / "csv" / "问题.csv").read_text("utf-8-sig")


def _times(url: str) -> tuple[list[datetime], list[Any]]:
    """Two users stored with times in two zones: the times read back, and the column as the database holds it."""
    import sqlalchemy as sa

    from xltemplates.round.db import round_db
    from xltemplates.round.tables import web_users

    with round_db(url) as engine, engine.begin() as conn:
        conn.execute(sa.insert(web_users), [
            {"name": "a", "password_hash": "-", "created_at": datetime(2025, 3, 1, 8, 0, tzinfo=BEIJING)},
            {"name": "b", "password_hash": "-", "created_at": datetime(2025, 3, 1, 0, 0, 0, 5, tzinfo=UTC)}])
        back = list(conn.execute(sa.select(web_users.c.created_at).order_by(web_users.c.name)).scalars())
        raw = list(conn.execute(sa.text("SELECT CAST(created_at AS TEXT) FROM web_users ORDER BY name")).scalars())
        with pytest.raises(sa.exc.StatementError, match="must carry its zone"):
            conn.execute(sa.insert(web_users).values(name="c", password_hash="-", created_at=datetime(2025, 3, 1)))
    return back, raw


def test_times__sqlite_and_postgresql__stored_as_the_utc_instant_and_read_back_aware_in_utc(pg: str, tmp_path: Path) -> None:
    want = [datetime(2025, 3, 1, 0, 0, tzinfo=UTC), datetime(2025, 3, 1, 0, 0, 0, 5, tzinfo=UTC)]
    on_sqlite, raw_sqlite = _times(str(tmp_path / "r.sqlite"))
    on_postgres, _ = _times(pg)
    assert on_sqlite == on_postgres == want
    assert [t.tzinfo for t in on_sqlite + on_postgres] == [UTC] * 4  # not the server's zone, not naive
    assert raw_sqlite == ["2025-03-01 00:00:00.000000", "2025-03-01 00:00:00.000005"]  # text, never sqlite3's adapter


def test_set_default__another_process_stored_it_first__its_value_and_the_transaction_goes_on(
    pg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two desks starting at once on a fresh round both make a signing key: the one that loses the insert takes
    the stored value, and its transaction stays usable (PostgreSQL aborts a transaction at an error unless it is
    rolled back to a savepoint)."""
    from xltemplates.round import settings
    from xltemplates.round.db import open_db, write_transaction

    engine = open_db(pg)
    try:
        with write_transaction(engine) as conn:
            assert settings.set_default(conn, "probe", "first") == "first"
        seen = iter([None])  # the second writer read before the first one's row was committed
        real = settings.get_setting
        monkeypatch.setattr(settings, "get_setting", lambda c, n: next(seen, real(c, n)))
        with write_transaction(engine) as conn:
            assert settings.set_default(conn, "probe", "second") == "first"
            assert real(conn, "probe") == "first"  # the transaction still answers
    finally:
        engine.dispose()
