"""A submission's verdict, and how a unit's state reads in status and export (in the bureau's words)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

Verdict = Literal["accepted", "accepted-warnings", "rejected", "unreadable"]
State = Literal["accepted", "accepted-warnings", "rejected", "not-returned"]

#: Display order of states in status totals: what needs the bureau's attention first.
STATES: tuple[State, ...] = ("not-returned", "rejected", "accepted-warnings", "accepted")
STATE_TEXT: dict[State, str] = {
    "not-returned": "未返回",
    "rejected": "不通过",
    "accepted-warnings": "通过（有提示）",
    "accepted": "通过",
}


def verdict_of(findings: Iterable[Mapping[str, Any]]) -> tuple[Verdict, int, int]:
    """(verdict, number of errors, number of warnings) from a report's findings."""
    fs = list(findings)
    n_err = sum(1 for f in fs if f["severity"] == "error")
    n_warn = sum(1 for f in fs if f["severity"] == "warning")
    if any(str(f["code"]).startswith("E-FILE-") or f["code"] == "E-READ-FAILED" for f in fs):
        return "unreadable", n_err, n_warn
    if n_err:
        return "rejected", n_err, n_warn
    return ("accepted-warnings" if n_warn else "accepted"), n_err, n_warn


def state_of(verdict: str | None) -> State:
    if verdict is None:
        return "not-returned"
    if verdict in ("rejected", "unreadable"):
        return "rejected"
    return "accepted-warnings" if verdict == "accepted-warnings" else "accepted"


def state_text(verdict: str | None, n_errors: int = 0) -> str:
    """未返回 / 不通过（3 个错误）/ 不通过（无法读取）/ 通过（有提示）/ 通过."""
    state = state_of(verdict)
    if verdict == "unreadable":
        return "不通过（无法读取）"
    if state == "rejected":
        return f"不通过（{n_errors} 个错误）"
    return STATE_TEXT[state]
