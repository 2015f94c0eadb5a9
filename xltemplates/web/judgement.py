"""The one place the web desk asks for a verdict: valid or not, and how it is worded (通过 / 不通过（n 个错误）).

Every page goes through :func:`judge` (a fresh check) or :func:`judge_stored` (a stored submission), which
ask judgement.py, the one function `check`, `collect`, `status` and `export` use, so the desk says exactly
what they say.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..judgement import Judgement
from ..report import Report
from ..round.verdict import STATE_TEXT, State, state_of, stored_judgement


@dataclass(frozen=True, slots=True)
class Judged:
    verdict: str  # accepted / accepted-warnings / rejected / unreadable ("" when nothing was returned)
    state: State  # accepted / accepted-warnings / rejected / not-returned
    text: str  # 通过 / 通过（1 条提示）/ 不通过（3 个错误）/ 不通过（无法读取）/ 未返回
    n_errors: int
    n_warnings: int

    @property
    def passed(self) -> bool:
        return self.state in ("accepted", "accepted-warnings")


def _judged(j: Judgement) -> Judged:
    return Judged(j.verdict, state_of(j.verdict), j.text, j.n_errors, j.n_warnings)


def judge(report: Report) -> Judged:
    return _judged(report.judgement)


def judge_stored(verdict: str | None, n_errors: int = 0, n_warnings: int = 0) -> Judged:
    """A stored submission's verdict (None: the unit has returned nothing)."""
    if verdict is None:
        return Judged("", "not-returned", STATE_TEXT["not-returned"], 0, 0)
    return _judged(stored_judgement(verdict, n_errors, n_warnings))
