"""What the desk keeps per link (web/shelf.py): one link's uploads never evict another link's kept items.

Issue 23 item 12: one shared 64 MB pool; seven 9.8 MB uploads from A made B's link answer 批注版已过期.
"""

from __future__ import annotations

import asyncio
import time

from xltemplates.checking.job import Checked
from xltemplates.findings.report import Report
from xltemplates.limits import ANNOTATED_PER_LINK, MiB
from xltemplates.reader.identify import Expect
from xltemplates.web.recent import RecentUploads
from xltemplates.web.results import Result, Results

BIG = int(9.8 * MiB)


def _made(content: bytes) -> asyncio.Future[bytes | None]:
    """An annotated copy as the desk keeps it once its worker has made it."""
    made: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
    made.set_result(content)
    return made


def test_annotated_copies__seven_big_uploads_from_one_link__another_links_copy_kept() -> None:
    async def main() -> None:
        recent = RecentUploads()
        b = recent.add("link-b", "b.xlsx", _made(b"copy of b"), Expect())
        a = [recent.add("link-a", "a.xlsx", _made(bytes(BIG)), Expect()) for _ in range(7)]
        kept_b = recent.get("link-b", b)
        assert kept_b is not None and await kept_b.content() == b"copy of b"
        assert recent.get("link-a", a[-1]) is not None  # A's newest stays; its oldest went
        assert recent.get("link-a", a[0]) is None
        assert recent.get("link-a", b) is None  # and a link never reads another link's copy

    asyncio.run(main())


def test_annotated_copies__one_link__at_most_its_count_kept_newest_first() -> None:
    async def main() -> list[bool]:
        recent = RecentUploads()
        refs = [recent.add("link-a", f"{i}.xlsx", _made(b"x"), Expect()) for i in range(ANNOTATED_PER_LINK + 3)]
        return [recent.get("link-a", r) is not None for r in refs]

    assert asyncio.run(main()) == [False] * 3 + [True] * ANNOTATED_PER_LINK


def _result(owner: str, size: int) -> Result:
    return Result(owner, "f.xlsx", bytes(size), "0" * 64, Expect(), Checked(Report("f.xlsx")), None, None,
                  time.monotonic())


def test_result_pages__seven_big_uploads_from_one_link__another_links_result_kept() -> None:
    results = Results()
    b = results.add(_result("link-b", 10))
    for _ in range(7):
        results.add(_result("link-a", BIG))
    assert results.get("link-b", b) is not None and results.get("link-a", b) is None
