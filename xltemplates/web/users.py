"""The bureau's users of the web desk: scrypt password hashes in the round database.

scrypt (hashlib, no extra dependency) is a memory-hard KDF: n=2**14, r=8, p=1 costs ~16 MiB and tens of
milliseconds per try, the parameters recommended for interactive logins. The parameters are stored with
each hash, so they can be raised later without invalidating old passwords.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa

from ..round.db import write_transaction
from ..round.tables import web_users
from .state import end_sessions

N, R, P = 2**14, 8, 1
MIN_PASSWORD = 10
NAME_MAX = 64


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (salt and hash in base64)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=32)
    return "$".join(["scrypt", str(N), str(R), str(P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def valid_name(name: str) -> bool:
    return 0 < len(name) <= NAME_MAX and name.isprintable() and name.strip() == name


def add_user(engine: sa.Engine, name: str, password: str) -> bool:
    """Create the user, or set a new password for an existing one; True when the user is new."""
    h = hash_password(password)
    with write_transaction(engine) as conn:
        existed = conn.execute(sa.delete(web_users).where(web_users.c.name == name)).rowcount > 0
        end_sessions(conn, name)  # a new password: every session of the user ends, on every desk process
        conn.execute(sa.insert(web_users).values(name=name, password_hash=h, created_at=datetime.now(UTC)))
    return not existed


#: Checked against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY = hash_password(secrets.token_urlsafe(16))


def check_login(conn: sa.Connection, name: str, password: str) -> bool:
    stored = conn.execute(sa.select(web_users.c.password_hash).where(web_users.c.name == name)).scalar()
    ok = verify_password(password, stored if stored is not None else _DUMMY)
    return ok and stored is not None
