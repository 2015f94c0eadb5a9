"""What every web-desk process must agree on, kept in the round database (schema version 4).

Several ``serve`` processes (``--workers``, or two hosts behind one proxy) share one round database and
nothing else, so everything a request may meet on another process lives there:

- the session-signing key (``round_settings``), made once: a restart or a second process signs and checks
  CSRF tokens alike;
- sessions (``web_sessions``): a random cookie whose SHA-256 names the signed-in user; logout removes it,
  a new password removes every session of the user (users.py), and a session ends after SESSION_SECONDS;
- rate-limit events (``rate_events``): one row per counted event, keyed by the SHA-256 of what is limited
  (a link, a user name, a client address), so a 60 KB user name costs 64 bytes; events older than their
  window are deleted as new ones come (at most every PRUNE_SECONDS per process and bucket), and a refused
  event is not stored, so rows stay bounded by the limits times the keys active in one window;
- one-time tokens (``once_tokens``): a confirmation form is carried out once, on whichever process.

Each call is one short transaction on a connection of its own; the desk calls them in its database threads.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import sqlalchemy as sa

from ..round.db import write_transaction
from ..round.settings import set_default
from ..round.tables import once_tokens, rate_events, web_sessions
from .security import SESSION_SECONDS

SESSION_KEY = "desk.session_key"
ONCE_SECONDS = 3600.0

Clock = Callable[[], float]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def signing_key(engine: sa.Engine) -> bytes:
    """The desk's signing key: the one stored in the round database, made and stored on first use."""
    with write_transaction(engine) as conn:
        value = set_default(conn, SESSION_KEY, base64.b64encode(secrets.token_bytes(32)).decode("ascii"))
    return base64.b64decode(value)


class Sessions:
    """Server-side sessions: the cookie is a random token, the database holds its SHA-256 and the user."""

    def __init__(self, engine: sa.Engine, seconds: float = SESSION_SECONDS, clock: Clock = time.time) -> None:
        self.engine, self.seconds, self._clock = engine, seconds, clock

    def start(self, user: str) -> str:
        """A new session for `user`; the token for its cookie (expired sessions are cleared on the way)."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with write_transaction(self.engine) as conn:
            conn.execute(sa.delete(web_sessions).where(web_sessions.c.expires <= now))
            conn.execute(sa.insert(web_sessions).values(id_sha256=_sha(token), user_name=user,
                                                        expires=now + self.seconds))
        return token

    def user(self, token: str) -> str | None:
        """The user a session cookie belongs to; None for no, an ended or an expired session."""
        if not token or len(token) > 128:
            return None
        with self.engine.connect() as conn:
            return conn.execute(_SESSION_USER, {"sha": _sha(token), "now": self._clock()}).scalar()

    def end(self, token: str) -> None:
        if token and len(token) <= 128:
            with write_transaction(self.engine) as conn:
                conn.execute(sa.delete(web_sessions).where(web_sessions.c.id_sha256 == _sha(token)))


def end_sessions(conn: sa.Connection, user: str) -> int:
    """End every session of `user` (a new password: a stolen cookie stops working); how many there were."""
    return conn.execute(sa.delete(web_sessions).where(web_sessions.c.user_name == user)).rowcount or 0


_SESSION_USER = sa.select(web_sessions.c.user_name).where(web_sessions.c.id_sha256 == sa.bindparam("sha"),
                                                         web_sessions.c.expires > sa.bindparam("now"))


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `limit` events per key within `window` seconds, in the bucket `bucket` (at most 16 chars)."""

    bucket: str
    limit: int
    window: float


class Every:
    """Says yes at most once per `seconds` for each name: work that keeps tables bounded (deleting expired
    rows) runs on this timer, not in every request's transaction. Racing threads may both say yes: harmless."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[object, float] = {}

    def due(self, name: object, now: float) -> bool:
        if now - self._last.get(name, float("-inf")) < self.seconds:
            return False
        self._last[name] = now
        return True


#: expired rate events go at most this often per process and bucket; the count ignores them anyway, so the
#: rows stay bounded by the limits times the keys active in one window plus this long
PRUNE_SECONDS = 30.0
_pruning = Every(PRUNE_SECONDS)


def allow(engine: sa.Engine, checks: Sequence[tuple[Limit, str]], clock: Clock = time.time,
          lock: AbstractContextManager[object] | None = None) -> bool:
    """Count one event under each (limit, key) when every one of them is under its limit, and say True;
    else count nothing and say False. One transaction, so processes counting at once see each other's
    events (SQLite: one writer at a time; PostgreSQL: the rows are locked per key, see _lock). `lock`: held
    around the transaction (the desk's writers' lock: its threads queue on it, not on SQLite's busy sleeps)."""
    now = clock()
    with lock or nullcontext(), write_transaction(engine) as conn:
        for lim, key in checks:
            _lock(conn, lim.bucket, _sha(key))
            if _pruning.due((id(engine), lim.bucket), now):
                conn.execute(_PRUNE, {"bucket": lim.bucket, "before": now - lim.window})
        for lim, key in checks:
            n = conn.execute(_COUNT, {"bucket": lim.bucket, "key": _sha(key), "after": now - lim.window}).scalar()
            if (n or 0) >= lim.limit:
                return False
        conn.execute(sa.insert(rate_events), [{"bucket": lim.bucket, "key_sha256": _sha(key), "at": now}
                                              for lim, key in checks])
    return True


def _lock(conn: sa.Connection, bucket: str, key_sha: str) -> None:
    """PostgreSQL: hold a lock on (bucket, key) until the transaction ends, so two processes counting the
    same key do it one after the other (SQLite's write transaction already does)."""
    if conn.dialect.name == "postgresql":
        n = int.from_bytes(hashlib.sha256(f"rate\0{bucket}\0{key_sha}".encode()).digest()[:8], "big", signed=True)
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:n)"), {"n": n})


_E = rate_events.c
_PRUNE = sa.delete(rate_events).where(_E.bucket == sa.bindparam("bucket"), _E.at <= sa.bindparam("before"))
_COUNT = sa.select(sa.func.count()).select_from(rate_events).where(
    _E.bucket == sa.bindparam("bucket"), _E.key_sha256 == sa.bindparam("key"), _E.at > sa.bindparam("after"))


class SharedLimit:
    """One rate limit counted in the round database (the same interface as security.RateLimit)."""

    def __init__(self, engine: sa.Engine, limit: Limit, clock: Clock = time.time,
                 lock: AbstractContextManager[object] | None = None) -> None:
        self.engine, self.rule, self._clock, self._lock = engine, limit, clock, lock

    def allow(self, key: str) -> bool:
        return allow(self.engine, [(self.rule, key)], self._clock, self._lock)


class OnceTokens:
    """Tokens carried out once, on whichever process: `add` makes one for a value (e.g. the user who asked),
    `take` gives that value back the first time and None ever after (or once it is older than `max_age`)."""

    def __init__(self, engine: sa.Engine, max_age: float = ONCE_SECONDS, clock: Clock = time.time) -> None:
        self.engine, self.max_age, self._clock = engine, max_age, clock

    def add(self, value: str) -> str:
        token = secrets.token_urlsafe(24)
        now = self._clock()
        with write_transaction(self.engine) as conn:
            conn.execute(sa.delete(once_tokens).where(once_tokens.c.expires <= now))
            conn.execute(sa.insert(once_tokens).values(token_sha256=_sha(token), purpose=value[:64],
                                                       expires=now + self.max_age))
        return token

    def take(self, token: str) -> str | None:
        if not token or len(token) > 128:
            return None
        sha = _sha(token)
        with write_transaction(self.engine) as conn:
            value = conn.execute(sa.select(once_tokens.c.purpose).where(
                once_tokens.c.token_sha256 == sha, once_tokens.c.expires > self._clock())).scalar()
            gone = conn.execute(sa.delete(once_tokens).where(once_tokens.c.token_sha256 == sha)).rowcount
        return value if value is not None and gone == 1 else None
