"""A typed value against one of the template's lists (its aliases, meanings and 一级 -> 二级 cascades)."""

from __future__ import annotations

from ..grammar.matching import Match, match_list
from .model import Template


def match_in(t: Template, list_name: str, text: str, parent: str | None = None) -> Match | None:
    """`text` against the template's list `list_name`, with its aliases and meanings; with the `parent` of a cascade
    (the row's 一级), against that parent's values only."""
    lst = t.lists[list_name]
    allowed = t.cascades.get(list_name, {}).get(parent or "", lst.values) if parent is not None else lst.values
    return match_list(text, allowed, t.aliases.get(list_name), meanings=lst.meanings)
