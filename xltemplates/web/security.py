"""What keeps the web desk safe by default: sessions, CSRF, rate limits, safe download names.

- Sessions live in the round database (state.py): the cookie is a random token, HttpOnly, SameSite=Strict,
  Secure when served over https; logout and a new password end them, on every desk process.
- CSRF, two checks on every POST: the browser's own word first (``Sec-Fetch-Site`` must be same-origin or
  none, and an ``Origin`` header must be this site: a sibling subdomain is another site), as datasette does;
  then a token in the form, the HMAC (with the key stored in the round database) of the session cookie when
  there is one, else of a random per-browser cookie. A token is bound to its session: a pair made by an
  attacker's own visit does not go with the bureau's session cookie.
- Rate limits are counted in the round database (state.py), so every desk process counts the same events;
  RateLimit below is the in-memory one for a single process (kept for tests and tools).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
import unicodedata
from collections import deque
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from ..fsutil import safe_file_name

SESSION_COOKIE = "xlt_session"
CSRF_COOKIE = "xlt_csrf"
CSRF_FIELD = "csrf"
SESSION_SECONDS = 8 * 3600


class Signer:
    """HMAC-SHA256 over text with the server's key."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def sign(self, text: str) -> str:
        mac = hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def valid(self, text: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(text), signature)


def secure(request: Request) -> bool:
    """Served over https (directly, or behind a proxy whose X-Forwarded-Proto uvicorn trusts)."""
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", secure=secure(request),
                        path="/")


# --- CSRF -------------------------------------------------------------------------------------------------

def csrf_seed(request: Request) -> tuple[str, bool]:
    """What the request's CSRF token is bound to: its session cookie when it has one, else the browser's CSRF
    cookie; and whether that is a new CSRF cookie (then it must be set on the response)."""
    session = request.cookies.get(SESSION_COOKIE, "")
    if session:
        return "session|" + session, False
    seed = request.cookies.get(CSRF_COOKIE, "")
    if 20 <= len(seed) <= 64 and seed.isascii():
        return seed, False
    return secrets.token_urlsafe(24), True


def csrf_token(signer: Signer, seed: str) -> str:
    return signer.sign("csrf|" + seed)


def same_origin(request: Request) -> bool:
    """Whether the browser says the request comes from this site's own pages (or from no page: typed, a
    bookmark, a tool). Browsers send Sec-Fetch-Site on every request since 2020-2023; Origin on every POST."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    if site == "same-origin":  # the browser vouches; its Origin is "null" under our Referrer-Policy: no-referrer
        return True
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


def csrf_ok(signer: Signer, request: Request, submitted: object) -> bool:
    """The POST comes from this site (same_origin) and carries the token of its session or browser."""
    if not same_origin(request):
        return False
    session = request.cookies.get(SESSION_COOKIE, "")
    seed = "session|" + session if session else request.cookies.get(CSRF_COOKIE, "")
    return bool(seed) and isinstance(submitted, str) and signer.valid("csrf|" + seed, submitted)


# --- rate limits ------------------------------------------------------------------------------------------

class RateLimit:
    """At most `limit` events per key within `window` seconds (in memory, per server process)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._events: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Count one event for `key`; False (and not counted) when the key is over its limit."""
        now = self._clock()
        q = self._events.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        if len(q) >= self.limit:
            return False
        q.append(now)
        if len(self._events) > 10_000:  # forget idle keys rather than grow without bound
            for k in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
                del self._events[k]
        return True


# --- downloads --------------------------------------------------------------------------------------------

def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the real (Chinese) name as RFC 5987 ``filename*``.

    Path separators, quotes and control characters never reach the header (no header splitting, no path).
    """
    clean = safe_file_name(name).strip(". ") or "download"
    suffix = PurePosixPath(clean).suffix
    if not re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix):
        suffix = ""
    stem = unicodedata.normalize("NFKD", clean[: len(clean) - len(suffix)]).encode("ascii", "ignore").decode("ascii")
    ascii_name = (re.sub(r"[^A-Za-z0-9.-]+", "_", stem).strip("._") or "download") + suffix
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean, safe='')}"


#: Sent with every response: no framing, no sniffing, no Referer (a unit's link is in the URL), no caching
#: of pages that show a unit's data, and a policy that runs no script at all.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
