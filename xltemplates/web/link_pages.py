"""The bureau's 填报链接 pages: which units have a link, new links with a confirmation, the send list.

A link is shown only when it is issued (the database keeps its SHA-256): 「重新生成」 first shows what it
will do (the old link stops working) and asks; the confirming form carries a one-time token, so it is
carried out once and cannot be replayed (Back and resubmit is refused, it never kills the new link). The
new links are then shown on a printable send list (unit, link, QR code) with .xlsx and .csv downloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..limits import MAX_FORM_FIELD_BYTES
from ..round.beijing import local_time
from ..round.desk_settings import link_base
from ..round.errors import RoundError
from ..round.export_xlsx import send_list_xlsx
from ..round.links import issue_links, link_url, links_issued
from ..round.send_list import FILE_STEM, SendRow, send_list_csv, send_rows
from ..round.store import load_roster
from ..unit_files import Unit
from .bureau import signed_in
from .desk import desk_of
from .forms import Refused, posted_form
from .security import content_disposition
from .views import XLSX

ALL = "*"  # every unit of the roster


@dataclass(frozen=True, slots=True)
class Issued:
    user: str
    rows: list[SendRow]
    svgs: list[Markup]  # each row's QR code, drawn once in a database thread (150 take seconds: off the loop)


def routes() -> list[Route]:
    return [
        Route("/bureau/links", links_page, methods=["GET"]),
        Route("/bureau/links/issued/{ref}", issued_page, methods=["GET"]),
        Route("/bureau/links/issued/{ref}/send-list.xlsx", issued_xlsx, methods=["GET"]),
        Route("/bureau/links/issued/{ref}/send-list.csv", issued_csv, methods=["GET"]),
        Route("/bureau/links/{code}", confirm_page, methods=["GET"]),
        Route("/bureau/links/{code}", new_links, methods=["POST"]),
    ]


@signed_in
async def links_page(request: Request, user: str) -> Response:
    desk = desk_of(request)
    rows = await desk.db(_link_rows, desk.engine)
    base = await desk.db(_base, desk.engine) or str(request.base_url).rstrip("/")
    return desk.page(request, "links.html", user=user, rows=rows, base=base)


def _base(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return link_base(conn)


def _link_rows(engine: sa.Engine) -> list[dict[str, Any]]:
    """Each roster unit with its link's issue time and expectation (never the token: it is not stored)."""
    with engine.connect() as conn:
        units, links = load_roster(conn), links_issued(conn)
    return [{"unit": u, "issued": local_time(links[u.code].issued_at) if u.code in links else "",
             "template": (links[u.code].template or "") if u.code in links else "",
             "year": (links[u.code].year or "") if u.code in links else ""} for u in units]


def _chosen(units: list[Unit], code: str) -> list[Unit]:
    return units if code == ALL else [u for u in units if u.code == code]


@signed_in
async def confirm_page(request: Request, user: str) -> Response:
    """What 「重新生成」 will do, and the one form that does it (with a one-time token)."""
    desk = desk_of(request)
    code = request.path_params["code"]
    rows = await desk.db(_link_rows, desk.engine)
    chosen = [r for r in rows if code == ALL or r["unit"].code == code]
    if not chosen:
        return desk.refusal(request, 404, "没有这个单位", "名单中没有该单位。", back="/bureau/links")
    return desk.page(request, "links_confirm.html", user=user, code=code, chosen=chosen,
                     replaced=sum(1 for r in chosen if r["issued"]), once=await desk.db(desk.once.add, user))


@signed_in
async def new_links(request: Request, user: str) -> Response:
    """New links for one unit or all (the old ones stop working), once per confirming form."""
    desk = desk_of(request)
    try:
        form = await posted_form(request, MAX_FORM_FIELD_BYTES)
    except Refused as r:
        return desk.refusal(request, r.status, r.title, r.detail, back="/bureau/links")
    if await desk.db(desk.once.take, form.fields.get("once", "")) != user:
        return desk.refusal(request, 409, "此操作已执行或已过期",
                            "这个确认页面已经用过（或已超过一小时），没有再次生成链接。请回到填报链接页面重新操作。",
                            back="/bureau/links")
    rows = await desk.db(_reissue, desk.engine, request.path_params["code"], str(request.base_url))
    if rows is None:
        return desk.refusal(request, 409, "本轮的表格和年度未知", "请先用 generate --roster --db（或 rollover --new-db）"
                            "下发本轮的表格，再在此处生成链接。", back="/bureau/links")
    if not rows:
        return desk.refusal(request, 404, "没有这个单位", "名单中没有该单位。", back="/bureau/links")
    svgs = await desk.db(lambda: [r.qr_svg() for r in rows])
    return RedirectResponse(f"/bureau/links/issued/{desk.issued.add(Issued(user, rows, svgs))}", status_code=303)


def _reissue(engine: sa.Engine, code: str, base: str) -> list[SendRow] | None:
    """New links (for the round's template and year, settings.py) for one unit or all; None when the round's
    template and year are not recorded (a round whose links were never issued)."""
    with engine.connect() as conn:
        units = _chosen(load_roster(conn), code)
        base = link_base(conn) or base  # where units reach the desk, not where the bureau's browser does
    if not units:
        return []
    try:
        tokens = issue_links(engine, units, None, None)
    except RoundError:
        return None
    return send_rows(units, {c: link_url(base, t) for c, t in tokens.items()})


def _issued(request: Request, user: str) -> Issued | None:
    found: Issued | None = desk_of(request).issued.get(request.path_params["ref"])
    return found if found is not None and found.user == user else None


@signed_in
async def issued_page(request: Request, user: str) -> Response:
    desk = desk_of(request)
    issued = _issued(request, user)
    if issued is None:
        return desk.refusal(request, 404, "发送清单已过期", "新链接只在生成后一小时内显示。如需再发，请重新生成。",
                            back="/bureau/links")
    return desk.page(request, "send_list.html", user=user, rows=list(zip(issued.rows, issued.svgs, strict=True)),
                     ref=request.path_params["ref"])


@signed_in
async def issued_xlsx(request: Request, user: str) -> Response:
    issued = _issued(request, user)
    if issued is None:
        return desk_of(request).refusal(request, 404, "发送清单已过期", "请重新生成链接。", back="/bureau/links")
    content = await desk_of(request).db(send_list_xlsx, issued.rows)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": content_disposition(f"{FILE_STEM}.xlsx")})


@signed_in
async def issued_csv(request: Request, user: str) -> Response:
    issued = _issued(request, user)
    if issued is None:
        return desk_of(request).refusal(request, 404, "发送清单已过期", "请重新生成链接。", back="/bureau/links")
    return Response(send_list_csv(issued.rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": content_disposition(f"{FILE_STEM}.csv")})
