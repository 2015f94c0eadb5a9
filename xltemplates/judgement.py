"""The one judgement on a returned file: its findings' codes -> verdict, counts, and the words for it.

`check`, `collect`, `status`, `export` and the web desk all decide valid/rejected and word the verdict
here, over codes whose meaning (severity, kind) is looked up in the registry (codes.py) and nowhere else:

    any error of kind "file" or "reader"   -> unreadable   不通过（无法读取）
    any other error                        -> rejected     不通过（3 个错误，1 条提示）
    warnings only                          -> accepted-warnings  通过（1 条提示）
    nothing                                -> accepted     通过

A stored submission keeps its verdict and counts, so `Judgement(row.verdict, row.n_errors, row.n_warnings)`
words it the same way later, without its findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

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
