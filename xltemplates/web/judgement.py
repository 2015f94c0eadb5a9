"""The one place the web desk asks for a verdict: valid or not, and how it is worded (通过 / 不通过（n 个错误）).

Every page goes through :func:`judge` (a fresh check) or :func:`judge_stored` (a stored submission), which
ask the round's own verdict functions, so the desk says exactly what ``status`` and ``export`` say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..round.verdict import State, state_of, state_text, verdict_of


@dataclass(frozen=True, slots=True)
class Judged:
    verdict: str  # accepted / accepted-warnings / rejected / unreadable
    state: State  # accepted / accepted-warnings / rejected / not-returned
    text: str  # 通过 / 通过（有提示）/ 不通过（3 个错误）/ 不通过（无法读取）/ 未返回
    n_errors: int
    n_warnings: int

    @property
    def passed(self) -> bool:
        return self.state in ("accepted", "accepted-warnings")


def judge(findings: Iterable[Mapping[str, Any]]) -> Judged:
    verdict, n_err, n_warn = verdict_of(findings)
    return judge_stored(verdict, n_err, n_warn)


def judge_stored(verdict: str | None, n_errors: int = 0, n_warnings: int = 0) -> Judged:
    """A stored submission's verdict (None: the unit has returned nothing)."""
    return Judged(verdict or "", state_of(verdict), state_text(verdict, n_errors), n_errors, n_warnings)
