"""Collecting a round: every returned file checked on all cores, each stored in its own transaction.

Re-importing a file already stored (same SHA-256) is a no-op, so a run can be repeated or resumed at
will. Every file is stored with its findings, whatever happened to it: a file our reader failed on (a
bug, a worker that died) is stored as unreadable with E-READ-FAILED, so ``status`` shows it, and the next
run checks it again and replaces it once it reads.

A run is a `Collection`; `Collection.run` reads as the steps it takes.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import sqlalchemy as sa

from ..checking.budget import default_jobs
from ..checking.job import Checked, Job, failed, run_job
from ..checking.ordered import run_ordered
from ..findings.codes import codes_of_kind
from ..findings.report import Report, make_finding
from ..limits import FILE_SECONDS
from ..reader.guards import LEGACY_FORMATS
from ..reader.identify import Expect
from ..unit_files import Unit
from . import annotated
from .attribution import MISMATCH, Attribution, Roster, attribute
from .db import write_connection
from .settings import round_expectation
from .sources import Inbox, Source
from .store import (
    Record,
    Stored,
    known_hashes,
    load_roster,
    rejected_current,
    save_roster,
    still_rejected_current,
    store,
    stored_with_codes,
    unverified,
)

log = logging.getLogger(__name__)

Outcome = Literal["stored", "duplicate", "failed"]


@dataclass(frozen=True, slots=True)
class CollectOptions:
    """How a run checks files: what it expects, on how many cores, what it writes besides the database.

    annotate_dir: every unit whose current submission is rejected gets its annotated copy there (files
    stored by an earlier run are checked again for it when their copy is missing), and a unit whose new
    file is accepted loses its outdated copy.
    convert: .xls/.ods returns are converted by LibreOffice in the workers (see check_bytes), and files
    stored as unreadable for their format alone are read again. With the bureau's key (expect.keyring),
    files stored before as ``unverified`` (collected without it) are checked again.
    seconds: each file's time budget (its annotated copy included), E-FILE-TIMEOUT past it.
    warm: run once in each worker process before it takes a file.
    """

    expect: Expect = field(default_factory=Expect)
    jobs: int | None = None  # worker processes; None: all cores, 1: in this process
    annotate_dir: Path | None = None
    convert: bool = False
    seconds: float = FILE_SECONDS
    warm: Callable[[], object] | None = None


@dataclass(slots=True)
class CollectSummary:
    files: int = 0
    stored: int = 0
    duplicates: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    unidentified: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, why): stored unreadable, retried next run
    annotated: list[str] = field(default_factory=list)  # annotated copies written


@dataclass(slots=True)
class _Stored:
    """What the database held when the run started (and the files this run has planned since)."""

    known: set[str]  # sha256 of every stored file
    retry: set[str]  # stored files to check again: our reader failed on them, or --convert can now read them
    roster: Roster
    rejected: dict[str, str]  # sha256 -> annotated name, of current rejected submissions (with annotate_dir)


def sha256_of(src: Source) -> str:
    if src.content is not None:
        return hashlib.sha256(src.content).hexdigest()
    # an unread file (too large, encrypted member) is keyed by what we know of it, so re-runs skip it too
    code = src.problem.code if src.problem else ""
    return hashlib.sha256(f"unread\0{src.name}\0{src.mtime!r}\0{code}".encode()).hexdigest()


class Collection:
    """One collect run into the round database behind `engine`."""

    def __init__(self, engine: sa.Engine, options: CollectOptions | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.options = options or CollectOptions()
        self.now = now

    def run(self, inbox: Inbox, roster: Sequence[Unit] | None = None,
            on_file: Callable[[str, Outcome], None] | None = None) -> CollectSummary:
        """Check and store every file of `inbox`. `roster`, when given, replaces the stored roster first.
        `on_file` is called once per file, in input order (for a progress bar)."""
        if roster is not None:
            save_roster(self.engine, roster)
        with self.engine.connect() as conn:  # what the round expects, where the run was not told
            template, year = round_expectation(conn)
        expect = self.options.expect
        self.options = replace(self.options, expect=replace(expect, template=expect.template or template,
                                                            year=expect.year or year))
        stored = self._stored()
        summary = CollectSummary(files=len(inbox))
        with write_connection(self.engine) as conn:
            checked = run_ordered(run_job, self._jobs(inbox, stored), self._workers(), inline=_is_skip,
                                  warm=self.options.warm)
            for job, result in checked:
                outcome = self._take(conn, stored, job, _checked(job, result), summary)
                if on_file is not None:
                    on_file(job.name, outcome)
        return summary

    def _stored(self) -> _Stored:
        with self.engine.connect() as conn:
            retry_codes = codes_of_kind("reader") | (set(LEGACY_FORMATS) if self.options.convert else set())
            retry = stored_with_codes(conn, retry_codes)
            if self.options.expect.keyring is not None:
                retry |= unverified(conn)  # stored without a key to verify their identity: verify them now
            return _Stored(known_hashes(conn) - retry, retry, Roster(load_roster(conn)),
                           rejected_current(conn) if self.options.annotate_dir is not None else {})

    def _workers(self) -> int:
        return self.options.jobs or default_jobs()

    def _jobs(self, inbox: Inbox, stored: _Stored) -> Iterator[Job]:
        """A job per file, in input order: check it, only annotate it (stored before, copy missing), or skip it."""
        out_dir, opts = self.options.annotate_dir, self.options
        # the roster goes to the reader: a forged identity's original unit can then be named
        want = replace(opts.expect, units=tuple((u.code, u.name) for u in stored.roster.units))
        for src in inbox:
            digest = sha256_of(src)
            action: Literal["check", "annotate", "skip"] = "check"
            if digest in stored.known:
                name = stored.rejected.get(digest)
                action = "annotate" if out_dir is not None and name is not None and not (out_dir / name).exists() \
                    else "skip"
            stored.known.add(digest)  # the same bytes again later in this run are a duplicate
            yield Job(src.name, digest, src.mtime, src.content if action != "skip" else None, src.problem,
                      want, annotate=out_dir is not None, action=action, convert=opts.convert, seconds=opts.seconds)

    def _take(self, conn: sa.Connection, stored: _Stored, job: Job, result: Checked, summary: CollectSummary) -> Outcome:
        """Store one checked file (or write its annotated copy) and count it."""
        if job.action != "check":
            if job.action == "annotate":
                self._annotate_stored(conn, stored, job, result, summary)
            summary.duplicates += 1
            return "duplicate"
        report = result.report
        failed = reader_failed(report)
        if failed:
            summary.failed.append((job.name, _why(report)))
            if job.sha256 in stored.retry:  # failed again: the stored row already says so
                summary.duplicates += 1
                return "failed"
        rec = record(job, report, stored.roster, self.now())
        try:
            saved = store(conn, rec, replace=job.sha256 in stored.retry)
        except sa.exc.DBAPIError as exc:  # the database refused this file's row: store one that says so
            log.debug("storing %s failed (E-READ-FAILED)", job.name, exc_info=True)
            why = f"数据库未能保存读取结果：{type(exc.orig).__name__}"[:200]
            rec = replace(rec, data=None, findings=[make_finding("E-READ-FAILED", found=why)])
            summary.failed.append((job.name, rec.findings[0].message))
            saved = store(conn, rec, replace=job.sha256 in stored.retry)
            failed = True
        if saved is None:
            summary.duplicates += 1
            return "duplicate"
        summary.stored += 1
        summary.verdicts[rec.judgement.verdict] += 1
        if rec.unit_code is None:
            summary.unidentified.append(rec.file_name)
        if self.options.annotate_dir is not None:
            self._annotated_copy(self.options.annotate_dir, saved, rec, result.annotated, summary)
        return "failed" if failed else "stored"

    def _annotate_stored(self, conn: sa.Connection, stored: _Stored, job: Job, result: Checked,
                         summary: CollectSummary) -> None:
        """The annotated copy of a file stored before, if it is still a current rejected submission."""
        out_dir, name = self.options.annotate_dir, stored.rejected[job.sha256]
        if out_dir is not None and result.annotated is not None and still_rejected_current(conn, job.sha256):
            annotated.write(out_dir, name, result.annotated)
            summary.annotated.append(name)

    @staticmethod
    def _annotated_copy(out_dir: Path, saved: Stored, rec: Record, content: bytes | None,
                        summary: CollectSummary) -> None:
        name = annotated.annotated_name(rec.unit_code, rec.unit_name, rec.template, rec.file_name)
        if rec.unit_code is not None and not saved.current:
            return  # older than the unit's current file: its annotated copy would mislead
        if content is not None:
            annotated.write(out_dir, name, content)
            summary.annotated.append(name)
        elif rec.unit_code is not None and rec.judgement.valid:
            annotated.remove(out_dir, name)


def _is_skip(job: Job) -> bool:
    return job.action == "skip"


def reader_failed(report: Report) -> bool:
    """Whether the file could not be checked for a reason on our side (stored unreadable, checked again next run)."""
    return any(f.kind == "reader" for f in report.findings)


def _why(report: Report) -> str:
    return next(f.message for f in report.findings if f.kind == "reader")


def _checked(job: Job, result: Checked | Exception) -> Checked:
    """A worker that raised, died or hung still gives a report (checking/job.py's failed, as on the desk)."""
    if not isinstance(result, Exception):
        return result
    log.debug("checking %s failed", job.name, exc_info=result)  # the traceback, for --verbose
    return failed(job.name, result)


def store_checked(conn: sa.Connection, job: Job, report: Report, roster: Roster, received_at: datetime,
                  replace: bool = False, unit: Attribution | None = None) -> tuple[Record, Stored | None]:
    """Store one checked file (one transaction: row, findings, original, the unit's current flag), as every
    way into the round does (collect here, the web desk's 正式报送). `unit`: who handed it in when the caller
    knows (the web desk's link), else it is attributed from the report as collect does. None when stored before."""
    rec = record(job, report, roster, received_at, unit)
    return rec, store(conn, rec, replace)


def record(job: Job, report: Report, roster: Roster, received_at: datetime, unit: Attribution | None = None) -> Record:
    """The row to store for a checked file: a unit's only when its verified identity names the unit, template
    and year the job expects (attribution.py), else stored without a unit, with the unit it seems to be as a
    claim. `unit` (the web desk's link) is the only unit the file may then be stored for."""
    who = attribute(report, job.name, roster, job.expect)
    if unit is not None and who.code is not None and who.code != unit.code:
        who = Attribution(None, None, MISMATCH, who.code)
    claimed = who.code or who.claimed
    name = report.unit_name if claimed == report.unit_code else None
    if claimed is not None and claimed in roster.by_code:
        name = name or roster.by_code[claimed].name
    return Record(
        file_name=job.name, sha256=job.sha256, file_mtime=job.mtime, received_at=received_at,
        unit_code=who.code, unit_name=name if claimed else None, unit_source=who.source, claimed_unit=who.claimed,
        template=report.template, version=report.version, year=report.year, data=report.data,
        findings=list(report.findings), content=job.content,
    )
