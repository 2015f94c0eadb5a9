"""Money rules, computed exactly with Decimal: sums, a cumulative spending plan, cost against the budget.

Figures come from floats in the data; Decimal(str(x)) keeps what the clerk saw (4.92 stays 4.92).
The tolerance (default 0.005, half the last shown digit) absorbs only display rounding.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ..report import Finding
from ..spec.model import RuleSpec
from ..values import parse_value, to_yuan
from .base import RuleContext, param


def dec(v: object) -> Decimal | None:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return Decimal(str(v))
    return None


def show(d: Decimal, unit: str = "") -> str:
    return f"{d.quantize(Decimal('0.01'))}{unit}"


def _tolerance(rule: RuleSpec, ctx: RuleContext) -> Decimal:
    return Decimal(str(param(rule, ctx.template, "tolerance", 0.005, (int, float))))


def sum_rule(rule: RuleSpec, ctx: RuleContext) -> Iterator[Finding]:
    """total = sum(parts); a blank part counts as 0, a blank total is left to the required check."""
    total_key = param(rule, ctx.template, "total")
    parts = param(rule, ctx.template, "parts", kind=list)
    tol = _tolerance(rule, ctx)
    unit = param(rule, ctx.template, "unit", "")
    for prefix, scope in ctx.scopes(total_key):
        total = dec(scope.get(total_key))
        if total is None:
            continue
        values = [dec(scope.get(p)) or Decimal(0) for p in parts]
        s = sum(values, Decimal(0))
        if abs(total - s) > tol:
            yield ctx.finding("E-SUM", (*prefix, total_key), expected=show(s, unit), found=show(total, unit), label=total_key,
                              parts=" + ".join(f"{p}（{show(v, unit)}）" for p, v in zip(parts, values, strict=True)))


def cumulative(rule: RuleSpec, ctx: RuleContext) -> Iterator[Finding]:
    """A spending plan is cumulative: each checkpoint >= the previous one, and the last = the total.

    ``plan: amount`` compares the last checkpoint with the total; ``plan: percent`` with 100.
    """
    fields = param(rule, ctx.template, "fields", kind=list)
    total_key = param(rule, ctx.template, "total", None)
    mode = param(rule, ctx.template, "plan", "amount")
    tol = _tolerance(rule, ctx)
    unit = "%" if mode == "percent" else param(rule, ctx.template, "unit", "")
    for prefix, scope in ctx.scopes(fields[-1]):
        prev: tuple[str, Decimal] | None = None
        for f in fields:
            v = dec(scope.get(f))
            if v is None:
                continue
            if prev is not None and v + tol < prev[1]:
                yield ctx.finding("E-PLAN-ORDER", (*prefix, f), expected=show(prev[1], unit), found=show(v, unit),
                                  label=f"{f}", prev_label=prev[0])
            prev = (f, v)
        last = dec(scope.get(fields[-1]))
        if last is None:
            continue
        if mode == "percent":
            target, target_label = Decimal(100), "计划总额"
        else:
            t = dec(scope.get(total_key)) if total_key else None
            if t is None:
                continue
            target, target_label = t, f"{total_key}"
        if abs(last - target) > tol:
            yield ctx.finding("E-PLAN-TOTAL", (*prefix, fields[-1]), expected=show(target, unit), found=show(last, unit),
                              label=f"资金支出计划{fields[-1]}", total_label=target_label)


def _matches(row: dict[str, Any], where: dict[str, Any]) -> bool:
    for k, want in where.items():
        wants = want if isinstance(want, list) else [want]
        if row.get(k) not in wants:
            return False
    return True


def cost_within_budget(rule: RuleSpec, ctx: RuleContext) -> Iterator[Finding]:
    """A cost indicator whose unit is money must not exceed the budget (元/万元/亿元 converted)."""
    table = param(rule, ctx.template, "table")
    budget_key = param(rule, ctx.template, "budget")
    budget_unit = param(rule, ctx.template, "budget_unit", "万元")
    where = param(rule, ctx.template, "where", kind=dict)
    value_key = ctx.template.table(table).values.indicator
    name_key = param(rule, ctx.template, "name", "三级指标")
    if value_key is None:
        return
    for prefix, scope in ctx.scopes(table):
        budget = dec(scope.get(budget_key))
        budget_yuan = to_yuan(budget, budget_unit) if budget is not None else None
        if budget is None or budget_yuan is None:
            continue
        for i, row in enumerate(scope.get(table) or []):
            if not _matches(row, where) or row.get(value_key) is None:
                continue
            p = parse_value(str(row[value_key]))
            if p.number is None or p.op in ("≥", ">"):
                continue
            amount = to_yuan(p.number, p.unit)
            if amount is not None and amount > budget_yuan:
                yield ctx.finding("E-COST-OVER-BUDGET", (*prefix, table, i, value_key), expected=f"{show(budget)}{budget_unit}",
                                  found=row[value_key], name=row.get(name_key) or "", total_label=budget_key)
