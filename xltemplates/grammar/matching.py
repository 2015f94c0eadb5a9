"""Matching a typed value against a dropdown list: exact, unambiguous normalisation, or forgiving names.

Never a silent rewrite: the caller reports "normalised" and "forgiven" matches as warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from .text import squash
from .values import normalise_operator

How = Literal["exact", "normalised", "forgiven"]


@dataclass(frozen=True, slots=True)
class Match:
    value: str
    how: How


def _operator(text: str) -> str | None:
    return normalise_operator(text)  # the value grammar owns operator spellings


def _strip_suffix(name: str) -> str:
    return name[:-2] if name.endswith("指标") else name


def match_list(
    value: str, allowed: tuple[str, ...], aliases: dict[str, str] | None = None, forgiving: bool = True,
    meanings: Mapping[str, str] | None = None,
) -> Match | None:
    """The list entry `value` stands for, and how sure we are; None when it is not in the list.

    An operator in any spelling (≥, >=, ＞＝, ≧, 大于等于) matches the list value that means it (`meanings`, see
    ListSpec), so a form listing ">=" gets ">=" back for a typed "≥".
    """
    if value in allowed:
        return Match(value, "exact")
    squashed = squash(value)
    for a in allowed:
        if squash(a) == squashed:
            return Match(a, "normalised")
    op = _operator(value)
    if op is not None:
        hit = next((a for a in allowed if a == op or (meanings or {}).get(a) == op), None)
        if hit is not None:
            return Match(hit, "normalised")
    if not forgiving:
        return None
    if aliases:
        for alias, canonical in aliases.items():
            if squash(alias) == squashed and canonical in allowed:
                return Match(canonical, "forgiven")
    bare = _strip_suffix(squashed)
    hits = [a for a in allowed if _strip_suffix(squash(a)) == bare]
    if len(hits) == 1:
        return Match(hits[0], "forgiven")
    if "满意度" in squashed:
        sat = [a for a in allowed if "满意度" in a and a != "满意度指标"]
        if len(sat) == 1:
            return Match(sat[0], "forgiven")
    return None
