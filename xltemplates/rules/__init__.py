"""Declarative cross-field rules named in templates (``rules:``), run by both `check` and `generate --data`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..cellmap import CellMap
from ..errors import TemplateError
from ..report import Finding
from ..spec.model import RuleSpec, Template
from .base import RuleContext
from .indicator import indicator, level1_present
from .money import cost_within_budget, cumulative, sum_rule
from .sanity import deadline_in_year, percent_max

Rule = Callable[[RuleSpec, RuleContext], Iterator[Finding]]

RULES: dict[str, Rule] = {
    "indicator": indicator,
    "level1_present": level1_present,
    "sum": sum_rule,
    "cumulative": cumulative,
    "cost_within_budget": cost_within_budget,
    "percent_max": percent_max,
    "deadline_in_year": deadline_in_year,
}


def run_rules(t: Template, data: dict[str, Any], cells: CellMap, year: int | None) -> list[Finding]:
    ctx = RuleContext(t, data, cells, year)
    out: list[Finding] = []
    for rule in t.rules:
        fn = RULES.get(rule.kind)
        if fn is None:
            raise TemplateError(t.source, f"{rule.path}.rule", f"unknown rule '{rule.kind}' (known: {', '.join(sorted(RULES))})")
        out.extend(fn(rule, ctx))
    return out


__all__ = ["RULES", "RuleContext", "run_rules"]
