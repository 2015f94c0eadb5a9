"""Declarative cross-field rules named in templates (``rules:``), run by both `check` and `generate --data`.

Each kind lives with its parameters in one class (``@rule("sum") class Sum``); importing this package
registers them all. A template's rules are parsed when it loads (:func:`parse_rules`) and run here.
"""

from __future__ import annotations

from typing import Any

from ..cellmap import CellMap
from ..findings.report import Finding
from ..form.model import Template
from . import dates, indicator, money, sanity, totals, units_required  # noqa: F401  # importing registers each rule kind
from .base import REGISTRY, Rule, RuleContext
from .params import parse_rules


def run_rules(t: Template, data: dict[str, Any], cells: CellMap, year: int | None, phase: str = "check",
              issued: dict[str, Any] | None = None) -> list[Finding]:
    """Every rule of the template; `phase="generate"` skips the rules that judge the unit's answers. `issued`
    (check): the grey values issued, so a break in the bureau's own data is worded to the bureau."""
    ctx = RuleContext(t, data, cells, year, issued, phase)
    return [f for r in t.rules if not (phase == "generate" and r.answers) for f in r.check(ctx)]


__all__ = ["REGISTRY", "Rule", "RuleContext", "parse_rules", "run_rules"]
