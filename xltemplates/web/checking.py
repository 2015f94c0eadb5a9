"""Checking an upload off the event loop: the reader runs in worker processes, the server stays responsive.

The workers run :func:`desk_check` (the same ``check_bytes`` as ``check`` and ``collect``, with the sheets
kept and drawn there as finished HTML: the server process, which every upload passes through, only places
it in the page) and :func:`desk_annotate` (the annotated copy, made on demand from the file's bytes).
Workers are started with ``spawn``: the server process has threads (the event loop's pool), which ``fork``
would copy half-locked. With ``jobs=0`` everything runs in a thread of this process instead (tests).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from markupsafe import Markup

from ..errors import XltError
from ..reader.check import check_bytes
from ..reader.identify import Expect
from ..report import Report
from ..spec.registry import shipped_ids
from ..writer.annotate import annotate
from .sheets import draw

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DeskCheck:
    report: Report  # the typed report (what 正式报送 stores), without what only drawing and annotating need
    shown: list[dict[str, Any]]  # the findings the clerk is shown (Report.for_clerk)
    sheets: Markup  # the visible sheets as HTML grids, problem cells marked (sheets.py; workbook text escaped)
    can_annotate: bool  # errors in a form we can rebuild: an annotated copy can be made


def desk_check(content: bytes, name: str, expect: Expect) -> DeskCheck:
    report = check_bytes(content, name, expect, keep_grid=True)
    shown = [f.to_json() for f in report.for_clerk]
    sheets = draw(report.grid, shown) if report.grid is not None else Markup("")
    kept = replace(report, cells={}, context={}, issued=None, identity=None, grid=None)
    return DeskCheck(kept, shown, sheets, _annotatable(report))


def desk_annotate(content: bytes, name: str, expect: Expect) -> bytes | None:
    """The annotated copy of a file with errors (writer/annotate.py), or None when there is none to make."""
    report = check_bytes(content, name, expect)
    if not _annotatable(report):
        return None
    try:
        return annotate(report)
    except XltError:
        return None


def _annotatable(report: Report) -> bool:
    """Errors in a form we could read and can rebuild: an annotated copy can be made."""
    return report.template is not None and report.data is not None and bool(report.errors) \
        and not report.judgement.unreadable


class CheckPool:
    """Worker processes for checks; a pool broken by a dying worker is replaced for the next request."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._ex: Executor | None = None

    def _executor(self) -> Executor:
        if self._ex is None:
            if self.jobs <= 0:
                self._ex = ThreadPoolExecutor(max_workers=2)
            else:
                self._ex = ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"))
        return self._ex

    def start(self) -> None:
        """Start the workers now (each imports the package once), not on the first clerk's upload."""
        ex = self._executor()
        for f in [ex.submit(_warm) for _ in range(max(1, self.jobs))]:
            f.result()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), fn, *args)
        except BrokenProcessPool:
            self.close(wait=False)  # the next request gets fresh workers; this one fails (500), nothing stored
            raise

    def close(self, wait: bool = True) -> None:
        if self._ex is not None:
            self._ex.shutdown(wait=wait, cancel_futures=True)
            self._ex = None


def _warm() -> None:
    shipped_ids()
