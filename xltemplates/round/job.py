"""What a worker process does with one file: check it, annotate it if asked, return the typed report.

Kept free of database code: this is the function the process pool pickles and runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from ..errors import XltError
from ..findings.report import Finding, Report, make_finding
from ..limits import FILE_SECONDS
from ..reader.check import check_bytes
from ..reader.identify import Expect
from ..writer.annotate import annotate
from .pool import FileTimeout, time_limit


@dataclass(frozen=True, slots=True)
class Job:
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


@dataclass(frozen=True, slots=True)
class Checked:
    report: Report  # without what only annotate needs (cells, context, issued): it travels back by pickle
    annotated: bytes | None = None


def check_in_time(content: bytes, name: str, expect: Expect, convert: bool = False, keep_grid: bool = False) -> Report:
    """check_bytes, stopped after FILE_SECONDS (in a worker's main thread) with E-FILE-TIMEOUT as its finding."""
    try:
        with time_limit(FILE_SECONDS):
            return check_bytes(content, name, expect, convert, keep_grid=keep_grid)
    except FileTimeout:
        return Report(file=name, findings=[make_finding("E-FILE-TIMEOUT", expected=f"{FILE_SECONDS:g} 秒")])


def run_job(job: Job) -> Checked:
    if job.action == "skip":
        return Checked(Report(file=job.name))
    if job.content is None:
        report = Report(file=job.name, findings=[job.problem] if job.problem else [])
    else:
        report = check_in_time(job.content, job.name, job.expect, job.convert)
    annotated = None
    if job.annotate and report.errors and report.template is not None and report.data is not None \
            and not report.judgement.unreadable:
        try:
            annotated = annotate(report, job.expect.keyring)
        except XltError:
            annotated = None  # no annotated copy for a form that cannot be rebuilt; the findings still stand
    return Checked(replace(report, cells={}, context={}, issued=None, identity=None), annotated)
