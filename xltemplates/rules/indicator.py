"""Indicator rows: measurable values and a complete framework.

``indicator``: quantitative types (>, ≥, <, ≤, =, in the spelling the form's list declares) need a
number (or a deadline) and a 计量单位; 定性 needs text; a row whose 定量/定性 switch column says 定性 is
qualitative whatever its operator column holds. A combined value (≥95%) must parse.
``level1_present``: every required 一级 of the framework has at least one row.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..findings.report import Finding
from ..form.frameworks import load_framework
from ..form.model import TableBlock
from ..grammar.values import QUALITATIVE, QUANT_OPS, QUANTITATIVE, ParsedValue, normalise_text, parse_number, parse_value
from ..parsed import meaning, row_operator
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
        deciding = vc.operator if vc.operator and row.get(vc.operator) else vc.switch  # the column that said 定量
        spelt = row.get(deciding or "")  # as the form spells it
        if value is not None and parse_number(str(value)) is None:
            yield ctx.finding("E-NOT-NUMBER", (*at, vcol.key), found=value, label=vcol.label)
        if vc.unit is not None and row.get(vc.unit) in (None, "", "/"):
            ucol = table.column(vc.unit)
            yield ctx.finding("E-UNIT-MISSING", (*at, ucol.key), found=row.get(ucol.key), op=spelt, label=ucol.label,
                              switch=table.column(deciding).label if deciding else "指标值类型")
    elif op == QUALITATIVE and value is not None and parse_number(str(value)) is not None:
        by_switch = switched == QUALITATIVE
        decider = vc.switch if by_switch else vc.operator
        col = table.column(decider) if decider else None
        yield ctx.finding("E-QUALITATIVE-VALUE", (*at, vcol.key), found=value, label=vcol.label,
                          switch=col.label if col else "指标值类型", op=row.get(decider or "") or QUALITATIVE,
                          fix=_quantitative_choices(ctx, col.list if col else None, by_switch))


def _quantitative_choices(ctx: RuleContext, list_name: str | None, switch: bool) -> str:
    """What the clerk picks instead of 定性 in the column that decided: its list's 定量 value(s) as spelt."""
    if list_name is None:
        return "定量" if switch else "≥、≤、= 等"
    spec = ctx.template.lists[list_name]
    if switch:
        return next((v for v in spec.values if spec.meanings.get(v) == QUANTITATIVE), "定量")
    ops = [v for v in spec.values if spec.meanings.get(v) in QUANT_OPS]
    return "、".join(ops[:3]) + (" 等" if len(ops) > 3 else "") if ops else "≥、≤、= 等"


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
