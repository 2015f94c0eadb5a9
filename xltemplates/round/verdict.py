"""A unit's state in the round (status and export): its current submission's verdict, or not returned.

The verdict itself, and its words, come from judgement.py, as for `check`.
"""

from __future__ import annotations

from typing import Literal, cast

from ..judgement import Judgement, Verdict

State = Literal["accepted", "accepted-warnings", "rejected", "not-returned"]

#: Display order of states in status totals: what needs the bureau's attention first.
STATES: tuple[State, ...] = ("not-returned", "rejected", "accepted-warnings", "accepted")
STATE_TEXT: dict[State, str] = {
    "not-returned": "未返回",
    "rejected": "不通过",
    "accepted-warnings": "通过（有提示）",
    "accepted": "通过",
}


def stored_judgement(verdict: str, n_errors: int, n_warnings: int) -> Judgement:
    """The judgement of a stored submission, from its row."""
    return Judgement(cast(Verdict, verdict), n_errors, n_warnings)


def state_of(verdict: str | None) -> State:
    if verdict is None:
        return "not-returned"
    if verdict in ("rejected", "unreadable"):
        return "rejected"
    return "accepted-warnings" if verdict == "accepted-warnings" else "accepted"


def state_text(verdict: str | None, n_errors: int = 0, n_warnings: int = 0) -> str:
    """未返回, or the stored submission's verdict in judgement.py's words."""
    if verdict is None:
        return STATE_TEXT["not-returned"]
    return stored_judgement(verdict, n_errors, n_warnings).text
