"""Matching a typed value against a dropdown list: exact, unambiguous normalisation, or forgiving names.

Never a silent rewrite: the caller reports "normalised" and "forgiven" matches as warnings.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

How = Literal["exact", "normalised", "forgiven"]


@dataclass(frozen=True, slots=True)
class Match:
    value: str
    how: How


def squash(text: str) -> str:
    """NFKC and no whitespace at all: what two labels must share to count as the same text."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _operator(text: str) -> str | None:
    from .values import normalise_operator  # the value grammar owns operator spellings

    return normalise_operator(text)


def _strip_suffix(name: str) -> str:
    return name[:-2] if name.endswith("指标") else name


def match_list(
    value: str, allowed: tuple[str, ...], aliases: dict[str, str] | None = None, forgiving: bool = True
) -> Match | None:
    """The list entry `value` stands for, and how sure we are; None when it is not in the list."""
    if value in allowed:
        return Match(value, "exact")
    squashed = squash(value)
    for a in allowed:
        if squash(a) == squashed:
            return Match(a, "normalised")
    op = _operator(value)
    if op is not None and op in allowed:
        return Match(op, "normalised")
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
