"""Indicator rows: measurable values and a complete framework.

``indicator``: quantitative types (>, ≥, <, ≤, =, in the spelling the form's list declares) need a
number (or a deadline) and a 计量单位; 定性 needs text; a row whose 定量/定性 switch column says 定性 is
qualitative whatever its operator column holds. A combined value (≥95%) must parse.
``level1_present``: every required 一级 of the framework has at least one row.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..parsed import meaning, row_operator
from ..report import Finding
from ..spec.frameworks import load_framework
from ..spec.model import TableBlock
from ..values import QUALITATIVE, QUANT_OPS, QUANTITATIVE, ParsedValue, normalise_text, parse_number, parse_value
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
                if vc.number is not None and (vc.operator or vc.switch):
                    yield from _split(ctx, table, vc.number, row, at)
                if vc.indicator is not None:
                    yield from _combined(ctx, table, vc.indicator, row, at)


def _split(ctx: RuleContext, table: TableBlock, number_key: str, row: dict[str, object],
           at: tuple[str | int, ...]) -> Iterator[Finding]:
    vc, value = table.values, row.get(number_key)
    vcol = table.column(number_key)
    op = row_operator(ctx.template, table, row)
    switched = meaning(ctx.template, table, vc.switch, row)
    if op in QUANT_OPS or (op is None and switched == QUANTITATIVE):
        if isinstance(value, str) and parse_value(value).kind == "deadline":
            return  # 12月底前 under ≤: a deadline has neither a number nor a unit
        spelt = row.get(vc.operator or "") or row.get(vc.switch or "")  # as the form spells it
        if value is not None and parse_number(str(value)) is None:
            yield ctx.finding("E-NOT-NUMBER", (*at, vcol.key), found=value, label=vcol.label)
        if vc.unit is not None and row.get(vc.unit) in (None, "", "/"):
            ucol = table.column(vc.unit)
            yield ctx.finding("E-UNIT-MISSING", (*at, ucol.key), found=row.get(ucol.key), op=spelt, label=ucol.label)
    elif op == QUALITATIVE and value is not None and parse_number(str(value)) is not None:
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
