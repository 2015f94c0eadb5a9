"""Plausibility rules on indicator values: no rate above 100%, deadlines inside the fiscal year."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..report import Finding
from ..spec.model import RuleSpec
from ..values import is_percent_unit, parse_value
from .base import RuleContext, param


def percent_max(rule: RuleSpec, ctx: RuleContext) -> Iterator[Finding]:
    """Satisfaction and rate indicators (三级 name contains one of `name_contains`) cannot exceed 100%."""
    table = param(rule, ctx.template, "table")
    words = param(rule, ctx.template, "name_contains", ["满意度", "率"], list)
    name_key = param(rule, ctx.template, "name", "三级指标")
    vc = ctx.template.table(table).values
    combined, number, unit = vc.indicator, vc.number, vc.unit
    for prefix, scope in ctx.scopes(table):
        for i, row in enumerate(scope.get(table) or []):
            name = str(row.get(name_key) or "")
            if not any(w in name for w in words):
                continue
            if combined and row.get(combined) is not None:
                p = parse_value(str(row[combined]))
                num, u, key = p.number, p.unit, combined
            elif number and unit and row.get(number) is not None:
                p = parse_value(f"{row[number]}{row.get(unit) or ''}")
                num, u, key = p.number, p.unit, number
            else:
                continue
            if num is not None and is_percent_unit(u) and num > Decimal(100):
                yield ctx.finding("E-PERCENT-OVER-100", (*prefix, table, i, key), found=row[key], name=name)


def deadline_in_year(rule: RuleSpec, ctx: RuleContext) -> Iterator[Finding]:
    """A deadline written as a date (2025年12月31日前) must fall inside the fiscal year."""
    table = param(rule, ctx.template, "table")
    name_key = param(rule, ctx.template, "name", "三级指标")
    combined = ctx.template.table(table).values.indicator
    if combined is None or ctx.year is None:
        return
    for prefix, scope in ctx.scopes(table):
        for i, row in enumerate(scope.get(table) or []):
            if row.get(combined) is None:
                continue
            p = parse_value(str(row[combined]))
            if p.kind == "deadline" and p.date is not None and p.date.year != ctx.year:
                yield ctx.finding("E-DEADLINE-YEAR", (*prefix, table, i, combined), expected=ctx.year,
                                  found=row[combined], name=row.get(name_key) or "")


def unique(rule: RuleSpec, ctx: RuleContext) -> Iterator[Finding]:
    """No two rows share the same values in `columns` (e.g. the same 三级指标 under the same 二级指标)."""
    table = param(rule, ctx.template, "table")
    columns = param(rule, ctx.template, "columns", kind=list)
    for prefix, scope in ctx.scopes(table):
        seen: dict[tuple[object, ...], int] = {}
        for i, row in enumerate(scope.get(table) or []):
            key = tuple(row.get(c) for c in columns)
            if any(v is None for v in key):
                continue
            if key in seen:
                first = ctx.cells.get((*prefix, table, seen[key], columns[-1]), ("", ""))
                yield ctx.finding("E-DUPLICATE", (*prefix, table, i, columns[-1]), found=row.get(columns[-1]),
                                  label=columns[-1], other=f"{first[0]}!{first[1]}" if first[0] else f"第 {seen[key] + 1} 行")
            else:
                seen[key] = i


def unique_field(rule: RuleSpec, ctx: RuleContext) -> Iterator[Finding]:
    """A field of a repeated sheet (e.g. 项目编码) differs between copies: a copied issued sheet is not a new project."""
    field = param(rule, ctx.template, "field")
    seen: dict[object, tuple[str | int, ...]] = {}
    for prefix, scope in ctx.scopes(field):
        value = scope.get(field)
        if value is None or value == "":
            continue
        if value in seen:
            other = ctx.cells.get((*seen[value], field), ("", ""))
            yield ctx.finding("E-DUPLICATE", (*prefix, field), found=value, label=field,
                              other=f"{other[0]}!{other[1]}" if other[0] else "另一张工作表")
        else:
            seen[value] = prefix
