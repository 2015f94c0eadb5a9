"""Plausibility rules on indicator values: no rate above 100%, deadlines inside the fiscal year."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..findings.report import Finding
from ..form.model import TableBlock
from ..grammar.values import is_percent_unit, parse_value
from .base import Rule, RuleContext, rule
from .params import Field


@rule("percent_max")
class PercentMax(Rule):
    """Satisfaction and rate indicators (三级 name contains one of `name_contains`) cannot exceed 100%."""

    table: TableBlock
    name_contains: tuple[str, ...] = ("满意度", "率")
    name: str = "三级指标"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        yield from _percent_max(ctx, self.table, self.name_contains, self.name)


def _percent_max(ctx: RuleContext, tb: TableBlock, words: tuple[str, ...], name_key: str) -> Iterator[Finding]:
    table = tb.name
    combined, number, unit = tb.values.indicator, tb.values.number, tb.values.unit
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


@rule("deadline_in_year")
class DeadlineInYear(Rule):
    """A deadline written as a date (2025年12月31日前) must fall inside the fiscal year."""

    table: TableBlock
    name: str = "三级指标"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        table = self.table.name
        combined = self.table.values.indicator
        if combined is None or ctx.year is None:
            return
        for prefix, scope in ctx.scopes(table):
            for i, row in enumerate(scope.get(table) or []):
                if row.get(combined) is None:
                    continue
                p = parse_value(str(row[combined]))
                if p.kind == "deadline" and p.date is not None and p.date.year != ctx.year:
                    yield ctx.finding("E-DEADLINE-YEAR", (*prefix, table, i, combined), expected=ctx.year,
                                      found=row[combined], name=row.get(self.name) or "")


@rule("unique")
class Unique(Rule):
    """No two rows share the same values in `columns` (e.g. the same 三级指标 under the same 二级指标)."""

    table: TableBlock
    columns: tuple[str, ...]

    def problems(self) -> Iterator[tuple[str, str]]:
        keys = [c.key for c in self.table.columns]
        for i, c in enumerate(self.columns):
            if c not in keys:
                yield f"columns[{i}]", f"'{c}' is not a column of the table '{self.table.name}'"
        if not self.columns:
            yield "columns", "name at least one column"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        table, columns = self.table.name, self.columns
        for prefix, scope in ctx.scopes(table):
            seen: dict[tuple[object, ...], int] = {}
            for i, row in enumerate(scope.get(table) or []):
                key = tuple(row.get(c) for c in columns)
                if any(v is None for v in key):
                    continue
                if key in seen:
                    other = ctx.where((*prefix, table, seen[key], columns[-1])) or f"第 {seen[key] + 1} 行"
                    yield ctx.finding("E-DUPLICATE", (*prefix, table, i, columns[-1]), found=row.get(columns[-1]),
                                      label=columns[-1], other=other)
                else:
                    seen[key] = i


@rule("unique_field")
class UniqueField(Rule):
    """A field of a repeated sheet (e.g. 项目编码) differs between copies: a copied issued sheet is not a new project."""

    field: Field

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        field = self.field.name
        seen: dict[object, tuple[str | int, ...]] = {}
        for prefix, scope in ctx.scopes(field):
            value = scope.get(field)
            if value is None or value == "":
                continue
            if value in seen:
                other = ctx.where((*seen[value], field)) or "另一张工作表"
                yield ctx.finding("E-DUPLICATE", (*prefix, field), found=value, label=field, other=other)
            else:
                seen[value] = prefix
