"""The township's page, one per unit, opened by the unit's link: upload, verdict, hand in (POST/redirect/GET).

「仅检查」 checks and stores nothing. 「正式报送」 hands the file in through round/handin.py: refused (nothing
stored, nothing becomes current) when the file cannot be this unit's return for this round, else stored as
``collect`` stores it, or, for the same bytes handed in before by this unit, made current again. Every POST is
answered with a redirect to a result page (results.py), so Back and F5 never send a file twice; the checked
bytes stay with the result for 「报送刚才检查的文件」.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..checking.job import Job
from ..findings.judgement import Standing, judged, standing
from ..reader.identify import Expect
from ..round import queries
from ..round.annotated import annotated_name
from ..round.attribution import Attribution, refusal
from ..round.beijing import local_time
from ..round.db import write_connection
from ..round.desk_settings import DeskSettings, desk_settings, has_issued, issued_workbook
from ..round.handin import HandIn, hand_in
from ..round.links import Link, link_for, token_sha256
from ..round.review import Reviewed, standing_review
from .clerk import clerk_findings
from .desk import Desk, desk_of
from .forms import Refused, posted_form
from .results import Result
from .security import content_disposition
from .views import XLSX, form_title, history_view


def routes() -> list[Route]:
    return [
        Route("/u/{token}", unit_page, methods=["GET"]),
        Route("/u/{token}", unit_upload, methods=["POST"]),
        Route("/u/{token}/r/{ref}", result_page, methods=["GET"]),
        Route("/u/{token}/r/{ref}", hand_in_checked, methods=["POST"]),
        Route("/u/{token}/annotated/{ref}", unit_annotated, methods=["GET"]),
        Route("/u/{token}/receipt/{sid:int}", receipt, methods=["GET"]),
        Route("/u/{token}/workbook", workbook, methods=["GET"]),
    ]


def _unknown_link() -> Refused:
    return Refused(404, "链接无效", "该填报链接不存在，或已被财政局更换。请向财政局索取本单位的最新链接。")


def _link(engine: sa.Engine, token: str) -> Link | None:
    with engine.connect() as conn:
        return link_for(conn, token)


def _view(engine: sa.Engine, token: str, with_result: bool = False) -> tuple[Link | None, dict[str, Any]]:
    """The link and what the unit's page shows from the database: its files and its current file's findings.
    `with_result`: the page shows an upload's result (unit.html then shows neither the deadline, the issued
    workbook nor the current file's findings, so they are not read)."""
    with engine.connect() as conn:
        link = link_for(conn, token)
        if link is None:
            return None, {}
        history = history_view(queries.unit_history(conn, link.unit_code))
        current = next((h for h in history if h["current"]), None)
        found = queries.findings_of(conn, [current["id"]])[current["id"]] if current and not with_result else []
        reviewed = standing_review(conn, link.unit_code)
        settings, offered = (DeskSettings(), False) if with_result else \
            (desk_settings(conn), has_issued(conn, link.unit_code))
    if current is not None and reviewed is not None:  # the bureau's hand on the current file decides its state
        j = current["judged"]
        current["judged"] = standing(j.verdict, j.n_errors, j.n_warnings, reviewed.action)
    return link, {"history": history, "current": current, "form": form_title(link.template, link.year),
                  "settings": settings, "issued": offered, "review": _review_notice(reviewed),
                  "stored_findings": clerk_findings(dict(f._mapping) for f in found)}


def _review_notice(r: Reviewed | None) -> dict[str, str] | None:
    """What the unit reads of the bureau's review of its current file."""
    if r is None:
        return None
    if r.action == "returned":
        return {"state": "returned", "text": f"财政局于 {local_time(r.at)} 退回修改：{r.reason}。请按要求修改后重新报送。"}
    return {"state": "approved", "text": f"财政局已于 {local_time(r.at)} 审核通过本单位报送的文件。"}


def _to(token: str, ref: str | None = None) -> RedirectResponse:
    return RedirectResponse(f"/u/{token}" + (f"/r/{ref}" if ref else ""), status_code=303)


async def unit_page(request: Request) -> Response:
    return await _page(request, None)


async def result_page(request: Request) -> Response:
    desk = desk_of(request)
    token = request.path_params["token"]
    owner, ref = token_sha256(token), request.path_params["ref"]
    # kept by this process (the usual case: the redirect comes back here), else from the database
    result = desk.results.kept(owner, ref) or await desk.db(desk.results.get, owner, ref)
    if result is None:  # gone (restart, age) or another link's: the unit's page shows the stored file
        return _to(token)
    return await _page(request, result)


async def _page(request: Request, result: Result | None) -> Response:
    desk = desk_of(request)
    token = request.path_params["token"]
    link, view = await desk.db(_view, desk.engine, token, result is not None)
    if link is None:
        r = _unknown_link()
        return desk.refusal(request, r.status, r.title, r.detail)
    shown = None
    if result is not None:
        judgement = judged(result.checked.report.judgement)
        why = refusal(result.checked.report, result.expect)
        shown = {"file": result.name, "judged": judgement, "findings": clerk_findings(result.checked.shown),
                 "sheets": result.checked.sheets, "annotated": result.annotated, "handed": result.handed,
                 "ref": request.path_params.get("ref"), "notice": notice(result.handed, judgement, why),
                 "can_hand_in": result.handed is None and why is None}
    return desk.page(request, "unit.html", link=link, token=token, result=shown, **view)


async def unit_upload(request: Request) -> Response:
    desk = desk_of(request)
    token = request.path_params["token"]
    limit = desk.config.max_upload
    try:
        link, allowed = await desk.db(_link_and_turn, desk, token)  # one hand-off to the database threads
        if link is None:
            raise _unknown_link()
        if not allowed:
            raise Refused(429, "提交过于频繁", "本单位的提交次数暂时过多，请过几分钟再试。")
        form = await posted_form(request, limit)
        action = form.fields.get("action")
        if action not in ("check", "submit"):
            raise Refused(400, "无法识别的操作", "请点击「仅检查」或「正式报送」。")
        if form.file is None:
            raise Refused(400, "未选择文件", "请先选择要上传的申报表（.xlsx、.xls 或 .ods 文件），再点击按钮。")
    except Refused as r:
        return desk.refusal(request, r.status, r.title, r.detail, back=f"/u/{token}")
    name, content = form.file
    expect = Expect(template=link.template, year=link.year, unit_code=link.unit_code, unit_name=link.unit_name)
    owner = token_sha256(token)
    uploaded = await desk.pool.upload(owner, content, name, expect)  # a failed worker gives a report too
    checked = uploaded.checked
    # the annotated copy is being made after the verdict (checking/desk.py): kept for the link as it comes
    annotated = desk.recent.add(owner, name, uploaded.copy, expect) if uploaded.copy is not None else None
    sha = hashlib.sha256(content).hexdigest()
    result = Result(owner, name, content, sha, expect, checked, None, annotated, time.monotonic())
    if action == "submit":
        ref = await desk.db(_hand_in_and_keep, desk, link, result)
    else:
        ref = await desk.db(desk.results.add, result, desk.writing)
    return _to(token, ref)


def _link_and_turn(desk: Desk, token: str) -> tuple[Link | None, bool]:
    """The link a token opens, and whether its upload limit allows one more (counted only for a real link)."""
    link = _link(desk.engine, token)
    return link, link is not None and desk.uploads.allow(token_sha256(token))


async def hand_in_checked(request: Request) -> Response:
    """「报送刚才检查的文件」: 正式报送 of the file a result page shows, without a second upload."""
    desk = desk_of(request)
    token = request.path_params["token"]
    try:
        link = await desk.db(_link, desk.engine, token)
        if link is None:
            raise _unknown_link()
        await posted_form(request, desk.config.max_upload)
        r = await desk.db(desk.results.get, token_sha256(token), request.path_params["ref"])
        if r is None:
            raise Refused(410, "检查结果已过期", "请重新选择文件，点击「正式报送」。")
    except Refused as x:
        return desk.refusal(request, x.status, x.title, x.detail, back=f"/u/{token}")
    ref = await desk.db(_hand_in_and_keep, desk, link, replace(r, at=time.monotonic()))
    return _to(token, ref)


def _hand_in_and_keep(desk: Desk, link: Link, r: Result) -> str:
    """正式报送 of the result's file, then the result kept with what happened (its ref), on one connection
    under the desk's writers' lock: one hand-off to the database threads and no wait between the two."""
    job = Job(r.name, r.sha256, time.time(), r.content, None, r.expect)
    # one writer at a time in this process: the others wait on a lock that wakes them at once, not on
    # SQLite's busy handler, which sleeps in steps of up to 100 ms while the lock is free again
    with desk.writing, write_connection(desk.engine) as conn:
        handed = hand_in(conn, job, r.checked.report, Attribution(link.unit_code, link.unit_name, "link"),
                         datetime.now(UTC))
        return desk.results.add_on(conn, replace(r, handed=handed))


async def unit_annotated(request: Request) -> Response:
    desk = desk_of(request)
    token = request.path_params["token"]
    up = desk.recent.get(token_sha256(token), request.path_params["ref"])
    if up is None:
        return desk.refusal(request, 404, "批注版已过期", "请重新上传文件，再下载批注版。", back=f"/u/{token}")
    content = await up.content()  # made after the check, within its budget: a download costs no check
    if content is None:
        return desk.refusal(request, 404, "批注版未能生成", "这份文件的批注版未能生成，请按页面上列出的问题修改表格；"
                            "如需批注版，请重新上传文件。", back=f"/u/{token}")
    name = annotated_name(up.expect.unit_code, up.expect.unit_name, up.expect.template, up.name)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": content_disposition(name)})


def notice(handed: HandIn | None, judged: Standing, why: str | None) -> dict[str, str]:
    """What happened to the file, worded by result: green only for a file handed in that passed."""
    if handed is None:
        if why is not None:
            return {"kind": "bad", "text": f"仅检查，未保存。此文件不能报送：{why}"}
        if judged.passed:
            return {"kind": "ok", "text": "仅检查，未保存。检查通过：请点击「报送刚才检查的文件」正式报送。"}
        return {"kind": "warn", "text": "仅检查，未保存。请按下方问题修改表格，保存后重新检查、报送。"}
    if handed.outcome == "refused":
        return {"kind": "bad", "text": f"未报送：{handed.reason} 本单位的报送状态没有改变。"}
    again = "（与此前报送的文件内容相同，未重复记录）" if handed.outcome == "again" else ""
    if not handed.current:
        return {"kind": "warn", "text": f"已记录（记录编号 {handed.submission_id}）{again}，但未能核验表格的标识信息，"
                                        "要等财政局确认后才生效。请联系财政局。"}
    if judged.passed:
        return {"kind": "ok", "text": f"已正式报送（记录编号 {handed.submission_id}）{again}，检查结果：{judged.text}。"
                                      "本单位报送完成，可打印回执。"}
    return {"kind": "bad", "text": f"已记录（记录编号 {handed.submission_id}）{again}，但检查结果为「{judged.text}」，"
                                   "财政局记为不通过。请按下方问题修改表格后重新报送。"}


async def receipt(request: Request) -> Response:
    """The printable 回执 of one of the unit's stored files: unit, file, time, record number, result."""
    desk = desk_of(request)
    token = request.path_params["token"]
    link, view = await desk.db(_view, desk.engine, token)
    row = next((h for h in view.get("history", ()) if h["id"] == request.path_params["sid"]), None)
    if link is None or row is None:
        return desk.refusal(request, 404, "没有这条报送记录", "请从本单位的报送页面打开回执。",
                            back=f"/u/{token}" if link is not None else "")
    return desk.page(request, "receipt.html", link=link, token=token, row=row, form=view["form"])


async def workbook(request: Request) -> Response:
    """The unit's issued workbook, as generate wrote it (kept in the round database at issue time)."""
    desk = desk_of(request)
    token = request.path_params["token"]
    found = await desk.db(_workbook, desk.engine, token)
    if found is None:
        return desk.refusal(request, 404, "没有可下载的表格", "请使用财政局下发给本单位的表格，或联系财政局。",
                            back=f"/u/{token}")
    name, content = found
    return Response(content, media_type=XLSX, headers={"Content-Disposition": content_disposition(name)})


def _workbook(engine: sa.Engine, token: str) -> tuple[str, bytes] | None:
    with engine.connect() as conn:
        link = link_for(conn, token)
        return issued_workbook(conn, link.unit_code) if link is not None else None
