"""The bureau's pages, behind a login: the round's status, each unit's files and findings, downloads, links.

Everything here reads the same round database as ``status`` and ``export``: a file collected from the
command line shows up here, and one handed in on a unit's page shows up there.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..findings.judgement import GROUPS, PASSED, STATES, tally
from ..limits import MAX_FORM_FIELD_BYTES
from ..reader.identify import Expect
from ..round import queries
from ..round.annotated import annotated_name
from ..round.desk_settings import DeskSettings, desk_settings
from ..round.export_csv import csv_zip
from ..round.export_tables import Table, round_tables
from ..round.export_xlsx import xlsx_bytes
from ..round.status import RoundStatus, UnitStatus, round_status
from .desk import desk_of
from .forms import Refused, posted_form
from .security import SESSION_COOKIE, SESSION_SECONDS, content_disposition, set_cookie
from .users import check_login, valid_name
from .views import XLSX

#: The status page's filters (judgement.py's groups of states).
FILTERS = GROUPS


def routes() -> list[Route]:
    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/bureau", status_page, methods=["GET"]),
        Route("/bureau/submissions/{sid:int}/annotated", annotated, methods=["GET"]),
        Route("/bureau/export.xlsx", export_xlsx, methods=["GET"]),
        Route("/bureau/export-csv.zip", export_csv, methods=["GET"]),
    ]


async def _user(request: Request) -> str | None:
    """The signed-in user of the request (a session in the round database, state.py), or None."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    desk = desk_of(request)
    return await desk.db(desk.sessions.user, token)


def _to_login() -> Response:
    return RedirectResponse("/login", status_code=303)


Page = Callable[[Request, str], Awaitable[Response]]


def signed_in(page: Page) -> Callable[[Request], Awaitable[Response]]:
    """A bureau page: it gets the signed-in user's name; anyone not signed in is sent to the login page."""
    @functools.wraps(page)
    async def guarded(request: Request) -> Response:
        user = await _user(request)
        return _to_login() if user is None else await page(request, user)
    return guarded


async def login_page(request: Request) -> Response:
    return desk_of(request).page(request, "login.html", error=None, user=None)


async def login(request: Request) -> Response:
    desk = desk_of(request)
    try:
        form = await posted_form(request, MAX_FORM_FIELD_BYTES)
    except Refused as r:
        return desk.refusal(request, r.status, r.title, r.detail)
    name, password = form.fields.get("name", "").strip(), form.fields.get("password", "")
    if not valid_name(name):  # not a name anybody can have: no attempt to count, no password to hash
        return desk.page(request, "login.html", status=401, error="用户名或密码不正确。", user=None)
    if not await desk.db(desk.logins.allow, name, _address(request)):
        return desk.page(request, "login.html", status=429, error="登录失败次数过多，请 15 分钟后再试。", user=None)
    ok = await desk.db(_check, desk.engine, name, password)
    if not ok:
        return desk.page(request, "login.html", status=401, error="用户名或密码不正确。", user=None)
    response = RedirectResponse("/bureau", status_code=303)
    set_cookie(response, request, SESSION_COOKIE, await desk.db(desk.sessions.start, name), max_age=SESSION_SECONDS)
    return response


def _address(request: Request) -> str:
    """The client's address (the proxy's X-Forwarded-For with serve --behind-proxy, as uvicorn sets it)."""
    return request.client.host if request.client is not None else ""


def _check(engine: sa.Engine, name: str, password: str) -> bool:
    with engine.connect() as conn:
        return check_login(conn, name, password)


async def logout(request: Request) -> Response:
    desk = desk_of(request)
    try:
        await posted_form(request, MAX_FORM_FIELD_BYTES)
    except Refused as r:
        return desk.refusal(request, r.status, r.title, r.detail)
    await desk.db(desk.sessions.end, request.cookies.get(SESSION_COOKIE, ""))  # on every process at once
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


#: The status page's sort orders: key -> (label, sort key of a unit); roster order when none is chosen.
SORTS: dict[str, tuple[str, Callable[[UnitStatus], Any]]] = {
    "state": ("状态", lambda u: STATES.index(u.state)),
    "name": ("单位名称", lambda u: u.name),
    "group": ("所属乡镇", lambda u: u.group),
    "received": ("收到时间", lambda u: u.received_at or ""),
}


@signed_in
async def status_page(request: Request, user: str) -> Response:
    desk = desk_of(request)
    chosen = request.query_params.get("state", "")
    query = request.query_params.get("q", "").strip()[:100]
    sort = request.query_params.get("sort", "")
    st, st_settings = await desk.db(_status_and_settings, desk.engine)
    wanted = FILTERS[chosen][1] if chosen in FILTERS else None
    units = [u for u in st.units if (wanted is None or u.state in wanted)
             and (not query or any(query in x for x in (u.code, u.name, u.group)))]
    if sort in SORTS:
        units.sort(key=SORTS[sort][1], reverse=sort == "received")
    counts = tally(u.state for u in st.units)
    tallies = [(key, label, sum(counts[s] for s in states)) for key, (label, states) in FILTERS.items()]
    groups: dict[str, list[UnitStatus]] = {}
    for u in st.units:
        groups.setdefault(u.group, []).append(u)
    by_group = [(g, progress(us)) for g, us in groups.items()] if any(groups) else []
    return desk.page(request, "status.html", user=user, units=units, chosen=chosen, tallies=tallies,
                     total=len(st.units), unlisted=st.unlisted, unidentified=st.unidentified, query=query,
                     sort=sort, sorts={k: v[0] for k, v in SORTS.items()}, overall=progress(st.units),
                     by_group=by_group, has_groups=any(groups), deadline=st_settings.deadline,
                     overdue=[u for u in st.units if u.state not in PASSED] if st_settings.overdue() else [])


def progress(units: list[UnitStatus]) -> dict[str, Any]:
    """返回率 of a set of units: how many returned a file, how many passed, as counts and percentages."""
    n = len(units)
    returned = sum(1 for u in units if u.state != "not-returned")
    passed = sum(1 for u in units if u.state in PASSED)
    return {"units": n, "returned": returned, "passed": passed, "returned_pct": _pct(returned, n),
            "passed_pct": _pct(passed, n)}


def _pct(k: int, n: int) -> str:
    return f"{k / n:.0%}" if n else "—"


def _status_and_settings(engine: sa.Engine) -> tuple[RoundStatus, DeskSettings]:
    with engine.connect() as conn:
        return round_status(conn), desk_settings(conn)


def _status(engine: sa.Engine) -> RoundStatus:
    with engine.connect() as conn:
        return round_status(conn)


def _submitted(engine: sa.Engine, sid: int) -> tuple[Any, bytes] | None:
    with engine.connect() as conn:
        row = queries.submission(conn, sid)
        content = queries.original(conn, sid) if row is not None else None
    return (row, content) if row is not None and content is not None else None


@signed_in
async def annotated(request: Request, user: str) -> Response:
    desk = desk_of(request)
    found = await desk.db(_submitted, desk.engine, request.path_params["sid"])
    content = None
    if found is not None:
        row, original_bytes = found
        content = await desk.pool.annotate_stored(original_bytes, row.file_name, Expect())
    if found is None or content is None:
        return desk.refusal(request, 404, "没有批注版", "该文件没有需要批注的错误，或没有保存原文件。")
    name = annotated_name(row.unit_code, row.unit_name, row.template, row.file_name)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": content_disposition(name)})


@signed_in
async def export_xlsx(request: Request, user: str) -> Response:
    desk = desk_of(request)
    content = await desk.db(_export, desk.engine, xlsx_bytes)
    return Response(content, media_type=XLSX, headers={"Content-Disposition": content_disposition("汇总.xlsx")})


@signed_in
async def export_csv(request: Request, user: str) -> Response:
    desk = desk_of(request)
    content = await desk.db(_export, desk.engine, csv_zip)
    return Response(content, media_type="application/zip",
                    headers={"Content-Disposition": content_disposition("汇总_csv.zip")})


def _export(engine: sa.Engine, fmt: Callable[[list[Table]], bytes]) -> bytes:
    with engine.connect() as conn:
        tables = round_tables(conn)
    return fmt(tables)
