"""One failure contract wherever a check runs (checking/): a worker that dies or hangs gives the file a coded
finding, E-READ-FAILED or E-FILE-TIMEOUT; the desk shows its normal verdict page with its usual headers,
never a bare 500, and collect stores the same finding. Real worker processes throughout (jobs >= 1).
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pool_calls import (
    DIE_MARK,
    SLOW_MARK,
    SLOW_SECONDS,
    dying_checks,
    dying_copies,
    marked,
    raising_checks,
    slow_checks,
    slow_copies,
)
from web_kit import Desk, clean, make_desk, opened_db, rows, upload, wrong_dropdown

from xltemplates.checking.desk import DeskChecks
from xltemplates.findings.report import make_finding
from xltemplates.limits import FILE_SECONDS
from xltemplates.reader.check import check_bytes
from xltemplates.reader.identify import Expect
from xltemplates.round.collect import Collection, CollectOptions
from xltemplates.round.db import open_db
from xltemplates.round.sources import Inbox
from xltemplates.web.clerk import clerk_message
from xltemplates.web.security import SECURITY_HEADERS


def _clerk_sees(code: str, **params: object) -> str:
    """What the clerk's page says for a finding with `code` (web/clerk.py's words for it)."""
    return clerk_message(make_finding(code, **params).to_json())


READ_FAILED = _clerk_sees("E-READ-FAILED")  # 检查未完成 ... 请重新上传
TIMED_OUT = _clerk_sees("E-FILE-TIMEOUT", expected=f"{FILE_SECONDS:g} 秒")


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    """A desk with one real worker, its requests on one event loop as under `serve` (make_desk enters its
    client: the desk's lifespan runs and ends with the test)."""
    yield make_desk(tmp_path, jobs=1)


def _checks(desk: Desk, checks: DeskChecks) -> DeskChecks:
    """Give the desk these workers (the test's own warm-up or hard limit), started now."""
    state = desk.client.app.state.desk  # type: ignore[attr-defined]
    state.pool.close()
    state.pool = checks
    checks.start()
    return checks


def _while_uploading(desk: Desk, content: bytes, action: str, meanwhile: Callable[[], None]) -> Any:
    """Upload from another thread; once the file is in a worker, run `meanwhile`; the response."""
    checks: DeskChecks = desk.client.app.state.desk.pool  # type: ignore[attr-defined]
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append(upload(desk, content, action)))
    t.start()
    deadline = time.monotonic() + 60
    while checks.pool.busy() == 0 and t.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    meanwhile()
    t.join(120)
    assert out, "the upload did not answer"
    return out[0]


def _verdict_page(r: Any) -> str:
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert {k: r.headers.get(k) for k in SECURITY_HEADERS} == SECURITY_HEADERS
    return html.unescape(r.text)


def test_desk__worker_killed_mid_upload__verdict_page_with_e_read_failed_not_500(desk: Desk) -> None:
    checks = _checks(desk, DeskChecks(1))
    [pid] = checks.pool.pids()
    os.kill(pid, signal.SIGSTOP)  # the worker holds the file and cannot answer before it is killed
    r = _while_uploading(desk, clean(), "submit", lambda: os.kill(pid, signal.SIGKILL))
    page = _verdict_page(r)
    assert READ_FAILED in page and 'data-code="E-READ-FAILED"' in page
    assert rows(desk.engine, "SELECT COUNT(*) FROM submissions") == [(0,)]  # unreadable: not handed in
    again = _verdict_page(upload(desk, clean(), "check"))  # the replacement worker checks the next file
    assert "通过" in again and READ_FAILED not in again


def test_desk__worker_hangs__verdict_page_with_e_file_timeout_not_500(desk: Desk) -> None:
    checks = _checks(desk, DeskChecks(1, hard_seconds=2))
    [pid] = checks.pool.pids()
    os.kill(pid, signal.SIGSTOP)  # stuck where its own time limit cannot stop it
    r = _while_uploading(desk, clean(), "check", lambda: None)
    page = _verdict_page(r)
    assert TIMED_OUT in page and 'data-code="E-FILE-TIMEOUT"' in page and READ_FAILED not in page
    assert pid not in checks.pool.pids()


def test_desk__the_check_raises_in_its_worker__verdict_page_with_e_read_failed_not_500(desk: Desk) -> None:
    _checks(desk, DeskChecks(1, warm=raising_checks))
    page = _verdict_page(upload(desk, marked(clean(), DIE_MARK), "check"))
    assert READ_FAILED in page and 'data-code="E-READ-FAILED"' in page


def test_collect_and_desk__the_same_dying_file__the_same_finding(desk: Desk, tmp_path: Path) -> None:
    dying = marked(clean(), DIE_MARK)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "dies.xlsx").write_bytes(dying)
    (inbox / "fine.xlsx").write_bytes(clean())
    engine = open_db(tmp_path / "collect.sqlite")
    try:
        summary = Collection(engine, CollectOptions(jobs=2, warm=dying_checks)).run(Inbox(inbox))
    finally:
        engine.dispose()
    assert summary.stored == 2 and [f for f, _ in summary.failed] == ["dies.xlsx"]  # the other file is fine
    [(code, message)] = rows(opened_db(tmp_path / "collect.sqlite"), "SELECT f.code, f.message FROM findings f JOIN "
                             "submissions s ON s.id = f.submission_id WHERE s.file_name = 'dies.xlsx'")
    assert code == "E-READ-FAILED"

    _checks(desk, DeskChecks(1, warm=dying_checks))
    page = _verdict_page(upload(desk, dying, "check"))
    assert f'data-code="{code}"' in page and clerk_message({"code": code, "message": message}) in page


async def _watch_busiest(checks: DeskChecks, busiest: list[int]) -> None:
    """Keep in busiest[0] the most calls the workers had in hand at once (sampled every 20 ms) until cancelled."""
    while True:
        busiest[0] = max(busiest[0], checks.pool.busy())
        await asyncio.sleep(0.02)


def test_desk__two_uploads_from_one_link__one_worker_busy_for_it_at_a_time(tmp_path: Path) -> None:
    checks = DeskChecks(2, warm=slow_checks)
    checks.start()
    slow = marked(clean(), SLOW_MARK)
    expect = Expect()

    async def main() -> tuple[int, float]:
        busiest = [0]
        watcher = asyncio.ensure_future(_watch_busiest(checks, busiest))
        t0 = time.monotonic()
        await asyncio.gather(*(checks.upload("link-a", slow, "a.xlsx", expect) for _ in range(2)))
        took = time.monotonic() - t0
        watcher.cancel()
        return busiest[0], took

    try:
        busiest, took = asyncio.run(main())
    finally:
        checks.close()
    assert busiest == 1 and took >= 2 * SLOW_SECONDS


def test_desk__worker_dies_making_the_annotated_copy__verdict_shown_and_download_says_not_made_not_500(
        desk: Desk) -> None:
    _checks(desk, DeskChecks(1, warm=dying_copies))
    page = _verdict_page(upload(desk, wrong_dropdown(), "check"))  # the verdict came before the copy
    assert 'data-code="E-LIST-VALUE"' in page and READ_FAILED not in page
    link = re.search(r'href="(/u/[^"]+/annotated/[^"]+)"', page)
    assert link is not None
    r = desk.client.get(link.group(1))
    assert r.status_code == 404 and "批注版未能生成" in html.unescape(r.text)
    assert {k: r.headers.get(k) for k in SECURITY_HEADERS} == SECURITY_HEADERS
    again = _verdict_page(upload(desk, clean(), "check"))  # the replacement worker checks the next file
    assert "通过" in again and READ_FAILED not in again


def test_desk__annotated_copy__made_after_the_verdict_and_the_link_s_next_upload_waits_for_it() -> None:
    checks = DeskChecks(2, warm=slow_copies)
    checks.start()
    wrong, expect = wrong_dropdown(), Expect()

    async def main() -> tuple[bool, bool, bytes | None, bool, int]:
        busiest = [0]
        watcher = asyncio.ensure_future(_watch_busiest(checks, busiest))
        first = await checks.upload("link-a", wrong, "a.xlsx", expect)
        assert first.copy is not None
        copy_pending = not first.copy.done()  # the verdict is back; its copy takes SLOW_SECONDS more
        clean_copy = await checks.upload("link-a", clean(), "b.xlsx", expect)
        copy_made_before_next = first.copy.done()  # the link's next upload waited for the copy
        made = await first.copy
        watcher.cancel()
        return copy_pending, copy_made_before_next, made, clean_copy.copy is None, busiest[0]

    try:
        pending, made_before_next, made, clean_has_none, busiest = asyncio.run(main())
    finally:
        checks.close()
    assert pending and made_before_next and clean_has_none and busiest == 1
    assert made is not None and ("E-LIST-VALUE" in [f.code for f in check_bytes(made, "批注.xlsx").findings])
