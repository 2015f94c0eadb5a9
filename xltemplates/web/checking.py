"""Checking an upload off the event loop: the reader runs in worker processes, the server stays responsive.

The workers run :func:`desk_check` (the same ``check_bytes`` as ``check`` and ``collect``, with the sheets
kept for drawing) and :func:`desk_annotate` (the annotated copy, made on demand from the file's bytes).
Workers are started with ``spawn``: the server process has threads (the event loop's pool), which ``fork``
would copy half-locked. With ``jobs=0`` everything runs in a thread of this process instead (tests).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import XltError
from ..reader.check import check_bytes
from ..reader.identify import Expect
from ..round.job import READER_FAILURES
from ..spec.registry import shipped_ids
from ..writer.annotate import annotate
from .sheets import DrawnSheet, draw

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DeskCheck:
    report: dict[str, Any]  # what ``check --json`` gives for the file (what 正式报送 stores)
    shown: list[dict[str, Any]]  # the findings the clerk is shown (Report.for_clerk)
    sheets: list[DrawnSheet]
    can_annotate: bool  # errors in a form we can rebuild: an annotated copy can be made


def desk_check(content: bytes, name: str, expect: Expect) -> DeskCheck:
    report = check_bytes(content, name, expect, keep_grid=True)
    out = report.to_json()
    shown = [f.to_json() for f in report.for_clerk]
    sheets = draw(report.grid, shown) if report.grid is not None else []
    return DeskCheck(out, shown, sheets, _annotatable(out))


def desk_annotate(content: bytes, name: str, expect: Expect) -> bytes | None:
    """The annotated copy of a file with errors (writer/annotate.py), or None when there is none to make."""
    report = check_bytes(content, name, expect)
    if not report.errors or report.template is None or report.data is None \
            or any(f.code in READER_FAILURES for f in report.findings):
        return None
    try:
        return annotate(report)
    except XltError:
        return None


def _annotatable(report: dict[str, Any]) -> bool:
    fs = report["findings"]
    return report.get("template") is not None and report.get("data") is not None \
        and any(f["severity"] == "error" for f in fs) and not any(f["code"] in READER_FAILURES for f in fs)


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
