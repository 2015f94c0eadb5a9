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
import time
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

    def add(self, result: Result) -> str:
        ref = self._shelves.add(result.owner, result)
        if self.engine is not None:
            _store(self.engine, _sha(ref), result)
        return ref

    def get(self, owner: str, ref: str) -> Result | None:
        kept = self._shelves.get(owner, ref)
        if kept is None and self.engine is not None and 0 < len(ref) <= 64:
            kept = _load(self.engine, owner, _sha(ref))
        return kept


def _sha(ref: str) -> str:
    return hashlib.sha256(ref.encode()).hexdigest()


def _store(engine: sa.Engine, ref_sha: str, r: Result) -> None:
    now, t = time.time(), desk_results.c
    with write_transaction(engine) as conn:
        conn.execute(sa.delete(desk_results).where(t.at < now - RESULT_AGE))
        conn.execute(sa.insert(desk_results).values(ref_sha256=ref_sha, owner=r.owner, at=now,
                                                    payload=json.dumps(_payload(r), default=str), content=r.content))
        # the link's oldest go past its bounds (the newest always stays), as on its shelf
        kept = conn.execute(sa.select(t.ref_sha256, sa.func.length(t.content)).where(t.owner == r.owner)
                            .order_by(t.at.desc(), t.ref_sha256)).all()
        total, gone = 0, []
        for i, (sha, size) in enumerate(kept):
            total += int(size or 0)
            if i > 0 and (i >= RESULTS_PER_LINK or total > RESULTS_PER_LINK_BYTES):
                gone.append(sha)
        if gone:
            conn.execute(sa.delete(desk_results).where(t.ref_sha256.in_(gone)))


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
