"""Who has answered: each roster unit's state from its current submission, with totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from ..findings.judgement import STATES, State, standing
from ..findings.report import make_finding
from ..unit_files import Unit
from . import queries
from .attribution import FORGED, MISMATCH, UNVERIFIED
from .beijing import beijing_iso
from .review import Reviewed, standing_reviews
from .store import load_roster


@dataclass(frozen=True, slots=True)
class UnitStatus:
    code: str
    name: str
    state: State
    text: str  # judgement.standing's words: 未返回 / 不通过（3 个错误）/ 退回修改 / 通过（1 条提示）/ 通过 / 审核通过
    n_errors: int = 0
    n_warnings: int = 0
    file: str | None = None
    template: str | None = None
    version: str | None = None
    year: int | None = None
    received_at: str | None = None
    submission_id: int | None = None
    files: int = 0  # files stored for the unit, history included
    #: Files that name or seem to be this unit but are not counted as its (W-UNVERIFIED-NOT-CURRENT).
    waiting: list[dict[str, Any]] = field(default_factory=list)
    group: str = ""  # the roster's 所属乡镇 (or other group)
    contact: str = ""  # the roster's contact
    review: str = ""  # the bureau's reason for a 退回修改 / 审核通过 of the current file (review.py)


@dataclass(slots=True)
class RoundStatus:
    units: list[UnitStatus]  # the roster, in roster order
    unlisted: list[UnitStatus] = field(default_factory=list)  # returned by units not on the roster
    unidentified: list[dict[str, Any]] = field(default_factory=list)  # files without a unit

    @property
    def totals(self) -> dict[str, int]:
        out = {"units": len(self.units)}
        out.update({s: sum(1 for u in self.units if u.state == s) for s in STATES})
        out["unlisted"] = len(self.unlisted)
        out["waiting_files"] = sum(len(u.waiting) for u in (*self.units, *self.unlisted))
        out["unidentified_files"] = len(self.unidentified)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "totals": self.totals,
            "units": [asdict(u) for u in self.units],
            "unlisted": [asdict(u) for u in self.unlisted],
            "unidentified": self.unidentified,
        }


def round_status(conn: sa.Connection, roster: Sequence[Unit] | None = None) -> RoundStatus:
    """The state of every unit of `roster` (default: the stored roster; without one, every unit seen)."""
    units = list(roster) if roster is not None else load_roster(conn)
    cur = {r.unit_code: r for r in queries.current(conn)}
    counts = queries.history_counts(conn)
    waits: dict[str, list[sa.Row[Any]]] = {}
    for r in queries.waiting(conn):
        waits.setdefault(r.claimed_unit, []).append(r)
    if not units:
        units = [Unit(code, r.unit_name or "") for code, r in cur.items()]
    listed = {u.code for u in units}
    reviewed = standing_reviews(conn)
    status = RoundStatus([_unit(u, cur.get(u.code), counts, reviewed.get(u.code)) for u in units])
    status.unlisted = [_unit(Unit(code, r.unit_name or ""), r, counts, reviewed.get(code))
                       for code, r in cur.items() if code not in listed]
    for u in (*status.units, *status.unlisted):
        u.waiting.extend(_waiting(r) for r in waits.get(u.code, ()))
    placed = {u.code for u in (*status.units, *status.unlisted)}  # a file claiming one of them waits there
    status.unidentified = [
        {"file": r.file_name, "verdict": r.verdict, "text": standing(r.verdict, r.n_errors, r.n_warnings).text,
         "template": r.template, "submission_id": r.id, "claimed_unit": r.claimed_unit}
        for r in queries.unidentified(conn) if r.claimed_unit not in placed
    ]
    return status


#: Why a waiting file is not the unit's, and what the bureau does about it, by attribution.py's reason.
_WHY_NOT = {
    UNVERIFIED: ("是在没有财政局标识密钥的电脑上收集的，身份无法核实",
                 "财政局请在保存本局密钥的电脑上（或设置 XLTEMPLATES_KEY 指向本局密钥文件后）对同一文件夹和数据库"
                 "重新运行 collect：核验通过的文件计为该单位的报送，被改动过的文件不归入任何单位。"),
    FORGED: ("其模板标识信息未通过财政局的签名核验",
             "如确为该单位的更正，请该单位使用财政局下发的原表填报后重新报送。"),
    MISMATCH: ("其年度、表格类型或单位与本轮不符",
               "请该单位使用本轮下发给本单位的表格填报后重新报送。"),
}
_NO_IDENTITY = ("没有模板标识信息（单位是按表中或文件名中的单位名称推测的），身份无法核实",
                "如确为该单位的报送，请该单位使用财政局下发的原表填报后重新报送。")


def _waiting(row: sa.Row[Any]) -> dict[str, Any]:
    reason, fix = _WHY_NOT.get(row.unit_source, _NO_IDENTITY)
    f = make_finding("W-UNVERIFIED-NOT-CURRENT", expected=row.current_file or "（无）",
                     found=" ".join(x for x in (row.claimed_unit, row.unit_name) if x), reason=reason, fix=fix)
    return {"file": row.file_name, "submission_id": row.id, "received_at": beijing_iso(row.received_at),
            "text": standing(row.verdict, row.n_errors, row.n_warnings).text, "code": f.code, "message": f.message}


def _unit(u: Unit, row: sa.Row[Any] | None, counts: dict[str, int], reviewed: Reviewed | None) -> UnitStatus:
    if row is None:
        st = standing(None)
        return UnitStatus(u.code, u.name, st.state, st.text, group=u.group, contact=u.contact)
    st = standing(row.verdict, row.n_errors, row.n_warnings, reviewed.action if reviewed else None)
    return UnitStatus(
        u.code, u.name, st.state, st.text, row.n_errors, row.n_warnings,
        row.file_name, row.template, row.version, row.year,
        beijing_iso(row.received_at), row.id, counts.get(u.code, 0),
        group=u.group, contact=u.contact, review=reviewed.reason if reviewed else "",
    )
