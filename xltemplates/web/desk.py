"""What every handler of the web desk shares: its configuration, state, page rendering and response headers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any, TypeVar

import jinja2
import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..checking.budget import default_jobs
from ..checking.desk import DeskChecks
from ..errors import KeyFileError
from ..limits import MAX_UPLOAD_BYTES
from ..round.beijing import local_time
from ..trust.keys import load_keyring
from .clerk import clerk_findings
from .once import Kept
from .recent import RecentUploads
from .results import Results
from .security import CSRF_COOKIE, SECURITY_HEADERS, Signer, csrf_seed, csrf_token, set_cookie
from .state import Limit, OnceTokens, Sessions, SharedLimit, allow, signing_key

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DeskConfig:
    max_upload: int = MAX_UPLOAD_BYTES  # the reader's guards still run on what passes
    uploads_per_window: int = 30  # per unit link
    upload_window: float = 600.0
    logins_per_window: int = 10  # per user name from one client address
    logins_per_address: int = 30  # per client address, whatever the names (a spray of random names stops here)
    logins_per_name: int = 100  # per user name from all addresses (guessing one password from many machines)
    login_window: float = 900.0
    jobs: int = field(default_factory=default_jobs)  # worker processes for checks (0: a thread of the server)


class Desk:
    """What every request handler shares."""

    def __init__(self, engine: sa.Engine, config: DeskConfig, signer: Signer | None = None) -> None:
        self.engine = engine
        self.config = config
        # shared by every desk process through the round database (state.py): key, sessions, limits, tokens
        self.signer = signer or Signer(signing_key(engine))
        self.sessions = Sessions(engine)
        self.pool = DeskChecks(config.jobs, clerk_findings)  # the check workers, one upload per link at a time

        self.logins = LoginLimit(engine, config)
        self.recent = RecentUploads()
        self.results = Results(engine)  # township.py: what a page shows after a POST, for any desk process
        self.once = OnceTokens(engine)  # one-time tokens of confirming forms -> the user they were made for
        self.issued: Kept[Any] = Kept(max_items=20)  # link_pages.py: links just issued, for their send list
        # the desk's writes in this process (正式报送, results, upload counts) one at a time: only to wake waiters
        # at once (township.py); what orders writers across processes is the database's lock on the unit
        # (round/store.py: lock_unit)
        self.writing = threading.Lock()
        self.uploads = SharedLimit(engine, Limit("upload-link", config.uploads_per_window, config.upload_window),
                                   lock=self.writing)
        self._db_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="desk-db")
        # the templates ship with the package: compiled once, not looked up on disk again for every page
        self.env = jinja2.Environment(loader=jinja2.PackageLoader("xltemplates.web", "templates"),
                                      autoescape=True, undefined=jinja2.StrictUndefined, auto_reload=False)
        self.env.filters["when"] = local_time
        # without the bureau's key no upload can be verified, so none can be handed in: every bureau page says so
        self.env.globals["key_missing"] = _no_key()
        self.css = files("xltemplates.web").joinpath("desk.css").read_bytes()

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in one of the desk's database threads (the database is reached synchronously).
        An executor of our own: a hand-off costs about half of what anyio's thread pool does."""
        return await asyncio.get_running_loop().run_in_executor(self._db_threads, fn, *args)

    def close(self) -> None:
        """The end of the desk's life (its app's lifespan, or serve's way out): the check workers stop, the
        database threads finish, then every connection they opened is closed (dispose empties the engine's pool;
        the engine stays usable by whoever opened it)."""
        self.pool.close()
        self._db_threads.shutdown(wait=True)
        self.engine.dispose()

    def page(self, request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        """A rendered page; it carries the CSRF token its forms need (and sets the browser's CSRF cookie)."""
        seed, new = csrf_seed(request)
        html = self.env.get_template(template).render(csrf=csrf_token(self.signer, seed), **ctx)
        response = HTMLResponse(html, status_code=status)
        if new:
            set_cookie(response, request, CSRF_COOKIE, seed)
        return response

    def refusal(self, request: Request, status: int, title: str, detail: str, back: str = "") -> HTMLResponse:
        """The desk's Chinese error page: what happened, what to do, and a link back (`back`) when there is one."""
        return self.page(request, "refusal.html", status=status, title=title, detail=detail, back=back)


class LoginLimit:
    """Login attempts counted per user name from one address, per address and per user name overall, in the
    round database: ten wrong passwords from an attacker's machine do not lock the bureau out of its own, and
    a spray of random names stops at the address's limit (state.py keeps only their SHA-256)."""

    def __init__(self, engine: sa.Engine, config: DeskConfig) -> None:
        self.engine = engine
        w = config.login_window
        self.pair = Limit("login-pair", config.logins_per_window, w)
        self.address = Limit("login-addr", config.logins_per_address, w)
        self.name = Limit("login-name", config.logins_per_name, w)

    def allow(self, name: str, address: str) -> bool:
        return allow(self.engine, [(self.pair, f"{address}\0{name}"), (self.address, address), (self.name, name)])


def _no_key() -> bool:
    try:
        return load_keyring() is None
    except KeyFileError:
        return True


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (pure ASGI: no buffering of bodies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                         if k.lower().encode() not in have]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


