"""The web desk's application: the routes of both sides over one round database.

Starlette (a small ASGI toolkit: routing, requests, responses, a test client) with our own Jinja2
environment; no ORM, no sessions library, no front-end build: pages are rendered on the server and work with
JavaScript switched off (the Content-Security-Policy allows no script at all). The database is the round's
own (SQLAlchemy Core, sync), reached from the desk's database threads (desk.py); checks run in worker processes
(xltemplates/checking/: job.py says what they do, workers.py how they are driven).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from . import bureau, link_pages, review_pages, township
from .desk import Desk, DeskConfig, SecurityHeaders, desk_of
from .security import Signer


async def stylesheet(request: Request) -> Response:
    return Response(desk_of(request).css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


async def home(request: Request) -> Response:
    return RedirectResponse("/bureau", status_code=303)


async def not_found(request: Request, exc: Exception) -> Response:
    return desk_of(request).refusal(request, 404, "页面不存在", "请检查网址是否完整。")


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

    app = Starlette(routes=routes, exception_handlers={404: not_found}, lifespan=lifespan)
    app.state.desk = desk
    app.add_middleware(SecurityHeaders)
    return app
