"""What a check worker does with one file: check it, annotate it and draw its sheets when asked, all
within the file's time budget, and return the one shape of a checked file (`Checked`).

Kept free of database and web code: these are the functions the pool pickles and runs. `failed` is the
other half of the contract: what a file whose worker died or hung is reported as, wherever it was checked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, cast

from markupsafe import Markup

from ..errors import XltError
from ..findings.report import Finding, Report, make_finding
from ..limits import FILE_SECONDS
from ..reader.check import check_bytes_and_evidence
from ..reader.evidence import Evidence
from ..reader.identify import Expect
from ..trust.keys import Keyring
from ..writer.annotate import annotate
from .budget import FileTimeout, time_limit
from .grid_html import draw
from .workers import WorkerTimedOut

#: How the drawn grid words its cells' findings (the desk's clerk wording); a top-level function, as it travels
Words = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Job:
    """One file of a collect run, as its worker receives it."""

    name: str
    sha256: str
    mtime: float
    content: bytes | None  # None: not read, `problem` says why
    problem: Finding | None
    expect: Expect
    annotate: bool = False  # also return the annotated copy when the file is rejected
    # check: a new file; annotate: stored before, only its annotated copy is wanted; skip: stored before
    action: Literal["check", "annotate", "skip"] = "check"
    convert: bool = False  # read an .xls/.ods through LibreOffice (check_bytes(convert=True))
    seconds: float = FILE_SECONDS  # the file's time budget, annotated copy included


@dataclass(frozen=True, slots=True)
class Checked:
    """A checked file, as it travels back from a worker and is stored or shown (collect, the desk).

    report: the verdict and findings (the reader's evidence stays in the worker: reader/evidence.py).
    annotated: the annotated copy, when it was asked for and can be made (errors in a form we can rebuild).
    sheets: the visible sheets as HTML grids with the problem cells marked, when asked for (grid_html.py).
    """

    report: Report
    annotated: bytes | None = None
    sheets: Markup = Markup("")

    @property
    def shown(self) -> list[dict[str, Any]]:
        """The findings a clerk is shown (Report.for_clerk), as the page lists them."""
        return [f.to_json() for f in self.report.for_clerk]


def check(content: bytes, name: str, expect: Expect, *, convert: bool = False, annotated: bool = False,
          sheets: bool = False, words: Words | None = None, seconds: float = FILE_SECONDS) -> Checked:
    """check_bytes, and the annotated copy and the drawn sheets (their findings worded by `words`) if asked,
    stopped after `seconds` in all (in a worker's main thread) with E-FILE-TIMEOUT as the file's finding."""
    steps = checked_then_copy(content, name, expect, convert=convert, annotated=annotated, sheets=sheets, words=words,
                              seconds=seconds)
    checked, copy = cast(Checked, next(steps)), cast(bytes | None, next(steps))
    return Checked(checked.report, copy, checked.sheets)


def checked_then_copy(content: bytes, name: str, expect: Expect, *, convert: bool = False, annotated: bool = False,
                      sheets: bool = False, words: Words | None = None,
                      seconds: float = FILE_SECONDS) -> Iterator[Checked | bytes | None]:
    """Two steps within one budget of `seconds`: the checked file (report, drawn sheets if asked; never its
    copy), then its annotated copy if asked and it can have one, else None, made from the evidence kept
    between the two (the desk sends the first to the clerk before the second is made: job.check_upload)."""
    deadline = time.monotonic() + seconds
    try:
        with time_limit(seconds):
            report, evidence = check_bytes_and_evidence(content, name, expect, convert)
            drawn = Markup("")
            if sheets and evidence.grid is not None:
                shown = [f.to_json() for f in report.for_clerk]
                drawn = draw(evidence.grid, words(shown) if words is not None else shown)
    except FileTimeout:
        yield Checked(timed_out(name, seconds))
        yield None
        return
    yield Checked(report, None, drawn)  # the evidence stays here: only the report and what was made travel
    left = deadline - time.monotonic()
    copy = None
    if annotated and annotatable(report) and left > 0:
        try:
            with time_limit(left):
                copy = _annotated(report, evidence, expect)
        except FileTimeout:
            copy = None  # the verdict stands; the copy is what ran out of time
    yield copy


def run_job(job: Job) -> Checked:
    """A collect worker's file (collect.py decides what each job asks for)."""
    if job.action == "skip":
        return Checked(Report(file=job.name))
    if job.content is None:
        return Checked(Report(file=job.name, findings=[job.problem] if job.problem else []))
    return check(job.content, job.name, job.expect, convert=job.convert, annotated=job.annotate, seconds=job.seconds)


def check_upload(content: bytes, name: str, expect: Expect, words: Words | None = None) -> Iterator[Checked | bytes | None]:
    """A desk upload, in two steps for WorkerPool.run_then: its report and its sheets drawn for the verdict
    page (what the clerk waits for), then its annotated copy or None, made within the same budget from the
    evidence the worker still holds, so that downloading it later costs no check."""
    return checked_then_copy(content, name, expect, annotated=True, sheets=True, words=words)


def annotate_stored(content: bytes, name: str, expect: Expect) -> bytes | None:
    """The annotated copy of a stored original (the bureau's download), or None when there is none to make."""
    return check(content, name, expect, annotated=True).annotated


def failed(name: str, exc: Exception) -> Checked:
    """The file whose check raised, or whose worker died or hung: unreadable, with E-FILE-TIMEOUT when its
    worker was stopped for time, else E-READ-FAILED saying why. The same wherever the check ran."""
    if isinstance(exc, WorkerTimedOut):
        return Checked(timed_out(name, FILE_SECONDS))
    why = f"{type(exc).__name__}: {exc}"[:200]
    return Checked(Report(file=name, findings=[make_finding("E-READ-FAILED", found=why)]))


def timed_out(name: str, seconds: float) -> Report:
    return Report(file=name, findings=[make_finding("E-FILE-TIMEOUT", expected=f"{seconds:g} 秒")])


def annotatable(report: Report) -> bool:
    """Whether a file can have an annotated copy: it has errors, in a form we could read and can rebuild."""
    return report.template is not None and report.data is not None and bool(report.errors) \
        and not report.judgement.unreadable


def _annotated(report: Report, evidence: Evidence, expect: Expect) -> bytes | None:
    """The annotated copy of an annotatable file, else None."""
    if not annotatable(report):
        return None
    keyring: Keyring | None = expect.keyring
    try:
        return annotate(report, evidence, keyring)
    except XltError:
        return None  # no annotated copy for a form that cannot be rebuilt; the findings still stand
