"""What an indicator's value must say, as the form reads: a unit where the row needs one, a number where the name
is a rate.

``unit_required``: ``{rule: unit_required, table: 绩效指标, units: ["%"], where: {二级指标: 服务对象满意度指标}}``
(or ``name_contains: [满意度]`` on the 三级 name): a quantitative value on a matching row is in one of `units`
(满意度 ≥90 without % is E-UNIT-REQUIRED at the value). Works on a combined column (≥90%) and on split columns
(the 计量单位 column). Rows that match neither `where` nor `name_contains` are left alone; with neither given,
every row must use one of the units.
``rate_quantitative`` (opt-in lint, a warning): an indicator named …率 (`suffixes`) is quantitative: 合格 for
合格率 is W-RATE-QUALITATIVE.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..findings.report import Finding
from ..form.model import TableBlock
from ..grammar.text import squash
from ..grammar.values import QUALITATIVE
from ..parsed import parse_row
from .base import Rule, RuleContext, rule
from .money import row_matches


def _value_key(tb: TableBlock) -> str | None:
    return tb.values.indicator or tb.values.number


@rule("unit_required")
class UnitRequired(Rule):
    table: TableBlock
    units: tuple[str, ...]
    where: dict[str, Any] | None = None
    name_contains: tuple[str, ...] = ()
    name: str = "三级指标"

    def problems(self) -> Iterator[tuple[str, str]]:
        keys = {c.key for c in self.table.columns}
        if not self.units:
            yield "units", "name at least one unit (e.g. [\"%\"])"
        if _value_key(self.table) is None:
            yield "table", f"'{self.table.name}' has no indicator value column (value: indicator or value: number)"
        for k in self.where or {}:
            if k not in keys:
                yield f"where.{k}", f"'{k}' is not a column of the table '{self.table.name}'"
        if self.name_contains and self.name not in keys:
            yield "name", f"'{self.name}' is not a column of the table '{self.table.name}'"

    def _applies(self, row: dict[str, Any]) -> bool:
        if self.where is None and not self.name_contains:
            return True
        named = bool(self.name_contains) and any(w in str(row.get(self.name) or "") for w in self.name_contains)
        return named or (self.where is not None and row_matches(row, self.where))

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        tb, name = self.table, self.table.name
        key = _value_key(tb)
        assert key is not None
        allowed = {squash(u) for u in self.units}
        target = tb.values.unit if tb.values.indicator is None and tb.values.unit else key
        for prefix, scope in ctx.scopes(name):
            for i, row in enumerate(scope.get(name) or []):
                if not self._applies(row):
                    continue
                p = parse_row(ctx.template, tb, row)
                if p is None or p.kind != "quantitative" or p.number is None:
                    continue
                if squash(p.unit or "") not in allowed:
                    col = tb.column(target or key)
                    yield ctx.finding("E-UNIT-REQUIRED", (*prefix, name, i, col.key), expected="、".join(self.units),
                                      found=row.get(col.key) or "（空）", label=col.label,
                                      name=row.get(self.name) or "", value=row.get(key))


@rule("rate_quantitative")
class RateQuantitative(Rule):
    """Opt-in: a 三级 named …率 (合格率, 覆盖率) is measured, so its value is a number (a warning: some forms
    accept 达标 for a rate)."""

    table: TableBlock
    suffixes: tuple[str, ...] = ("率",)
    name: str = "三级指标"

    def problems(self) -> Iterator[tuple[str, str]]:
        if _value_key(self.table) is None:
            yield "table", f"'{self.table.name}' has no indicator value column (value: indicator or value: number)"
        if self.name not in {c.key for c in self.table.columns}:
            yield "name", f"'{self.name}' is not a column of the table '{self.table.name}'"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        tb, name = self.table, self.table.name
        key = _value_key(tb)
        assert key is not None
        for prefix, scope in ctx.scopes(name):
            for i, row in enumerate(scope.get(name) or []):
                title = str(row.get(self.name) or "").strip()
                if not title.endswith(self.suffixes):
                    continue
                p = parse_row(ctx.template, tb, row)
                if p is not None and (p.kind == "qualitative" or p.op == QUALITATIVE):
                    yield ctx.finding("W-RATE-QUALITATIVE", (*prefix, name, i, key), found=row.get(key) or "",
                                      name=title, label=tb.column(key).label)
