"""The township's page, one per unit, opened by the unit's link: upload, verdict at once, hand in.

「仅检查」 checks and stores nothing. 「正式报送」 stores the file exactly as ``collect`` does (round/collect.py's
store_checked: one transaction, history kept, the unit's current file moves), unless the workbook is
another unit's (E-WRONG-UNIT), its identity fails the bureau's signature (reader/verify.py: collect would
store it without a unit, so it cannot be this unit's submission either) or our reader failed on it: then
nothing is stored, and the page says so.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..reader.identify import Expect
from ..reader.verify import IDENTITY_FAILED
from ..report import Report
from ..round import queries
from ..round.annotated import annotated_name
from ..round.attribution import Attribution, Roster
from ..round.collect import reader_failed, store_checked
from ..round.db import write_connection
from ..round.job import Job
from ..round.links import Link, link_for, token_sha256
from .checking import desk_annotate, desk_check
from .desk import Desk, desk_of
from .forms import Refused, posted_form
from .judgement import judge
from .security import content_disposition
from .views import XLSX, history_view

#: Findings that mean "this workbook is not this unit's to hand in": shown, never stored under the link's unit.
NOT_THIS_UNIT = frozenset({"E-WRONG-UNIT", *IDENTITY_FAILED})


def routes() -> list[Route]:
    return [
        Route("/u/{token}", unit_page, methods=["GET"]),
        Route("/u/{token}", unit_upload, methods=["POST"]),
        Route("/u/{token}/annotated/{ref}", unit_annotated, methods=["GET"]),
    ]


def _unknown_link() -> Refused:
    return Refused(404, "链接无效", "该填报链接不存在，或已被财政局更换。请向财政局索取本单位的最新链接。")


def _link(engine: sa.Engine, token: str) -> Link | None:
    with engine.connect() as conn:
        return link_for(conn, token)


def _history(engine: sa.Engine, link: Link) -> list[dict[str, Any]]:
    """The unit's stored files as its page lists them."""
    with engine.connect() as conn:
        return history_view(queries.unit_history(conn, link.unit_code))


def _view(engine: sa.Engine, token: str) -> tuple[Link | None, list[dict[str, Any]]]:
    link = _link(engine, token)
    return link, (_history(engine, link) if link is not None else [])


async def unit_page(request: Request) -> Response:
    desk = desk_of(request)
    token = request.path_params["token"]
    link, history = await desk.db(_view, desk.engine, token)
    if link is None:
        r = _unknown_link()
        return desk.refusal(request, r.status, r.title, r.detail)
    return desk.page(request, "unit.html", link=link, token=token, history=history, result=None)


@dataclass(frozen=True, slots=True)
class Submitted:
    outcome: str  # stored / duplicate / refused / failed / checked
    submission_id: int | None = None
    why: str = ""  # the code a refusal comes from


async def unit_upload(request: Request) -> Response:
    desk = desk_of(request)
    token = request.path_params["token"]
    limit = desk.config.max_upload
    try:
        link = await desk.db(_link, desk.engine, token)
        if link is None:
            raise _unknown_link()
        if not desk.uploads.allow(token_sha256(token)):
            raise Refused(429, "提交过于频繁", "本单位的提交次数暂时过多，请过几分钟再试。")
        form = await posted_form(request, limit)
        action = form.fields.get("action")
        if action not in ("check", "submit"):
            raise Refused(400, "无法识别的操作", "请点击「仅检查」或「正式报送」。")
        up = form.file
        if up is None:
            raise Refused(400, "未选择文件", "请先选择要上传的申报表（.xlsx 文件），再点击按钮。")
    except Refused as r:
        return desk.refusal(request, r.status, r.title, r.detail)
    name, content = up
    expect = Expect(template=link.template, year=link.year, unit_code=link.unit_code, unit_name=link.unit_name)
    checked = await desk.pool.run(desk_check, content, name, expect)
    submitted, history = await desk.db(_after_check, desk, link, action == "submit", name, content, checked.report,
                                       expect)
    ref = desk.recent.add(token_sha256(token), name, content, expect) if checked.can_annotate else None
    result = {"file": name, "judged": judge(checked.report), "findings": checked.shown,
              "sheets": checked.sheets, "annotated": ref, "submitted": submitted}
    return desk.page(request, "unit.html", link=link, token=token, history=history, result=result)


#: The link names the unit: a file whose identity sheet names none is not attributed from the roster.
_NO_ROSTER = Roster(())


def _after_check(desk: Desk, link: Link, submit: bool, name: str, content: bytes, report: Report,
                 expect: Expect) -> tuple[Submitted, list[dict[str, Any]]]:
    """For 正式报送, store the checked file as collect does; what happened, and the unit's files after it."""
    submitted = _store(desk, link, name, content, report, expect) if submit else Submitted("checked")
    return submitted, _history(desk.engine, link)


def _store(desk: Desk, link: Link, name: str, content: bytes, report: Report, expect: Expect) -> Submitted:
    if reader_failed(report):
        return Submitted("failed")
    refused = next((f.code for f in report.findings if f.code in NOT_THIS_UNIT), None)
    if refused is not None:
        return Submitted("refused", why=refused)
    job = Job(name, hashlib.sha256(content).hexdigest(), time.time(), content, None, expect)
    # one writer at a time in this process: the others wait on a lock that wakes them at once, not on
    # SQLite's busy handler, which sleeps in steps of up to 100 ms while the lock is free again
    with desk.writing, write_connection(desk.engine) as conn:
        _, stored = store_checked(conn, job, report, _NO_ROSTER, datetime.now(UTC),
                                  unit=Attribution(link.unit_code, link.unit_name, "link"))
    return Submitted("duplicate") if stored is None else Submitted("stored", stored.id)


async def unit_annotated(request: Request) -> Response:
    desk = desk_of(request)
    token = request.path_params["token"]
    up = desk.recent.get(token_sha256(token), request.path_params["ref"])
    if up is None:
        return desk.refusal(request, 404, "批注版已过期", "请重新上传文件，再下载批注版。")
    content = await desk.pool.run(desk_annotate, up.content, up.name, up.expect)
    if content is None:
        return desk.refusal(request, 404, "没有批注版", "该文件没有需要批注的错误。")
    name = annotated_name(up.expect.unit_code, up.expect.unit_name, up.expect.template, up.name)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": content_disposition(name)})
