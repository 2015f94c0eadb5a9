"""Declarative cross-field rules named in templates (``rules:``), run by both `check` and `generate --data`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..cellmap import CellMap
from ..errors import TemplateError
from ..report import Finding
from ..shape import scopes
from ..spec.model import RuleSpec, Template
from .base import RuleContext
from .indicator import indicator, level1_present
from .money import cost_within_budget, cumulative, sum_rule
from .sanity import deadline_in_year, percent_max, unique, unique_field

Rule = Callable[[RuleSpec, RuleContext], Iterator[Finding]]

RULES: dict[str, Rule] = {
    "indicator": indicator,
    "level1_present": level1_present,
    "sum": sum_rule,
    "cumulative": cumulative,
    "cost_within_budget": cost_within_budget,
    "percent_max": percent_max,
    "deadline_in_year": deadline_in_year,
    "unique": unique,
    "unique_field": unique_field,
}


# Each rule's parameters: which name tables, which name fields, and which are optional.
_TABLE, _FIELD, _FIELDS, _ANY = "table", "field", "fields", "any"
SIGNATURES: dict[str, dict[str, tuple[str, bool]]] = {
    "indicator": {"table": (_TABLE, True)},
    "level1_present": {"table": (_TABLE, True), "required": (_ANY, False)},
    "sum": {"total": (_FIELD, True), "parts": (_FIELDS, True), "unit": (_ANY, False), "tolerance": (_ANY, False)},
    "cumulative": {"fields": (_FIELDS, True), "total": (_FIELD, False), "plan": (_ANY, False), "unit": (_ANY, False),
                   "tolerance": (_ANY, False)},
    "cost_within_budget": {"table": (_TABLE, True), "budget": (_FIELD, True), "budget_unit": (_ANY, False),
                           "where": (_ANY, True), "name": (_ANY, False)},
    "percent_max": {"table": (_TABLE, True), "name_contains": (_ANY, False), "name": (_ANY, False)},
    "deadline_in_year": {"table": (_TABLE, True), "name": (_ANY, False)},
    "unique": {"table": (_TABLE, True), "columns": (_ANY, True)},
    "unique_field": {"field": (_FIELD, True)},
}


def validate_rules(t: Template) -> None:
    """Every rule in a template names a known kind and existing fields/tables (checked when it loads)."""
    fields = {f.field for sc in scopes(t) for f in sc.fields}
    tables = {tb.name for sc in scopes(t) for tb in sc.tables}
    for rule in t.rules:
        sig = SIGNATURES.get(rule.kind)
        if sig is None:
            raise TemplateError(t.source, f"{rule.path}.rule", f"unknown rule '{rule.kind}' (known: {', '.join(sorted(RULES))})")
        for key in rule.params:
            if key != "rule" and key not in sig:
                raise TemplateError(t.source, f"{rule.path}.{key}", f"unknown parameter (allowed: {', '.join(sig)})")
        for key, (kind, required) in sig.items():
            if key not in rule.params:
                if required:
                    raise TemplateError(t.source, rule.path, f"the '{rule.kind}' rule needs '{key}'")
                continue
            value = rule.params[key]
            names = value if kind == _FIELDS else [value]
            if kind == _FIELDS and not isinstance(value, list):
                raise TemplateError(t.source, f"{rule.path}.{key}", "expected a list of field names")
            known = tables if kind == _TABLE else fields
            what = "table" if kind == _TABLE else "field"
            for n in names if kind != _ANY else []:
                if n not in known:
                    raise TemplateError(t.source, f"{rule.path}.{key}", f"'{n}' is not a {what} of this template")


#: Rules about the unit's answers being complete: meaningless on the bureau's prefill (a blank form is fine).
ANSWER_RULES = frozenset({"level1_present"})


def run_rules(t: Template, data: dict[str, Any], cells: CellMap, year: int | None, phase: str = "check") -> list[Finding]:
    """Every rule of the template; `phase="generate"` skips the rules that judge the unit's answers."""
    ctx = RuleContext(t, data, cells, year)
    out: list[Finding] = []
    for rule in t.rules:
        if phase == "generate" and rule.kind in ANSWER_RULES:
            continue
        fn = RULES.get(rule.kind)
        if fn is None:
            raise TemplateError(t.source, f"{rule.path}.rule", f"unknown rule '{rule.kind}' (known: {', '.join(sorted(RULES))})")
        out.extend(fn(rule, ctx))
    return out


__all__ = ["RULES", "RuleContext", "run_rules"]
