"""What a worker process does with one file: check it and return the report as plain JSON-ready data.

Kept tiny and free of database code: this is the function the process pool pickles and runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..reader.check import check_bytes
from ..reader.identify import Expect
from ..report import Finding, Report


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    sha256: str
    mtime: float
    content: bytes | None  # None: not read, `problem` says why
    problem: Finding | None
    expect: Expect


def run_job(job: Job) -> dict[str, Any]:
    """The report on one file as JSON-ready data (what ``check --json`` gives for it)."""
    if job.content is None:
        report = Report(file=job.name, findings=[job.problem] if job.problem else [])
    else:
        report = check_bytes(job.content, job.name, job.expect)
    return report.to_json()
