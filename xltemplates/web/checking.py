"""What the desk's worker processes do with an upload (workers.py runs them off the event loop).

:func:`desk_check` is the same check as ``check`` and ``collect`` (round/job.py's check_in_time: check_bytes
within the reader's time budget), with the sheets kept and drawn there as finished HTML, so the server
process, which every upload passes through, only places it in the page. :func:`desk_annotate` makes the
annotated copy on demand from the file's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from markupsafe import Markup

from ..catalogue.registry import shipped_ids
from ..errors import XltError
from ..findings.report import Report
from ..reader.identify import Expect
from ..round.job import check_in_time
from ..writer.annotate import annotate
from .clerk import clerk_findings
from .sheets import draw
from .workers import WorkerPool


@dataclass(frozen=True, slots=True)
class DeskCheck:
    report: Report  # the typed report (what 正式报送 stores), without what only drawing and annotating need
    shown: list[dict[str, Any]]  # the findings the clerk is shown (Report.for_clerk)
    sheets: Markup  # the visible sheets as HTML grids, problem cells marked (sheets.py; workbook text escaped)
    can_annotate: bool  # errors in a form we can rebuild: an annotated copy can be made


def desk_check(content: bytes, name: str, expect: Expect) -> DeskCheck:
    report = check_in_time(content, name, expect, keep_grid=True)
    shown = [f.to_json() for f in report.for_clerk]
    # the grid's titles in the clerk's words (clerk.py), as the findings beside it
    sheets = draw(report.grid, clerk_findings(shown)) if report.grid is not None else Markup("")
    kept = replace(report, cells={}, context={}, issued=None, identity=None, grid=None)
    return DeskCheck(kept, shown, sheets, _annotatable(report))


def desk_annotate(content: bytes, name: str, expect: Expect) -> bytes | None:
    """The annotated copy of a file with errors (writer/annotate.py), or None when there is none to make."""
    report = check_in_time(content, name, expect)
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


def check_pool(jobs: int) -> WorkerPool:
    """The desk's workers: `jobs` processes, each with the shipped templates loaded before it takes a file."""
    return WorkerPool(jobs, warm=_warm)


def _warm() -> None:
    shipped_ids()
