"""collect: returned files into the round database, one transaction per file, re-runnable at will."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from contextlib import closing
from pathlib import Path
from typing import IO, Any

import openpyxl
import pytest
import sqlalchemy as sa
from pool_calls import check_or_die
from round_kit import DEPT, T0, dept_data, dump, put, returned, roster_csv, rows, units, without_identity, workbook
from typer.testing import CliRunner

from xltemplates.checking.job import Checked, Job, run_job
from xltemplates.checking.ordered import run_ordered
from xltemplates.checking.workers import WorkerDied
from xltemplates.cli import app
from xltemplates.reader.check import check_bytes
from xltemplates.reader.identify import Expect
from xltemplates.round import collect as collect_module
from xltemplates.round import sources
from xltemplates.round.collect import Collection, CollectOptions, CollectSummary
from xltemplates.round.db import open_db
from xltemplates.round.errors import RoundError
from xltemplates.round.store import Record, Stored
from xltemplates.trust.identity import META_SHEET
from xltemplates.writer.generate import Unit

UNITS = units(6)


def run(src: Path, db: Path, jobs: int = 1, roster: list[Unit] | None = None, **options: Any) -> CollectSummary:
    engine = open_db(db)
    try:
        return Collection(engine, CollectOptions(jobs=jobs, **options)).run(sources.Inbox(src), roster)
    finally:
        engine.dispose()


@pytest.fixture()
def inbox(tmp_path: Path) -> Path:
    """Six units: four clean returns, one missing its required texts, one not a workbook at all."""
    d = tmp_path / "inbox"
    for u in UNITS[:4]:
        returned(d, u, dept_data(u))
    returned(d, UNITS[4], None)  # the blank form sent back: 职责 and 年度总体目标 empty
    put(d, "说明.txt", "请查收".encode())
    return d


def test_collect__same_directory_twice__second_run_stores_nothing(inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    first = run(inbox, db, roster=UNITS)
    before = dump(db, skip=())  # received_at too: a second run writes nothing at all
    second = run(inbox, db)
    assert (first.stored, first.duplicates) == (6, 0)
    assert (second.stored, second.duplicates) == (0, 6)
    assert dump(db, skip=()) == before


def test_collect__mixed_returns__verdict_counts_and_findings_stored(inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    s = run(inbox, db, jobs=2, roster=UNITS)
    assert dict(s.verdicts) == {"accepted": 4, "rejected": 1, "unreadable": 1}
    assert s.unidentified == ["说明.txt"]
    assert rows(db, "SELECT unit_code, verdict, n_errors, unit_source FROM submissions ORDER BY id") == [
        ("U001", "accepted", 0, "identity"), ("U002", "accepted", 0, "identity"), ("U003", "accepted", 0, "identity"),
        ("U004", "accepted", 0, "identity"), ("U005", "rejected", 2, "identity"), (None, "unreadable", 1, None)]
    assert rows(db, "SELECT f.code, f.cell FROM findings f JOIN submissions s ON s.id = f.submission_id "
                    "WHERE s.unit_code = 'U005' ORDER BY f.seq") == [("E-REQUIRED-EMPTY", "B6"), ("E-REQUIRED-EMPTY", "B7")]


def test_collect__zip_of_the_directory__same_database_with_archive_names(inbox: Path, tmp_path: Path) -> None:
    archive = tmp_path / "returns.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(inbox.iterdir()):
            zf.write(p, p.name)
    run(inbox, tmp_path / "dir.sqlite", roster=UNITS)
    run(archive, tmp_path / "zip.sqlite", roster=UNITS)
    by_dir = dump(tmp_path / "dir.sqlite", ("received_at", "file_mtime"))
    by_zip = dump(tmp_path / "zip.sqlite", ("received_at", "file_mtime"))
    assert [r[6] for r in by_zip["submissions"]] == [f"returns.zip/{r[6]}" for r in by_dir["submissions"]]
    unzipped = {t: [tuple(v.replace("returns.zip/", "") if isinstance(v, str) else v for v in r) for r in rs]
                for t, rs in by_zip.items()}
    assert unzipped == by_dir


def test_collect__zip_with_gbk_member_names__names_read_as_chinese(tmp_path: Path) -> None:
    archive = tmp_path / "returns.zip"
    u = UNITS[0]
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("U001_测试单位001.xlsx", date_time=(2025, 3, 1, 9, 0, 0))
        zf.writestr(info, workbook(u, dept_data(u)))
    raw = archive.read_bytes().replace("U001_测试单位001.xlsx".encode(), "U001_测试单位001.xlsx".encode("gb18030")
                                       .ljust(len("U001_测试单位001.xlsx".encode()), b"_"))
    # what a Windows zip tool writes: GBK bytes and no UTF-8 flag (bit 11)
    raw = raw.replace(b"PK\x03\x04\x14\x00\x00\x08", b"PK\x03\x04\x14\x00\x00\x00")
    raw = raw.replace(b"PK\x01\x02\x14\x03\x14\x00\x00\x08", b"PK\x01\x02\x14\x03\x14\x00\x00\x00")
    archive.write_bytes(raw)
    run(archive, tmp_path / "r.sqlite")
    [(name,)] = rows(tmp_path / "r.sqlite", "SELECT file_name FROM submissions")
    assert name.startswith("returns.zip/U001_测试单位001")


def test_collect__zip_member_over_the_size_limit__stored_unreadable_without_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "returns.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.xlsx", b"\0" * 200_000)
        zf.writestr("ok.xlsx", workbook(UNITS[0], dept_data(UNITS[0])))
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 100_000)
    open_member, names = zipfile.ZipFile.open, []

    def spy(self: zipfile.ZipFile, name: str | zipfile.ZipInfo, *args: Any, **kwargs: Any) -> IO[bytes]:
        names.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return open_member(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    run(archive, tmp_path / "r.sqlite")
    assert "big.xlsx" not in names and "ok.xlsx" in names
    assert rows(tmp_path / "r.sqlite", "SELECT s.file_name, s.verdict, f.code FROM submissions s "
                                       "LEFT JOIN findings f ON f.submission_id = s.id ORDER BY s.id") == [
        ("returns.zip/big.xlsx", "unreadable", "E-FILE-TOO-LARGE"), ("returns.zip/ok.xlsx", "accepted", None)]


def test_collect__zip_with_more_members_than_a_round__refused_before_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(5):
            zf.writestr(f"{i}.xlsx", b"x")
    monkeypatch.setattr(sources, "MAX_ZIP_MEMBERS", 4)
    with pytest.raises(RoundError, match="5 members"):
        run(archive, tmp_path / "r.sqlite")


def test_collect__one_workbook_given_instead_of_a_directory__refused(tmp_path: Path) -> None:
    path = returned(tmp_path, UNITS[0], dept_data(UNITS[0]))
    with pytest.raises(RoundError, match="one workbook"):
        run(path, tmp_path / "r.sqlite")


def test_collect__newer_file_from_the_same_unit__becomes_current_earlier_kept(tmp_path: Path) -> None:
    u = UNITS[0]
    db = tmp_path / "r.sqlite"
    returned(tmp_path / "a", u, None, mtime=T0)  # rejected first try
    run(tmp_path / "a", db)
    returned(tmp_path / "b", u, dept_data(u), mtime=T0 + 3600)  # fixed an hour later
    returned(tmp_path / "b", u, dept_data(u, 年度总体目标="旧稿"), mtime=T0 - 3600, name="旧稿.xlsx")  # an older draft, sent last
    run(tmp_path / "b", db)
    assert rows(db, "SELECT file_name, verdict, is_current FROM submissions ORDER BY id") == [
        ("U001_测试单位001_dept-overall.xlsx", "rejected", 0),
        ("U001_测试单位001_dept-overall.xlsx", "accepted", 1),
        ("旧稿.xlsx", "accepted", 0),
    ]


def test_collect__same_file_time__later_import_becomes_current(tmp_path: Path) -> None:
    u = UNITS[0]
    db = tmp_path / "r.sqlite"
    returned(tmp_path / "a", u, dept_data(u, 年度总体目标="第一版"), name="1.xlsx")
    returned(tmp_path / "a", u, dept_data(u, 年度总体目标="第二版"), name="2.xlsx")
    run(tmp_path / "a", db)
    assert rows(db, "SELECT file_name, is_current FROM submissions ORDER BY id") == [("1.xlsx", 0), ("2.xlsx", 1)]


def test_collect__no_identity_sheet__its_name_in_the_data_a_claim_not_the_unit(tmp_path: Path) -> None:
    u = UNITS[2]
    put(tmp_path / "in", "新建 Microsoft Excel 工作表.xlsx", without_identity(workbook(u, dept_data(u))))
    run(tmp_path / "in", tmp_path / "r.sqlite", roster=UNITS)
    assert rows(tmp_path / "r.sqlite", "SELECT unit_code, claimed_unit, unit_name, unit_source, is_current "
                                       "FROM submissions") == [(None, "U003", "测试单位003", "roster-name", 0)]


def test_collect__no_identity_and_no_known_name__file_name_code_a_claim_or_else_nothing(tmp_path: Path) -> None:
    u = UNITS[3]
    anonymous = without_identity(workbook(u, dept_data(u, 部门单位名称="某某乡人民政府")))
    put(tmp_path / "in", "U004-绩效目标表.xlsx", anonymous)
    put(tmp_path / "in", "绩效目标表.xlsx", anonymous + b"")  # same bytes: a duplicate, skipped
    put(tmp_path / "in", "绩效目标表(1).xlsx", without_identity(workbook(u, dept_data(u, 部门单位名称="某某村"))))
    run(tmp_path / "in", tmp_path / "r.sqlite", roster=UNITS)
    assert rows(tmp_path / "r.sqlite", "SELECT file_name, unit_code, claimed_unit, unit_source FROM submissions "
                                       "ORDER BY id") == [
        ("U004-绩效目标表.xlsx", None, "U004", "file-name"), ("绩效目标表(1).xlsx", None, None, None)]


def test_collect__wrong_year_expected__stored_rejected_with_the_reason(tmp_path: Path) -> None:
    returned(tmp_path / "in", UNITS[0], dept_data(UNITS[0]))
    run(tmp_path / "in", tmp_path / "r.sqlite", expect=Expect(template=DEPT, year=2026))
    assert rows(tmp_path / "r.sqlite", "SELECT s.verdict, f.code FROM submissions s JOIN findings f "
                                       "ON f.submission_id = s.id") == [("rejected", "E-WRONG-YEAR")]


# ---- files our reader fails on ----------------------------------------------------------------------------

def _malformed_issued(unit: Unit) -> bytes:
    """A return whose identity sheet says it was issued a table of numbers (the reader fails on it)."""
    wb = openpyxl.load_workbook(io.BytesIO(workbook(unit, dept_data(unit))))
    for row in wb[META_SHEET].iter_rows():
        if row[0].value == "issued":
            row[1].value = '{"绩效指标": [1, 2]}'
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_collect__reader_fails_on_a_file__stored_unreadable_with_its_finding_status_shows_it(
        inbox: Path, tmp_path: Path) -> None:
    put(inbox, "U006_测试单位006.xlsx", _malformed_issued(UNITS[5]))
    db = tmp_path / "r.sqlite"
    s = run(inbox, db, roster=UNITS)
    assert [name for name, _ in s.failed] == ["U006_测试单位006.xlsx"] and s.stored == 7
    assert rows(db, "SELECT s.unit_code, s.verdict, f.code FROM submissions s JOIN findings f ON f.submission_id = s.id "
                    "WHERE s.file_name = 'U006_测试单位006.xlsx'") == [("U006", "unreadable", "E-READ-FAILED")]
    res = CliRunner().invoke(app, ["status", "--db", str(db)])
    assert [line.split() for line in res.stdout.splitlines() if line.startswith("U006")] == [
        ["U006", "测试单位006", "不通过（无法读取）", "U006_测试单位006.xlsx"]]


def test_collect__reader_failed_before__checked_again_and_nothing_changes_while_it_still_fails(
        inbox: Path, tmp_path: Path) -> None:
    put(inbox, "U006_测试单位006.xlsx", _malformed_issued(UNITS[5]))
    db = tmp_path / "r.sqlite"
    run(inbox, db, roster=UNITS)
    before = dump(db, skip=())
    again = run(inbox, db)
    assert [name for name, _ in again.failed] == ["U006_测试单位006.xlsx"]  # tried again, still failing
    assert again.stored == 0 and dump(db, skip=()) == before


def test_collect__reader_failed_before_then_reads__the_stored_row_replaced(
        inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "r.sqlite"
    monkeypatch.setattr(collect_module, "run_job", _fail_on_u005)
    first = run(inbox, db, roster=UNITS)
    assert [name for name, _ in first.failed] == ["U005_测试单位005_dept-overall.xlsx"]
    assert rows(db, "SELECT verdict FROM submissions WHERE file_name LIKE 'U005%'") == [("unreadable",)]
    monkeypatch.undo()  # the reader is fixed
    second = run(inbox, db)
    assert (second.stored, second.failed) == (1, [])
    assert rows(db, "SELECT unit_code, verdict, n_errors FROM submissions WHERE file_name LIKE 'U005%'") == [
        ("U005", "rejected", 2)]


def _fail_on_u005(job: Job) -> Checked:
    if job.name.startswith("U005"):
        raise RecursionError("maximum recursion depth exceeded")
    return run_job(job)


# ---- workers that die --------------------------------------------------------------------------------------

def test_run_ordered__a_worker_dies__only_that_item_fails_order_kept() -> None:
    out = list(run_ordered(check_or_die, range(8), jobs=2))
    assert [i for i, _ in out] == list(range(8))
    assert [r if isinstance(r, int) else type(r).__name__ for _, r in out] == \
        [0, 10, 20, "WorkerDied", 40, "ValueError", 60, 70]
    assert isinstance(out[3][1], WorkerDied)


# ---- killed midway -----------------------------------------------------------------------------------------

def _count(db: Path) -> int:
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as conn:  # `with conn` only commits
            return int(conn.execute("SELECT count(*) FROM submissions").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_collect__killed_midway_then_run_again__same_database_as_one_run(tmp_path: Path) -> None:
    many = units(60)
    src = tmp_path / "in"
    for i, u in enumerate(many):
        returned(src, u, dept_data(u) if i % 7 else None, mtime=T0 + i)
    put(src, "U001_重报.xlsx", workbook(many[0], dept_data(many[0], 年度总体目标="重报")), mtime=T0 + 1000)
    roster = roster_csv(tmp_path / "units.csv", many)
    cmd = [sys.executable, "-c", "from xltemplates.cli import main; main()", "collect", str(src), "--roster",
           str(roster), "--jobs", "2", "--db"]
    once = tmp_path / "once.sqlite"
    subprocess.run([*cmd, str(once)], check=True, capture_output=True)

    killed = tmp_path / "killed.sqlite"
    proc = subprocess.Popen([*cmd, str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while _count(killed) < 10 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGKILL)  # the collect and its workers, at whatever instant this is
    proc.wait()
    stored_when_killed = _count(killed)
    assert 10 <= stored_when_killed < 61, "the run must be killed midway for this test to mean anything"
    subprocess.run([*cmd, str(killed)], check=True, capture_output=True)
    assert dump(killed) == dump(once)


# ---- the command line --------------------------------------------------------------------------------------

def test_collect_cli__directory__summary_on_stdout_exit_0(inbox: Path, tmp_path: Path) -> None:
    roster = roster_csv(tmp_path / "units.csv", UNITS)
    res = CliRunner().invoke(app, ["collect", str(inbox), "--db", str(tmp_path / "r.sqlite"), "--roster", str(roster),
                                   "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "6 个文件：新导入 6（通过 4，不通过 1，无法读取 1），已导入过 0" in res.stdout
    assert "无法确定所属单位的文件 1 个：说明.txt" in res.stdout


def test_collect_cli__no_such_input__error_exit_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["collect", str(tmp_path / "nope"), "--db", str(tmp_path / "r.sqlite")])
    assert res.exit_code == 2
    assert "no such directory or zip archive" in res.stderr


def test_sources__office_lock_files_and_os_litter__skipped(tmp_path: Path) -> None:
    for name in ["~$U001.xlsx", ".DS_Store", "Thumbs.db", "__MACOSX/U001.xlsx", "sub/U002.xlsx"]:
        put(tmp_path / "in", name, b"x") if "/" not in name else put(tmp_path / "in" / name.split("/")[0],
                                                                       name.split("/")[1], b"x")
    assert [s.name for s in sources.Inbox(tmp_path / "in")] == ["sub/U002.xlsx"]


# ---- annotated copies --------------------------------------------------------------------------------------

def test_collect__annotate_dir__a_copy_per_rejected_unit_marking_its_errors(inbox: Path, tmp_path: Path) -> None:
    out = tmp_path / "annotated"
    s = run(inbox, tmp_path / "r.sqlite", roster=UNITS, annotate_dir=out)
    assert s.annotated == ["U005_测试单位005_dept-overall_批注.xlsx"]
    assert sorted(p.name for p in out.iterdir()) == s.annotated
    again = check_bytes((out / s.annotated[0]).read_bytes(), "批注.xlsx")
    assert {(f.code, f.cell) for f in again.errors} == {("E-REQUIRED-EMPTY", "B6"), ("E-REQUIRED-EMPTY", "B7")}
    assert again.unit_code == "U005"


def test_collect__annotate_dir_on_a_later_run__copies_for_files_stored_before(inbox: Path, tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    run(inbox, db, roster=UNITS)
    s = run(inbox, db, annotate_dir=tmp_path / "annotated")
    assert (s.stored, s.duplicates, s.annotated) == (0, 6, ["U005_测试单位005_dept-overall_批注.xlsx"])
    s = run(inbox, db, annotate_dir=tmp_path / "annotated")
    assert s.annotated == []  # there already


def test_collect__unit_fixes_its_file__outdated_annotated_copy_removed(inbox: Path, tmp_path: Path) -> None:
    db, out = tmp_path / "r.sqlite", tmp_path / "annotated"
    run(inbox, db, roster=UNITS, annotate_dir=out)
    returned(inbox, UNITS[4], dept_data(UNITS[4]), mtime=T0 + 60, name="U005_改.xlsx")
    run(inbox, db, annotate_dir=out)
    assert list(out.iterdir()) == []


def test_collect__database_refuses_a_files_row__stored_unreadable_saying_so_and_the_run_goes_on(
        inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = collect_module.store

    def refuse_u002(conn: sa.Connection, rec: Record, replace: bool = False) -> Stored | None:
        if rec.file_name.startswith("U002") and rec.data is not None:
            raise sa.exc.DataError("INSERT ...", {}, ValueError("value too long"))
        return real(conn, rec, replace)

    monkeypatch.setattr(collect_module, "store", refuse_u002)
    db = tmp_path / "r.sqlite"
    s = run(inbox, db, roster=UNITS)
    assert s.stored == 6 and [name for name, _ in s.failed] == ["U002_测试单位002_dept-overall.xlsx"]
    assert rows(db, "SELECT s.verdict, f.code FROM submissions s JOIN findings f ON f.submission_id = s.id "
                    "WHERE s.unit_code = 'U002'") == [("unreadable", "E-READ-FAILED")]
    monkeypatch.undo()
    again = run(inbox, db)  # the database takes it now: the row is replaced by the file's real result
    assert (again.stored, again.failed) == (1, [])
    assert rows(db, "SELECT verdict FROM submissions WHERE unit_code = 'U002'") == [("accepted",)]


def test_collect__nul_in_a_unit_name__stored_as_u_fffd(tmp_path: Path) -> None:
    u = Unit("U007", "测试\x00单位")
    returned(tmp_path / "in", u, dept_data(u), name="U007.xlsx")
    run(tmp_path / "in", tmp_path / "r.sqlite")
    assert rows(tmp_path / "r.sqlite", "SELECT unit_name FROM submissions") == [("测试\ufffd单位",)]
