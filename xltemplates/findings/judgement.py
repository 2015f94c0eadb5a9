"""The one judgement: a file's findings' codes -> verdict and counts; a unit's state in the round; their words.

`check`, `collect`, `status`, `export` and the web desk all decide valid/rejected and word the verdict
here, over codes whose meaning (severity, kind) is looked up in the registry (codes.py) and nowhere else:

    any error of kind "file" or "reader"   -> unreadable   不通过（无法读取）
    any other error                        -> rejected     不通过（3 个错误，1 条提示）
    warnings only                          -> accepted-warnings  通过（1 条提示）
    nothing                                -> accepted     通过

A stored submission keeps its verdict and counts, so `Judgement(row.verdict, row.n_errors, row.n_warnings)`
words it the same way later, without its findings.

A unit's state in the round (:func:`standing`) is its current file's verdict, or 未返回, unless the bureau
has reviewed that file by hand: 退回修改 (returned to the unit with a reason) or 审核通过 (approved, also over
a 不通过 verdict). Every surface (check, status, export, the desk's pages) takes its words and its counts
from here; templates print them, never count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, cast, get_args

from .codes import lookup

Verdict = Literal["accepted", "accepted-warnings", "rejected", "unreadable"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)

#: A verdict's name where files are counted by verdict (collect's summary).
VERDICT_LABEL: dict[Verdict, str] = {
    "accepted": "通过", "accepted-warnings": "通过（有提示）", "rejected": "不通过", "unreadable": "无法读取"}


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    n_errors: int = 0
    n_warnings: int = 0

    @property
    def valid(self) -> bool:
        """Accepted (warnings allowed): the data can be used."""
        return self.verdict in ("accepted", "accepted-warnings")

    @property
    def unreadable(self) -> bool:
        return self.verdict == "unreadable"

    @property
    def text(self) -> str:
        """The verdict in the bureau's and the clerk's words, with its counts."""
        warn = f"{self.n_warnings} 条提示" if self.n_warnings else ""
        if self.verdict == "unreadable":
            return "不通过（无法读取）"
        if self.verdict == "rejected":
            return f"不通过（{self.n_errors} 个错误" + (f"，{warn}" if warn else "") + "）"
        return "通过" + (f"（{warn}）" if warn else "")


def judge(codes: Iterable[str]) -> Judgement:
    """The judgement on a file whose findings have these codes (every code must be in the registry). Codes
    for the bureau only (not shown to the clerk, e.g. W-METADATA-VISIBLE) are not counted: the verdict and
    its counts are what the clerk is shown, in check, status and export alike."""
    entries = [e for e in (lookup(c) for c in codes) if e.clerk]
    n_err = sum(1 for e in entries if e.severity == "error")
    n_warn = len(entries) - n_err
    if any(e.severity == "error" and e.kind in ("file", "reader") for e in entries):
        return Judgement("unreadable", n_err, n_warn)
    if n_err:
        return Judgement("rejected", n_err, n_warn)
    return Judgement("accepted-warnings" if n_warn else "accepted", 0, n_warn)


State = Literal["not-returned", "rejected", "returned", "accepted-warnings", "accepted", "approved"]
#: Every state, in the order totals list them: what needs the bureau's attention first.
STATES: tuple[State, ...] = get_args(State)
#: A state's name where units are counted by state (status totals, the bureau's filters).
STATE_LABEL: dict[State, str] = {
    "not-returned": "未返回", "rejected": "不通过", "returned": "退回修改", "accepted-warnings": "通过（有提示）",
    "accepted": "通过", "approved": "审核通过"}
#: States whose data the bureau can use.
PASSED: frozenset[State] = frozenset({"accepted-warnings", "accepted", "approved"})
#: The bureau's hand on a unit's current file (review.py stores it).
Review = Literal["returned", "approved"]
#: The bureau's filters: label and the states each shows.
GROUPS: dict[str, tuple[str, frozenset[State]]] = {
    "not-returned": ("未返回", frozenset({"not-returned"})),
    "rejected": ("不通过或退回", frozenset({"rejected", "returned"})),
    "accepted": ("通过", PASSED),
}


@dataclass(frozen=True, slots=True)
class Standing:
    """A unit's (or one file's) state and its words: 未返回 / 不通过（3 个错误）/ 退回修改 / 通过（1 条提示）/
    通过 / 审核通过, with the machine verdict and counts it comes from."""

    state: State
    text: str
    verdict: Verdict | None = None  # None: nothing returned
    n_errors: int = 0
    n_warnings: int = 0

    @property
    def passed(self) -> bool:
        return self.state in PASSED

    @property
    def label(self) -> str:
        """The state's name without counts (a column to filter on)."""
        return STATE_LABEL[self.state]


def standing(verdict: str | None, n_errors: int = 0, n_warnings: int = 0, review: Review | None = None) -> Standing:
    """The state of a stored file (or of a unit by its current file: None when it has returned nothing),
    after the bureau's review of it, if any."""
    if verdict is None:
        return Standing("not-returned", STATE_LABEL["not-returned"])
    j = Judgement(cast(Verdict, verdict), n_errors, n_warnings)
    if review is not None:
        return Standing(review, STATE_LABEL[review], j.verdict, n_errors, n_warnings)
    state: State = "rejected" if not j.valid else \
        "accepted-warnings" if j.verdict == "accepted-warnings" else "accepted"
    return Standing(state, j.text, j.verdict, n_errors, n_warnings)


def judged(j: Judgement) -> Standing:
    """The state of a freshly checked file."""
    return standing(j.verdict, j.n_errors, j.n_warnings)


def tally(states: Iterable[State]) -> dict[State, int]:
    """How many of each state, every state present (0 when none)."""
    out = dict.fromkeys(STATES, 0)
    for s in states:
        out[s] += 1
    return out
