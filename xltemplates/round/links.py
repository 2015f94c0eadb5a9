"""Each unit's web-desk link: an unguessable token in the URL, only its SHA-256 in the database.

``generate --roster --db`` and ``rollover --new-db`` issue one per unit and print it into manifest.csv;
the bureau can issue a new one on the web desk (the old link stops working). A token is 32 random bytes
(``secrets.token_urlsafe``), so a plain SHA-256 is enough to store it: there is nothing to brute-force.
The link carries the round's expectation (template, year), so a clerk's upload is checked as ``collect
--template --year`` would check it, and is refused when it names another unit, year or template. A link
always has both: what the caller does not say comes from the round's settings (settings.py), and a round
that knows neither issues no link.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ..unit_files import Unit
from .db import write_transaction
from .errors import RoundError
from .settings import record_expectation, round_expectation
from .tables import unit_links, units

TOKEN_BYTES = 32
PATH = "/u/"  # a unit's page is <base>/u/<token>


@dataclass(frozen=True, slots=True)
class Link:
    """What a valid token opens: the unit and what the round expects from it."""

    unit_code: str
    unit_name: str
    template: str | None
    year: int | None
    issued_at: datetime | None = None


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_url(base: str, token: str) -> str:
    """The unit's page, e.g. https://desk.example.gov.cn/u/<token>."""
    return base.rstrip("/") + PATH + token


def issue_links(engine: sa.Engine, members: Iterable[Unit], template: str | None = None,
                year: int | None = None) -> dict[str, str]:
    """A new token for each unit (replacing its old one, in one transaction); unit code -> token.

    The units must be on the stored roster (a link opens a unit's page, which shows its roster name).
    `template` and `year` default to the round's (settings.py), and are recorded as the round's when it has
    none yet; RoundError when either is still unknown: a link without them would accept any year's form.
    """
    now = datetime.now(UTC)
    out: dict[str, str] = {}
    with write_transaction(engine) as conn:
        record_expectation(conn, template, year)
        known_template, known_year = round_expectation(conn)
        if not known_template or not known_year:  # a round from before settings: its links' one year, if any
            old_template, old_year = _issued_expectation(conn)
            known_template, known_year = known_template or old_template, known_year or old_year
        template, year = template or known_template, year or known_year
        if not template or not year:
            raise RoundError("the round's template and fiscal year are not known: issue its links with "
                             "`generate --roster --db` (or `rollover --new-db`), which record them")
        for u in members:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            conn.execute(sa.delete(unit_links).where(unit_links.c.unit_code == u.code))
            conn.execute(sa.insert(unit_links).values(unit_code=u.code, token_sha256=token_sha256(token),
                                                      template=template, year=year, issued_at=now))
            out[u.code] = token
    return out


def _issued_expectation(conn: sa.Connection) -> tuple[str | None, int | None]:
    """The one template and year the round's links carry, where they agree (None where they do not)."""
    years = {y for y in conn.execute(sa.select(unit_links.c.year).distinct()).scalars() if y}
    templates = {t for t in conn.execute(sa.select(unit_links.c.template).distinct()).scalars() if t}
    return (next(iter(templates)) if len(templates) == 1 else None,
            next(iter(years)) if len(years) == 1 else None)


def link_for(conn: sa.Connection, token: str) -> Link | None:
    """The unit a token opens, or None (unknown, replaced, or a unit no longer on the roster)."""
    if not token or len(token) > 128:
        return None
    row = conn.execute(_LINK, {"sha": token_sha256(token)}).first()
    return _link_of(row) if row is not None else None


#: each link with its unit's name from the roster (a unit no longer on the roster has no link)
_LINKS = sa.select(unit_links, units.c.name).join(units, units.c.code == unit_links.c.unit_code)
_LINK = _LINKS.where(unit_links.c.token_sha256 == sa.bindparam("sha"))


def _link_of(row: sa.Row[Any]) -> Link:
    return Link(row.unit_code, row.name, row.template, row.year, row.issued_at)


def links_issued(conn: sa.Connection) -> dict[str, Link]:
    """unit code -> its link's expectation and issue time (never the token: it is not stored)."""
    return {r.unit_code: _link_of(r) for r in conn.execute(_LINKS)}
