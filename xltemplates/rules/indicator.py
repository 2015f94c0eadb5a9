"""Indicator rows: measurable values and a complete framework.

``indicator``: quantitative types (>, ≥, <, ≤, =) need a number and a 计量单位; 定性 needs text; a combined
value (≥95%) must parse. ``level1_present``: every required 一级 of the framework has at least one row.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..report import Finding
from ..spec.frameworks import load_framework
from ..spec.model import TableBlock
from ..values import QUANT_OPS, ParsedValue, normalise_text, parse_number, parse_value
from .base import Rule, RuleContext, rule


@rule("indicator")
class Indicator(Rule):
    table: TableBlock

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        table, name = self.table, self.table.name
        vc = table.values
        for prefix, scope in ctx.scopes(name):
            for i, row in enumerate(scope.get(name) or []):
                at = (*prefix, name, i)
                if vc.operator is not None and vc.number is not None:
                    yield from _split(ctx, table, vc.operator, vc.number, row, at)
                if vc.indicator is not None:
                    yield from _combined(ctx, table, vc.indicator, row, at)


def _split(ctx: RuleContext, table: TableBlock, op_key: str, number_key: str, row: dict[str, object],
           at: tuple[str | int, ...]) -> Iterator[Finding]:
    op, value = row.get(op_key), row.get(number_key)
    vcol = table.column(number_key)
    unit_key = table.values.unit
    if op in QUANT_OPS:
        if value is not None and parse_number(str(value)) is None:
            yield ctx.finding("E-NOT-NUMBER", (*at, vcol.key), found=value, label=vcol.label)
        if unit_key is not None and row.get(unit_key) in (None, "", "/"):
            ucol = table.column(unit_key)
            yield ctx.finding("E-UNIT-MISSING", (*at, ucol.key), found=row.get(ucol.key), op=op, label=ucol.label)
    elif op == "定性" and value is not None and parse_number(str(value)) is not None:
        yield ctx.finding("E-QUALITATIVE-VALUE", (*at, vcol.key), found=value, label=vcol.label)


def _combined(ctx: RuleContext, table: TableBlock, key: str, row: dict[str, object],
              at: tuple[str | int, ...]) -> Iterator[Finding]:
    value = row.get(key)
    if value is None:
        return
    col = table.column(key)
    p = parse_value(str(value))
    if p.kind == "invalid":
        yield ctx.finding("E-VALUE-UNPARSEABLE", (*at, key), found=value, label=col.label, hint=p.problem or "")
        return
    if p.normalised:
        yield ctx.finding("W-NORMALISED", (*at, key), found=value, label=col.label, expected=format_parsed(p))
    if p.implied_op:
        yield ctx.finding("W-NO-OPERATOR", (*at, key), found=value, label=col.label)


@rule("level1_present", answers=True)
class Level1Present(Rule):
    table: TableBlock
    required: tuple[str, ...] = ()  # default: the framework's required 一级

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        name = self.table.name
        level1 = next((c for c in self.table.columns if c.list == "level1"), None)
        if level1 is None or ctx.template.framework is None:
            return
        required = self.required or load_framework(ctx.template.framework).required
        for prefix, scope in ctx.scopes(name):
            rows = scope.get(name) or []
            present = {r.get(level1.key) for r in rows}
            for want in required:
                if want not in present:
                    yield ctx.finding("E-LEVEL1-MISSING", (*prefix, name), expected=want, label=name)


def format_parsed(p: ParsedValue) -> str:
    """The canonical spelling of a parsed value, for the W-NORMALISED message."""
    return p.canonical or normalise_text(p.text)
