"""The web desk's application: the routes of both sides over one round database.

Starlette (a small ASGI toolkit: routing, requests, responses, a test client) with our own Jinja2
environment; no ORM, no sessions library, no front-end build: pages are rendered on the server and work with
JavaScript switched off (the Content-Security-Policy allows no script at all). The database is the round's
own (SQLAlchemy Core, sync), reached from the desk's database threads (desk.py); checks run in worker processes
(xltemplates/checking/: job.py says what they do, workers.py how they are driven).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import bureau, link_pages, review_pages, township
from .desk import Desk, DeskConfig, SecurityHeaders, desk_of
from .security import SECURITY_HEADERS, Signer

log = logging.getLogger(__name__)


async def stylesheet(request: Request) -> Response:
    return Response(desk_of(request).css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


async def home(request: Request) -> Response:
    return RedirectResponse("/bureau", status_code=303)


#: The desk's words for each error status it can answer with (every other 4xx/5xx: the nearest family).
_ERRORS: dict[int, tuple[str, str]] = {
    400: ("无法处理的请求", "请返回上一页重新操作。"),
    401: ("需要登录", "请先登录。"),
    403: ("页面已过期", "请刷新页面后重新操作。"),
    404: ("页面不存在", "请检查网址是否完整。"),
    405: ("不支持的操作", "请使用页面上的按钮和链接操作。"),
    413: ("提交的内容过大", "请确认选择的是下发的申报表。"),
    429: ("操作过于频繁", "请过几分钟再试。"),
    500: ("服务器出错", "请稍后重试；仍不成功请联系财政局。"),
    503: ("服务器繁忙", "请稍后重试。"),
}


def _words(status: int) -> tuple[str, str]:
    return _ERRORS.get(status) or _ERRORS[500 if status >= 500 else 400]


async def http_error(request: Request, exc: Exception) -> Response:
    """Every error the routing or a handler raises as an HTTP status: the desk's Chinese page."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    title, detail = _words(status)
    response = desk_of(request).refusal(request, status, title, detail)
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)  # e.g. 405's Allow
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    """Anything a handler did not expect: logged for the bureau, the clerk gets the desk's Chinese page (with
    the security headers: this answer is made outside the middleware that adds them)."""
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    title, detail = _words(500)
    try:
        response: Response = desk_of(request).refusal(request, 500, title, detail)
    except Exception:  # noqa: BLE001 - the page itself failed: the plainest Chinese page still
        response = HTMLResponse(f"<!doctype html><meta charset=utf-8><title>{title}</title><h1>{title}</h1>"
                                f"<p>{detail}</p>", status_code=500)
    response.headers.update({k: v for k, v in SECURITY_HEADERS.items() if k not in response.headers})
    return response


class NoNul:
    """A NUL anywhere in the path or query (``/bureau/units/%00``) is answered 404 before any route: no NUL
    reaches the database (PostgreSQL refuses it in text, which would be a 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope.get("query_string", b"").lower()):
            request = Request(scope, receive)
            title, detail = _words(404)
            await desk_of(request).refusal(request, 404, title, detail)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(engine: sa.Engine, config: DeskConfig | None = None, signer: Signer | None = None) -> Starlette:
    """The web desk over an open round database (round.db.open_db)."""
    desk = Desk(engine, config or DeskConfig(), signer)
    routes = [
        Route("/", home),
        Route("/desk.css", stylesheet),
        *township.routes(),
        *bureau.routes(),
        *link_pages.routes(),
        *review_pages.routes(),
    ]
    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        desk.close()

    # one error handler for the whole desk: every 4xx/5xx is its Chinese page, never a bare text
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: server_error},
                    lifespan=lifespan)
    app.state.desk = desk
    app.add_middleware(NoNul)
    app.add_middleware(SecurityHeaders)
    return app
