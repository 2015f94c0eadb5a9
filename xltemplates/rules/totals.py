"""Totals over many rows: a 合计 row or a field = the sum of a table's column; a field = the sum over repeated sheets.

``table_total``: ``{rule: table_total, table: 收入明细, column: 金额, total_row: {项目: 合计}}`` (the row whose
项目 is 合计 holds the sum of the other rows), or ``total: 收入合计`` (a field holds it).
``sheet_total``: ``{rule: sheet_total, total: 项目支出, part: 年度资金总额}`` (项目支出 on the summary sheet is the
sum of 年度资金总额 over every copy of the repeated project sheet); ``part_unit`` when the sheets count in another
money unit than the total (元 beside 万元). A blank value counts as 0; a blank total is left to the required check.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ..findings.report import Finding
from ..form.model import TableBlock, ValueType
from ..grammar.values import to_yuan
from .base import Rule, RuleContext, rule
from .money import dec, money_unit_problem, row_matches, show, tolerance, what
from .owner import MISSING, issued_at
from .params import Amount, half_unit


@rule("table_total")
class TableTotal(Rule):
    table: TableBlock
    column: str
    total: Amount | None = None
    total_row: dict[str, Any] | None = None
    equals: Decimal | None = None  # a constant total: 分值 adds up to 100
    unit: str = ""
    tolerance: Decimal | None = None

    def problems(self) -> Iterator[tuple[str, str]]:
        keys = {c.key: c for c in self.table.columns}
        col = keys.get(self.column)
        if col is None:
            yield "column", f"'{self.column}' is not a column of the table '{self.table.name}'"
        elif not col.type.numeric:
            yield "column", f"'{self.column}' is a text column; a total adds numbers (give it type: money or number)"
        if sum(x is not None for x in (self.total, self.total_row, self.equals)) != 1:
            yield "total", ("give one of 'total' (a field), 'total_row' (which row holds the 合计) or 'equals' "
                            "(a constant, e.g. 100)")
        for k in self.total_row or {}:
            if k not in keys:
                yield f"total_row.{k}", f"'{k}' is not a column of the table '{self.table.name}'"

    def _what(self) -> str:
        col = self.table.column(self.column)
        return "金额" if col.type is ValueType.MONEY else f"「{col.label}」"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        name, column = self.table.name, self.column
        decimals = self.table.column(column).decimals
        tol = self.tolerance if self.tolerance is not None else max(
            half_unit(decimals), tolerance(None, [self.total] if self.total else []))
        for prefix, scope in ctx.scopes(name):
            rows = [r for r in scope.get(name) or [] if isinstance(r, dict)]
            index = list(range(len(rows)))
            if self.total_row is not None:
                at = next((i for i, r in enumerate(rows) if row_matches(r, self.total_row)), None)
                if at is None:
                    continue
                index.remove(at)
                total, path = dec(rows[at].get(column)), (*prefix, name, at, column)
                label, rows_label = f"「{name}」合计行的「{column}」", f"其余 {len(index)} 行"
            elif self.total is not None:
                total = dec(scope.get(self.total.name))
                path, label, rows_label = (*prefix, self.total.name), self.total.name, f"{len(index)} 行"
            else:
                total, label, rows_label = self.equals, "", ""
                path = (*prefix, name, index[-1], column) if index else (*prefix, name)
            cells = [(*prefix, name, i, column) for i in index]
            if total is None or ctx.unit_to_fill(cells if self.equals is not None else [path, *cells]):
                continue
            s = sum((dec(rows[i].get(column)) or Decimal(0) for i in index), Decimal(0))
            if abs(total - s) <= tol or (ctx.phase == "generate" and self.equals is not None and s <= total + tol):
                continue  # at generate the unit's rows are still to come: only issued parts over the total are wrong
            changed = _changed(ctx, self.table, rows, index, prefix, column, self.unit, decimals)
            if self.equals is not None:
                if changed:  # point at the part that moved from what was issued
                    path = (*prefix, name, changed[0][0], column)
                # short of the total: the unit's rows are missing or low, whoever issued the rest
                yield ctx.judged(cells if s > total else [], "E-TABLE-TOTAL-FIXED", path,
                                 expected=show(total, self.unit, decimals),
                                 found=show(s, self.unit, decimals), table=name, column=column, what=self._what(),
                                 changed=_changed_text(changed))
                continue
            yield ctx.judged([path, *cells], "E-TABLE-TOTAL", path, expected=show(s, self.unit, decimals),
                             found=show(total, self.unit, decimals), label=label, table=name, column=column,
                             rows=rows_label, what=self._what(), changed=_changed_text(changed))


def _changed(ctx: RuleContext, table: TableBlock, rows: list[dict[str, Any]], index: list[int],
             prefix: tuple[str | int, ...], column: str, unit: str, decimals: int | None) -> list[tuple[int, str]]:
    """The parts that differ from what the bureau issued in them: (row, 「投入指标」应为 5分，实际为 8分)."""
    if ctx.issued is None or ctx.phase != "check":
        return []
    out = []
    others = [c.key for c in table.columns if c.key != column and not c.type.numeric][:2]
    for i in index:
        path = (*prefix, table.name, i, column)
        want = issued_at(ctx.template, ctx.issued, ctx.data, path)
        if want is MISSING or ctx.bureau(path):
            continue
        name = "/".join(str(rows[i].get(k)) for k in others if rows[i].get(k)) or f"第 {i + 1} 行"
        was, now = dec(want), dec(rows[i].get(column))
        out.append((i, f"「{name}」下发为 {show(was, unit, decimals) if was is not None else want}，"
                       f"现为 {show(now, unit, decimals) if now is not None else '（空）'}"))
    return out


def _changed_text(changed: list[tuple[int, str]]) -> str:
    return f"其中与下发不同：{'；'.join(text for _, text in changed)}。" if changed else ""


@rule("sheet_total")
class SheetTotal(Rule):
    total: Amount
    part: Amount
    unit: str = ""
    part_unit: str = ""  # default: the same unit as the total
    tolerance: Decimal | None = None  # in the total's unit

    def problems(self) -> Iterator[tuple[str, str]]:
        if self.total.repeat is not None:
            yield "total", f"'{self.total.name}' is on a repeated sheet; the total is a field of the workbook"
        if self.part.repeat is None:
            yield "part", f"'{self.part.name}' is not on a repeated sheet (a sheet with repeat:)"
        if self.part_unit:
            for key, unit in (("unit", self.unit), ("part_unit", self.part_unit)):
                problem = money_unit_problem(unit) if unit else "give both units to convert between them"
                if problem:
                    yield key, problem

    def _in_total_unit(self, v: Decimal) -> Decimal:
        if not self.part_unit or self.part_unit == self.unit:
            return v
        return (to_yuan(v, self.part_unit) or v) / (to_yuan(Decimal(1), self.unit) or 1)

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        total = dec(ctx.data.get(self.total.name))
        if total is None:
            return
        scoped = list(ctx.scopes(self.part.name))
        if ctx.unit_to_fill([(self.total.name,), *((*p, self.part.name) for p, _ in scoped)]):
            return
        parts = [(prefix, dec(scope.get(self.part.name)) or Decimal(0)) for prefix, scope in scoped]
        s = sum((self._in_total_unit(v) for _, v in parts), Decimal(0))
        tol = self.tolerance if self.tolerance is not None else max(
            tolerance(None, [self.total]), self._in_total_unit(tolerance(None, [self.part])))
        if abs(total - s) > tol:
            part_unit = self.part_unit or self.unit
            each = "、".join(f"{ctx.where((*p, self.part.name)).split('!')[0] or p[-1]} {show(v, part_unit, self.part.decimals)}"
                            for p, v in parts)
            inputs = [(self.total.name,), *((*p, self.part.name) for p, _ in parts)]
            yield ctx.judged(inputs, "E-SHEET-TOTAL", (self.total.name,), expected=show(s, self.unit, self.total.decimals),
                             found=show(total, self.unit, self.total.decimals), label=self.total.name,
                             part=self.part.name, parts=each or "无", what=what(self.total))
