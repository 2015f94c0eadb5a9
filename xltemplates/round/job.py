"""What a worker process does with one file: check it, annotate it if asked, return plain picklable data.

Kept free of database code: this is the function the process pool pickles and runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import XltError
from ..limits import FILE_SECONDS
from ..reader.check import check_bytes
from ..reader.identify import Expect
from ..report import Finding, Report, make_finding
from ..writer.annotate import annotate
from .pool import FileTimeout, time_limit

#: Findings that mean "our reader failed", not "the clerk's file is wrong": such a file is not stored,
#: so the next run checks it again once the reader is fixed.
READER_FAILURES = frozenset({"E-READ-FAILED"})


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    sha256: str
    mtime: float
    content: bytes | None  # None: not read, `problem` says why
    problem: Finding | None
    expect: Expect
    annotate: bool = False  # also return the annotated copy when the file is rejected
    store: bool = True  # False: already stored, only its annotated copy is wanted
    convert: bool = False  # read an .xls/.ods through LibreOffice (check_bytes(convert=True))


@dataclass(frozen=True, slots=True)
class Checked:
    report: dict[str, Any]  # what ``check --json`` gives for the file
    annotated: bytes | None = None


def run_job(job: Job) -> Checked:
    if job.content is None:
        report = Report(file=job.name, findings=[job.problem] if job.problem else [])
    else:
        try:
            with time_limit(FILE_SECONDS):
                report = check_bytes(job.content, job.name, job.expect, job.convert)
        except FileTimeout:
            report = Report(file=job.name, findings=[make_finding("E-FILE-TIMEOUT", expected=f"{FILE_SECONDS:g} 秒")])
    annotated = None
    if job.annotate and report.errors and report.template is not None and report.data is not None \
            and not any(f.code in READER_FAILURES for f in report.findings):
        try:
            annotated = annotate(report, job.expect.keyring)
        except XltError:
            annotated = None  # no annotated copy for a form that cannot be rebuilt; the findings still stand
    return Checked(report.to_json(), annotated)
