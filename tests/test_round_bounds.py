"""collect under the same bounds as check: returns.zip guarded like a workbook, a time limit per file.

The returns archive is read by the collect parent itself, so a hostile archive is run through the CLI in a
child process under an address-space limit (tests/hostile.py). Time limits are tested by their mechanism
(a tiny limit, a worker stuck where no signal reaches), never by timing a run.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from hostile import Member, deflated, directory_bomb, run_cli, zeros_declared_small, zip_of
from pool_calls import stuck_on_one
from round_kit import dept_data, rows, units, workbook

from xltemplates.checking.budget import FileTimeout, time_limit
from xltemplates.checking.ordered import run_ordered
from xltemplates.checking.workers import WorkerTimedOut
from xltemplates.round.collect import Collection, CollectOptions
from xltemplates.round.db import open_db
from xltemplates.round.sources import Inbox

UNITS = units(2)


def _returns(tmp_path: Path, members: list[Member]) -> Path:
    archive = tmp_path / "returns.zip"
    archive.write_bytes(zip_of(members))
    return archive


def test_collect__returns_zip_member_inflating_past_its_declared_size__stored_corrupt_rest_kept(
        tmp_path: Path) -> None:
    good = deflated("U001.xlsx", workbook(UNITS[0], dept_data(UNITS[0])))
    archive = _returns(tmp_path, [zeros_declared_small("U002.xlsx", gib=1), good])
    db = tmp_path / "r.sqlite"
    proc = run_cli("collect", str(archive), "--db", str(db), "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    assert rows(db, "SELECT s.file_name, s.verdict, f.code FROM submissions s LEFT JOIN findings f "
                    "ON f.submission_id = s.id ORDER BY s.file_name") == [
        ("returns.zip/U001.xlsx", "accepted", None), ("returns.zip/U002.xlsx", "unreadable", "E-FILE-CORRUPT")]


def test_collect__returns_zip_whose_zip64_record_declares_a_huge_directory__refused_before_reading(
        tmp_path: Path) -> None:
    archive = tmp_path / "returns.zip"
    archive.write_bytes(directory_bomb(1_200_000))
    proc = run_cli("collect", str(archive), "--db", str(tmp_path / "r.sqlite"))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    assert "bytes of directory, more than a round can have" in proc.stderr


# The limit interrupts whatever runs, e.g. halfway through zipfile.ZipFile.__init__, whose __del__ then
# complains about the half-built object: harmless, and not what this test is about.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("jobs", [1, 2])
def test_collect__file_over_its_time_limit__stored_with_e_file_timeout(tmp_path: Path, jobs: int) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "U001.xlsx").write_bytes(workbook(UNITS[0], dept_data(UNITS[0])))
    engine = open_db(tmp_path / "r.sqlite")
    try:  # the budget travels with each job: spawned workers see it as forked ones would
        summary = Collection(engine, CollectOptions(jobs=jobs, seconds=1e-4)).run(Inbox(inbox))
    finally:
        engine.dispose()
    assert summary.stored == 1 and not summary.failed
    assert rows(tmp_path / "r.sqlite", "SELECT s.verdict, f.code FROM submissions s JOIN findings f "
                                       "ON f.submission_id = s.id") == [("unreadable", "E-FILE-TIMEOUT")]


def test_run_ordered__worker_stuck_past_the_hard_limit__killed_that_item_timed_out_order_kept() -> None:
    out = list(run_ordered(stuck_on_one, range(6), jobs=2, hard_seconds=2))
    assert [i for i, _ in out] == list(range(6))
    assert [r if isinstance(r, int) else type(r).__name__ for _, r in out] == [0, "WorkerTimedOut", 20, 30, 40, 50]
    assert isinstance(out[1][1], WorkerTimedOut)


def test_time_limit__block_over_its_limit__file_timeout_not_an_exception_handlers_catch() -> None:
    caught = []
    with pytest.raises(FileTimeout), time_limit(0.05):
        try:
            time.sleep(5)
        except Exception as exc:  # the checker's "a bug becomes E-READ-FAILED" handler
            caught.append(exc)
    assert caught == []
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL  # the previous handler is back
