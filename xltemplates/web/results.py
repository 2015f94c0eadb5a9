"""What the township's page shows after a POST (POST/redirect/GET): the result kept under a ref.

Every upload is answered with a redirect to ``/u/<token>/r/<ref>``: Back and F5 show the result again and
never send the file again. The checked bytes stay with the result, so 「报送刚才检查的文件」 hands in the
file just checked without a second upload. Kept per link in memory (shelf.py: RESULTS_PER_LINK,
RESULTS_PER_LINK_BYTES, RESULT_AGE), so one link's uploads never evict another link's results, and, with a
database, in the round database too (table desk_results, the same bounds): the redirect may reach another
desk process (several behind one proxy), or this one after a restart. A result that has gone (age) sends the
clerk to the unit's page, which shows the stored file. Only the annotated copy stays with the process that
made it (recent.py).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup

from ..checking.job import Checked
from ..findings.report import Finding, Report
from ..limits import RESULT_AGE, RESULTS_PER_LINK, RESULTS_PER_LINK_BYTES
from ..reader.identify import Expect
from ..round.db import write_transaction
from ..round.handin import HandIn
from ..round.tables import desk_results
from .shelf import Shelves
from .state import Every


@dataclass(frozen=True, slots=True)
class Result:
    owner: str  # the link token's SHA-256
    name: str  # the file name as the browser gave it
    content: bytes
    sha256: str
    expect: Expect
    checked: Checked
    handed: HandIn | None  # None: 仅检查
    annotated: str | None  # the recent-uploads ref of its annotated copy
    at: float


class Results:
    """Results by link and ref; `engine`: also in the round database (its calls are synchronous: run add and
    get in the desk's database threads)."""

    def __init__(self, engine: sa.Engine | None = None) -> None:
        self.engine = engine
        self._shelves: Shelves[Result] = Shelves(RESULTS_PER_LINK, RESULTS_PER_LINK_BYTES, RESULT_AGE,
                                                 lambda r: len(r.content))
        self._lock = threading.Lock()  # the shelves are used from the event loop and the database threads

    def _shelve(self, result: Result) -> str:
        with self._lock:
            return self._shelves.add(result.owner, result)

    def add(self, result: Result, lock: AbstractContextManager[object] | None = None) -> str:
        """Keep `result`; its ref. `lock`: held around the database write (the desk's writers' lock)."""
        ref = self._shelve(result)
        if self.engine is not None:
            with lock or nullcontext(), write_transaction(self.engine) as conn:
                _store(conn, _sha(ref), result)
        return ref

    def add_on(self, conn: sa.Connection, result: Result) -> str:
        """`add` on a write connection the caller holds (正式报送: right after the hand-in, on its connection,
        under the same lock), in a transaction of its own."""
        ref = self._shelve(result)
        if self.engine is not None:
            with conn.begin():
                _store(conn, _sha(ref), result)
        return ref

    def kept(self, owner: str, ref: str) -> Result | None:
        """The result if this process keeps it (no database: the event loop may ask)."""
        with self._lock:
            return self._shelves.get(owner, ref)

    def get(self, owner: str, ref: str) -> Result | None:
        kept = self.kept(owner, ref)
        if kept is None and self.engine is not None and 0 < len(ref) <= 64:
            kept = _load(self.engine, owner, _sha(ref))
        return kept


def _sha(ref: str) -> str:
    return hashlib.sha256(ref.encode()).hexdigest()


#: results past RESULT_AGE are deleted at most this often per process (a read ignores them anyway)
PRUNE_SECONDS = 60.0
_pruning = Every(PRUNE_SECONDS)


def _store(conn: sa.Connection, ref_sha: str, r: Result) -> None:
    now = time.time()
    if _pruning.due(id(conn.engine), now):
        conn.execute(_PRUNE, {"before": now - RESULT_AGE})
    conn.execute(_INSERT, {"ref_sha256": ref_sha, "owner": r.owner, "at": now,
                           "payload": json.dumps(_payload(r), default=str, ensure_ascii=False), "content": r.content})
    # the link's oldest go past its bounds (the newest always stays), as on its shelf
    total, gone = 0, []
    for i, (sha, size) in enumerate(conn.execute(_KEPT, {"owner": r.owner})):
        total += int(size or 0)
        if i > 0 and (i >= RESULTS_PER_LINK or total > RESULTS_PER_LINK_BYTES):
            gone.append(sha)
    if gone:
        conn.execute(sa.delete(desk_results).where(desk_results.c.ref_sha256.in_(gone)))


# built once: storing a result builds no SQL
_T = desk_results.c
_PRUNE = sa.delete(desk_results).where(_T.at < sa.bindparam("before"))
_INSERT = sa.insert(desk_results)
_KEPT = (sa.select(_T.ref_sha256, sa.func.length(_T.content)).where(_T.owner == sa.bindparam("owner"))
         .order_by(_T.at.desc(), _T.ref_sha256))


def _payload(r: Result) -> dict[str, Any]:
    rep = r.checked.report
    return {
        "name": r.name, "sha256": r.sha256, "annotated": r.annotated, "sheets": str(r.checked.sheets),
        "expect": {"template": r.expect.template, "year": r.expect.year, "unit_code": r.expect.unit_code,
                   "unit_name": r.expect.unit_name},
        "report": {"file": rep.file, "template": rep.template, "version": rep.version, "year": rep.year,
                   "unit_code": rep.unit_code, "unit_name": rep.unit_name, "data": rep.data, "parsed": rep.parsed,
                   "findings": [f.to_json() for f in rep.findings]},
        "handed": asdict(r.handed) if r.handed is not None else None,
    }


def _load(engine: sa.Engine, owner: str, ref_sha: str) -> Result | None:
    t = desk_results.c
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.payload, t.content).where(
            t.ref_sha256 == ref_sha, t.owner == owner, t.at >= time.time() - RESULT_AGE)).first()
    if row is None:
        return None
    p = json.loads(row.payload)
    rep = dict(p["report"])
    rep["findings"] = [Finding(**f) for f in rep["findings"]]
    handed = HandIn(**p["handed"]) if p["handed"] is not None else None
    return Result(owner, p["name"], bytes(row.content), p["sha256"], Expect(**p["expect"]),
                  Checked(Report(**rep), None, Markup(p["sheets"])), handed, p["annotated"], time.monotonic())
