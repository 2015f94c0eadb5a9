"""Collecting a round: every returned file checked on all cores, each stored in its own transaction.

Re-importing a file already stored (same SHA-256) is a no-op, so a run can be repeated or resumed at
will; a file whose check crashed is reported and *not* stored, so the next run tries it again.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa

from ..reader.identify import Expect
from ..writer.generate import Unit
from .attribution import Roster, attribute
from .db import write_connection
from .job import Job, run_job
from .pool import default_jobs, run_ordered
from .sources import Inbox, Source
from .store import Record, known_hashes, load_roster, save_roster, store
from .verdict import verdict_of

Outcome = Literal["stored", "duplicate", "failed"]


@dataclass(slots=True)
class CollectSummary:
    files: int = 0
    stored: int = 0
    duplicates: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    unidentified: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, why): not stored, retried next run


def sha256_of(src: Source) -> str:
    if src.content is not None:
        return hashlib.sha256(src.content).hexdigest()
    # an unread file (too large, encrypted member) is keyed by what we know of it, so re-runs skip it too
    code = src.problem.code if src.problem else ""
    return hashlib.sha256(f"unread\0{src.name}\0{src.mtime!r}\0{code}".encode()).hexdigest()


def collect(
    engine: sa.Engine,
    path: str | Path,
    expect: Expect | None = None,
    jobs: int | None = None,
    roster: Sequence[Unit] | None = None,
    on_file: Callable[[str, Outcome], None] | None = None,
    inbox: Inbox | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CollectSummary:
    """Check and store every file of `path` (a directory or a zip). `roster`, when given, replaces the
    stored roster first. `on_file` is called once per file, in input order (for a progress bar)."""
    box = inbox if inbox is not None else Inbox(path)
    if roster is not None:
        save_roster(engine, roster)
    with engine.connect() as conn:
        known = known_hashes(conn)
        units = Roster(load_roster(conn))
    summary = CollectSummary(files=len(box))
    notify = on_file or (lambda _name, _outcome: None)

    def todo() -> Iterator[Job]:
        for src in box:
            digest = sha256_of(src)
            if digest in known:
                summary.duplicates += 1
                notify(src.name, "duplicate")
                continue
            known.add(digest)
            yield Job(src.name, digest, src.mtime, src.content, src.problem, expect or Expect())

    with write_connection(engine) as conn:
        for job, result in run_ordered(run_job, todo(), jobs or default_jobs()):
            if isinstance(result, Exception):
                summary.failed.append((job.name, f"{type(result).__name__}: {result}"))
                notify(job.name, "failed")
                continue
            rec = record(job, result, units, now())
            if store(conn, rec) is None:
                summary.duplicates += 1
                notify(job.name, "duplicate")
                continue
            summary.stored += 1
            summary.verdicts[rec.verdict] += 1
            if rec.unit_code is None:
                summary.unidentified.append(rec.file_name)
            notify(job.name, "stored")
    return summary


def record(job: Job, report: dict[str, Any], roster: Roster, received_at: datetime) -> Record:
    """The row to store for a checked file."""
    verdict, n_err, n_warn = verdict_of(report["findings"])
    who = attribute(report, job.name, roster)
    return Record(
        file_name=job.name, sha256=job.sha256, file_mtime=job.mtime, received_at=received_at,
        unit_code=who.code, unit_name=who.name, unit_source=who.source, template=report.get("template"),
        version=report.get("version"), year=report.get("year"), verdict=verdict, n_errors=n_err,
        n_warnings=n_warn, data=report.get("data"), findings=list(report["findings"]),
    )
