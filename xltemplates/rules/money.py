"""Money rules, computed exactly with Decimal: sums, a cumulative spending plan, cost against the budget.

Figures come from floats in the data; Decimal(str(x)) keeps what the clerk saw (4.92 stays 4.92). The
tolerance is half a unit of the form's precision (money shows two decimals: 0.005), so only display rounding
is absorbed; a rule's ``tolerance`` parameter overrides it. Amounts in different money units (元/万元) are
compared in 元.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, Literal

from ..findings.report import Finding
from ..form.model import TableBlock, ValueType
from ..grammar.units import MONEY_UNITS
from ..grammar.values import parse_value, to_yuan
from .base import Rule, RuleContext, rule
from .owner import value_at
from .params import Amount, Field, half_unit


def dec(v: object) -> Decimal | None:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return Decimal(str(v))
    return None


def show(d: Decimal, unit: str = "", decimals: int | None = 2) -> str:
    """`decimals` places, for any size (quantize raises past the context's 28 digits: a clerk's 1e26 is a finding);
    without `decimals`, as the number is (100.0 shows as 100)."""
    if decimals is None:
        text = format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
        return f"{text}{unit}"
    return f"{format(d, f'.{decimals}f')}{unit}"


def what(field: Field | None, label: str = "") -> str:
    """What a total's message asks the clerk to check: 金额 for money, else the field itself (「分值」)."""
    if field is not None and field.spec.type is ValueType.MONEY:
        return "金额"
    name = label or (field.name if field is not None else "")
    return f"「{name}」" if name else "数值"


def tolerance(given: Decimal | None, fields: Iterable[Amount]) -> Decimal:
    """The rule's own tolerance, else half a unit of the coarsest precision among `fields`."""
    if given is not None:
        return given
    shown = [f.decimals for f in fields if f.decimals is not None]
    return half_unit(min(shown)) if shown else Decimal(0)


def money_unit_problem(unit: str) -> str | None:
    if unit and to_yuan(Decimal(1), unit) is None:
        return f"'{unit}' is not a money unit ({', '.join(MONEY_UNITS)})"
    return None


@rule("sum")
class Sum(Rule):
    """total = sum(parts); a blank part counts as 0, a blank total is left to the required check."""

    total: Amount
    parts: tuple[Amount, ...]
    unit: str = ""
    tolerance: Decimal | None = None

    def problems(self) -> Iterator[tuple[str, str]]:
        for i, p in enumerate(self.parts):
            if p.repeat != self.total.repeat:
                yield f"parts[{i}]", f"'{p.name}' is not on the same sheet as the total '{self.total.name}'"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        tol = tolerance(self.tolerance, (self.total, *self.parts))
        unit, key = self.unit, self.total.name
        for prefix, scope in ctx.scopes(key):
            total = dec(scope.get(key))
            inputs = [(*prefix, key), *((*prefix, p.name) for p in self.parts)]
            if total is None or ctx.unit_to_fill(inputs):
                continue
            values = [dec(scope.get(p.name)) or Decimal(0) for p in self.parts]
            s = sum(values, Decimal(0))
            if abs(total - s) > tol:
                parts = " + ".join(f"{p.name}（{show(v, unit)}）" for p, v in zip(self.parts, values, strict=True))
                at = (*prefix, key)
                if ctx.phase == "check" and ctx.bureau(at):  # the total is issued grey: the unit's split is off
                    typed_parts = [pp for pp in inputs[1:] if not ctx.bureau(pp) and scope.get(str(pp[-1])) is not None]
                    at = typed_parts[-1] if typed_parts else at
                changed = "；".join(f"{p[-1]}下发为 {show(dec(v) or Decimal(0), unit)}，现为 "
                                   f"{show(dec(value_at(ctx.data, p)) or Decimal(0), unit)}" for p, v in ctx.changed(inputs))
                yield ctx.judged(inputs, "E-SUM", at, expected=show(s, unit), found=show(total, unit),
                                 label=key, parts=parts, what=what(self.total),
                                 changed=f"其中与下发不同：{changed}。" if changed else "")


@rule("cumulative")
class Cumulative(Rule):
    """A spending plan is cumulative: each checkpoint >= the previous one, and the last = the total.

    ``plan: amount`` compares the last checkpoint with the total; ``plan: percent`` with 100.
    """

    fields: tuple[Amount, ...]
    total: Amount | None = None
    plan: Literal["amount", "percent"] = "amount"
    unit: str = ""
    tolerance: Decimal | None = None

    def problems(self) -> Iterator[tuple[str, str]]:
        if not self.fields:
            yield "fields", "a spending plan needs at least one checkpoint"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        fields = [f.name for f in self.fields]
        tol = tolerance(self.tolerance, (*self.fields, *([self.total] if self.total else [])))
        unit = "%" if self.plan == "percent" else self.unit
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
            if self.plan == "percent":
                target, target_label = Decimal(100), "计划总额"
            else:
                t = dec(scope.get(self.total.name)) if self.total else None
                if t is None or self.total is None:
                    continue
                target, target_label = t, self.total.name
            if abs(last - target) > tol:
                yield ctx.finding("E-PLAN-TOTAL", (*prefix, fields[-1]), expected=show(target, unit),
                                  found=show(last, unit), label=f"资金支出计划{fields[-1]}", total_label=target_label)


def row_matches(row: dict[str, Any], where: dict[str, Any]) -> bool:
    for k, want in where.items():
        wants = want if isinstance(want, list) else [want]
        if row.get(k) not in wants:
            return False
    return True


@rule("cost_within_budget")
class CostWithinBudget(Rule):
    """A cost indicator whose unit is money must not exceed the budget (元/万元/亿元 converted).

    The budget as the form shows it is rounded (275.86万元 may stand for 2758604元), so a cost is over budget
    only when it exceeds the budget by more than half a unit of the budget's last shown digit.
    """

    table: TableBlock
    budget: Amount
    where: dict[str, Any]
    budget_unit: str = "万元"
    name: str = "三级指标"
    tolerance: Decimal | None = None  # in budget_unit

    def problems(self) -> Iterator[tuple[str, str]]:
        problem = money_unit_problem(self.budget_unit) if self.budget_unit else "a budget needs its money unit"
        if problem:
            yield "budget_unit", problem
        keys = [c.key for c in self.table.columns]
        for k in self.where:
            if k not in keys:
                yield f"where.{k}", f"'{k}' is not a column of the table '{self.table.name}'"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        value_key = self.table.values.indicator
        if value_key is None:
            return
        table = self.table.name
        slack = to_yuan(tolerance(self.tolerance, (self.budget,)), self.budget_unit) or Decimal(0)
        for prefix, scope in ctx.scopes(table):
            budget = dec(scope.get(self.budget.name))
            budget_yuan = to_yuan(budget, self.budget_unit) if budget is not None else None
            if budget is None or budget_yuan is None:
                continue
            for i, row in enumerate(scope.get(table) or []):
                if not row_matches(row, self.where) or row.get(value_key) is None:
                    continue
                p = parse_value(str(row[value_key]))
                if p.number is None or p.op in ("≥", ">"):
                    continue
                amount = to_yuan(p.number, p.unit)
                if amount is not None and amount > budget_yuan + slack:
                    yield ctx.finding("E-COST-OVER-BUDGET", (*prefix, table, i, value_key),
                                      expected=f"{show(budget, decimals=self.budget.decimals)}{self.budget_unit}",
                                      found=row[value_key], name=row.get(self.name) or "", total_label=self.budget.name)
