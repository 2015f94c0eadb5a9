"""The bureau's review of one unit: its files and findings, 退回修改 with a reason, 审核通过 by hand, notes,
the history of these actions; downloads named for the unit; a zip of every unit's current file.

Every action is a POST answered with a redirect back to the unit's page (POST/redirect/GET), recorded with
the signed-in user and the time (round/review.py); the unit's own page shows a 退回 and its reason.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import PurePosixPath
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..fsutil import safe_file_name
from ..limits import MAX_FORM_FIELD_BYTES
from ..round import queries
from ..round.beijing import local_time
from ..round.desk_settings import DeskSettings, desk_settings, save_desk_settings
from ..round.review import ACTION_LABEL, ACTIONS, add_review, history
from ..round.status import round_status
from ..round.store import load_roster
from ..unit_files import Unit
from .bureau import signed_in
from .desk import desk_of
from .forms import Refused, posted_form
from .security import content_disposition
from .views import history_view

MAX_REASON = 500  # characters: a reason is a sentence or two


def routes() -> list[Route]:
    return [
        Route("/bureau/units/{code}", unit_detail, methods=["GET"]),
        Route("/bureau/units/{code}/review", review, methods=["POST"]),
        Route("/bureau/submissions/{sid:int}/original", original, methods=["GET"]),
        Route("/bureau/current.zip", current_zip, methods=["GET"]),
        Route("/bureau/settings", settings_page, methods=["GET"]),
        Route("/bureau/settings", save_settings, methods=["POST"]),
    ]


def download_name(unit_code: str | None, unit_name: str | None, received_at: Any, file_name: str) -> str:
    """<编码>_<单位>_<收到时间>.xlsx (Beijing time), so a folder of downloads sorts by unit and time; a file
    without a unit keeps its own name before the time."""
    suffix = PurePosixPath(file_name).suffix.lower() or ".xlsx"
    who = f"{unit_code}_{unit_name or ''}" if unit_code else PurePosixPath(file_name).stem
    return safe_file_name(f"{who}_{local_time(received_at, '%Y%m%d-%H%M')}", suffix)


@signed_in
async def unit_detail(request: Request, user: str) -> Response:
    desk = desk_of(request)
    found = await desk.db(_unit, desk.engine, request.path_params["code"])
    if found is None:
        return desk.refusal(request, 404, "没有这个单位", "名单中没有该单位，也没有它的文件。", back="/bureau")
    return desk.page(request, "bureau_unit.html", user=user, labels=ACTION_LABEL, **found)


def _unit(engine: sa.Engine, code: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        rows = queries.unit_history(conn, code)
        listed = {u.code: u for u in load_roster(conn)}
        if code not in listed and not rows:
            return None
        unit = listed.get(code) or Unit(code, rows[0].unit_name or "")
        found = queries.findings_of(conn, [r.id for r in rows])
        st = round_status(conn, [unit]).units[0]
        reviews = [{"action": r.action, "reason": r.reason, "user": r.user_name, "at": local_time(r.at),
                    "submission_id": r.submission_id} for r in history(conn, code)]
    return {"unit": unit, "standing": st, "history": history_view(rows), "reviews": reviews,
            "findings": {i: [dict(f._mapping) for f in fs] for i, fs in found.items()}}


@signed_in
async def review(request: Request, user: str) -> Response:
    """退回修改 / 审核通过 / 备注 about the unit's current file, with the reason."""
    desk = desk_of(request)
    code = request.path_params["code"]
    back = f"/bureau/units/{code}"
    try:
        form = await posted_form(request, MAX_FORM_FIELD_BYTES)
        action, reason = form.fields.get("action", ""), form.fields.get("reason", "").strip()
        if action not in ACTIONS:
            raise Refused(400, "无法识别的操作", "请点击「退回修改」「审核通过」或「添加备注」。")
        if not reason or len(reason) > MAX_REASON:
            raise Refused(400, "请填写理由", f"{ACTION_LABEL[action]}需要写明理由（{MAX_REASON} 字以内），"
                                             "单位和日后查看的人都会看到。")
    except Refused as r:
        return desk.refusal(request, r.status, r.title, r.detail, back=back)
    done = await desk.db(add_review, desk.engine, code, action, reason, user)
    if done is None:
        return desk.refusal(request, 409, "该单位还没有报送文件", "没有可以退回或审核通过的文件；可以添加备注。", back=back)
    return RedirectResponse(back, status_code=303)


@signed_in
async def original(request: Request, user: str) -> Response:
    desk = desk_of(request)
    found = await desk.db(_original, desk.engine, request.path_params["sid"])
    if found is None:
        return desk.refusal(request, 404, "没有原文件", "该记录没有保存原文件（文件无法读取，或在保存原文件之前导入）。",
                            back="/bureau")
    row, content = found
    name = download_name(row.unit_code, row.unit_name, row.received_at, row.file_name)
    return Response(content, media_type="application/octet-stream",
                    headers={"Content-Disposition": content_disposition(name)})


def _original(engine: sa.Engine, sid: int) -> tuple[Any, bytes] | None:
    with engine.connect() as conn:
        row = queries.submission(conn, sid)
        content = queries.original(conn, sid) if row is not None else None
    return (row, content) if row is not None and content is not None else None


@signed_in
async def current_zip(request: Request, user: str) -> Response:
    """Every unit's current file, named <编码>_<单位>_<时间>.xlsx, in one zip."""
    desk = desk_of(request)
    content = await desk.db(_current_zip, desk.engine)
    name = f"各单位当前文件_{local_time(_now(), '%Y%m%d-%H%M')}.zip"
    return Response(content, media_type="application/zip", headers={"Content-Disposition": content_disposition(name)})


def _now() -> datetime:
    return datetime.now(UTC)


def _current_zip(engine: sa.Engine) -> bytes:
    buf = io.BytesIO()
    with engine.connect() as conn, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for row in queries.current(conn):
            content = queries.original(conn, row.id)
            if content is not None:
                zf.writestr(download_name(row.unit_code, row.unit_name, row.received_at, row.file_name), content)
    return buf.getvalue()



@signed_in
async def settings_page(request: Request, user: str) -> Response:
    desk = desk_of(request)
    settings = await desk.db(_settings, desk.engine)
    return desk.page(request, "settings.html", user=user, settings=settings)


def _settings(engine: sa.Engine) -> DeskSettings:
    with engine.connect() as conn:
        return desk_settings(conn)


@signed_in
async def save_settings(request: Request, user: str) -> Response:
    """The deadline and the bureau's contact every unit's page shows."""
    desk = desk_of(request)
    try:
        form = await posted_form(request, MAX_FORM_FIELD_BYTES)
        deadline, contact = form.fields.get("deadline", "").strip(), form.fields.get("contact", "").strip()
        if deadline and not _is_date(deadline):
            raise Refused(400, "截止日期无效", "请按 2026-03-31 的格式填写截止日期。")
        if len(contact) > 200:
            raise Refused(400, "联系方式过长", "联系方式请在 200 字以内。")
    except Refused as r:
        return desk.refusal(request, r.status, r.title, r.detail, back="/bureau/settings")
    await desk.db(save_desk_settings, desk.engine, DeskSettings(deadline, contact))
    return RedirectResponse("/bureau/settings", status_code=303)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
