"""Collecting a round: every returned file checked on all cores, each stored in its own transaction.

Re-importing a file already stored (same SHA-256) is a no-op, so a run can be repeated or resumed at
will; a file whose check crashed is reported and *not* stored, so the next run tries it again.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa

from ..reader.identify import Expect
from ..unit_files import Unit
from . import annotated
from .attribution import Attribution, Roster, attribute
from .db import write_connection
from .job import READER_FAILURES, Job, run_job
from .pool import default_jobs, run_ordered
from .sources import Inbox, Source
from .store import (
    Record,
    Stored,
    known_hashes,
    legacy_unreadable,
    load_roster,
    rejected_current,
    save_roster,
    still_rejected_current,
    store,
    unverified,
)
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
    annotated: list[str] = field(default_factory=list)  # annotated copies written


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
    annotate_dir: str | Path | None = None,
    convert: bool = False,
) -> CollectSummary:
    """Check and store every file of `path` (a directory or a zip). `roster`, when given, replaces the
    stored roster first. `on_file` is called once per file, in input order (for a progress bar).

    With `annotate_dir`, every unit whose current submission is rejected gets its annotated copy there
    (files stored by an earlier run are checked again for it when their copy is missing), and a unit
    whose new file is accepted loses its outdated copy.

    With `convert`, .xls/.ods returns are converted by LibreOffice in the workers (see check_bytes).
    With the bureau's key, files stored before as ``unverified`` (collected without it) are checked again.
    """
    box = inbox if inbox is not None else Inbox(path)
    if roster is not None:
        save_roster(engine, roster)
    with engine.connect() as conn:
        known = known_hashes(conn)
        retry = legacy_unreadable(conn) if convert else set()  # stored as .xls/.ods before: read them now
        base = expect or Expect()
        if base.keyring is not None:
            retry |= unverified(conn)  # stored without a key to verify their identity: verify them now
        known -= retry
        units = Roster(load_roster(conn))
        pending = rejected_current(conn) if annotate_dir is not None else {}
    # the roster goes to the reader: a forged identity's original unit can then be named
    want = replace(base, units=tuple((u.code, u.name) for u in units.units))
    out_dir = Path(annotate_dir) if annotate_dir is not None else None
    summary = CollectSummary(files=len(box))
    notify = on_file or (lambda _name, _outcome: None)

    def todo() -> Iterator[Job]:
        for src in box:
            digest = sha256_of(src)
            if digest in known:
                target = pending.get(digest)
                if out_dir is not None and target is not None and not (out_dir / target).exists():
                    yield Job(src.name, digest, src.mtime, src.content, src.problem, want, annotate=True, store=False,
                              convert=convert)
                    continue
                summary.duplicates += 1
                notify(src.name, "duplicate")
                continue
            known.add(digest)
            yield Job(src.name, digest, src.mtime, src.content, src.problem, want, annotate=out_dir is not None,
                      convert=convert)

    with write_connection(engine) as conn:
        for job, result in run_ordered(run_job, todo(), jobs or default_jobs()):
            if isinstance(result, Exception) or reader_failed(result.report):
                why = f"{type(result).__name__}: {result}" if isinstance(result, Exception) else \
                    next(f["message"] for f in result.report["findings"] if f["code"] in READER_FAILURES)
                summary.failed.append((job.name, why))
                notify(job.name, "failed")
                continue
            if not job.store:  # an annotated copy for a file stored before
                if out_dir is not None and result.annotated is not None and still_rejected_current(conn, job.sha256):
                    annotated.write(out_dir, pending[job.sha256], result.annotated)
                    summary.annotated.append(pending[job.sha256])
                summary.duplicates += 1
                notify(job.name, "duplicate")
                continue
            rec, stored = store_checked(conn, job, result.report, units, now(), replace=job.sha256 in retry)
            if stored is None:
                summary.duplicates += 1
                notify(job.name, "duplicate")
                continue
            summary.stored += 1
            summary.verdicts[rec.verdict] += 1
            if rec.unit_code is None:
                summary.unidentified.append(rec.file_name)
            if out_dir is not None:
                _annotated_copy(out_dir, stored, rec, result.annotated, summary)
            notify(job.name, "stored")
    return summary


def reader_failed(report: dict[str, Any]) -> bool:
    """Whether our reader failed on the file (then it is not stored: the next run checks it again)."""
    return any(f["code"] in READER_FAILURES for f in report["findings"])


def _annotated_copy(out_dir: Path, stored: Stored, rec: Record, content: bytes | None, summary: CollectSummary) -> None:
    name = annotated.annotated_name(rec.unit_code, rec.unit_name, rec.template, rec.file_name)
    if rec.unit_code is not None and not stored.current:
        return  # older than the unit's current file: its annotated copy would mislead
    if content is not None:
        annotated.write(out_dir, name, content)
        summary.annotated.append(name)
    elif rec.unit_code is not None and rec.verdict in ("accepted", "accepted-warnings"):
        annotated.remove(out_dir, name)


def store_checked(conn: sa.Connection, job: Job, report: dict[str, Any], roster: Roster, received_at: datetime,
                  replace: bool = False, unit: Attribution | None = None) -> tuple[Record, Stored | None]:
    """Store one checked file (one transaction: row, findings, original, the unit's current flag), as every
    way into the round does (collect here, the web desk's 正式报送). `unit`: who handed it in when the caller
    knows (the web desk's link), else it is attributed from the report as collect does. None when stored before."""
    rec = record(job, report, roster, received_at, unit)
    return rec, store(conn, rec, replace)


def record(job: Job, report: dict[str, Any], roster: Roster, received_at: datetime,
           unit: Attribution | None = None) -> Record:
    """The row to store for a checked file."""
    verdict, n_err, n_warn = verdict_of(report["findings"])
    who = attribute(report, job.name, roster)
    if unit is not None and who.source != "identity":
        who = unit  # the identity sheet names the unit when it is there; a link vouches for the rest
    return Record(
        file_name=job.name, sha256=job.sha256, file_mtime=job.mtime, received_at=received_at,
        unit_code=who.code, unit_name=who.name, unit_source=who.source, template=report.get("template"),
        version=report.get("version"), year=report.get("year"), verdict=verdict, n_errors=n_err,
        n_warnings=n_warn, data=report.get("data"), findings=list(report["findings"]), content=job.content,
    )
