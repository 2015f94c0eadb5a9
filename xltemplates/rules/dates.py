"""Date rules: a period's start is not after its end, and dates lie in (or a period overlaps) the round's year.

``{rule: date_order, start: 开始日期, end: 结束日期}``: the end is not before the start (E-DATE-ORDER at the end).
``{rule: date_in_year, fields: [开始日期, 结束日期]}``: each date lies in the year the workbook was issued for
(E-DATE-YEAR at the date); ``{rule: date_in_year, start: 开始日期, end: 结束日期, overlap: true}``: the period
has at least one day in that year (a project running 2024-07 to 2026-06 overlaps 2025; E-PERIOD-YEAR at the end).
Blank dates, and dates the reader could not read (E-NOT-DATE says so), are left alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from ..findings.report import Finding
from ..grammar.dates import parse_date
from .base import Rule, RuleContext, rule
from .params import DateField


def _date(v: object) -> datetime.date | None:
    return parse_date(v, serial=False) if isinstance(v, str) else None


@rule("date_order")
class DateOrder(Rule):
    start: DateField
    end: DateField

    def problems(self) -> Iterator[tuple[str, str]]:
        if self.start.repeat != self.end.repeat:
            yield "end", f"'{self.end.name}' is not on the same sheet as '{self.start.name}'"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for prefix, scope in ctx.scopes(self.start.name):
            start, end = _date(scope.get(self.start.name)), _date(scope.get(self.end.name))
            if start is not None and end is not None and end < start:
                yield ctx.finding("E-DATE-ORDER", (*prefix, self.end.name), expected=start.isoformat(),
                                  found=end.isoformat(), label=self.end.name, start=self.start.name)


@rule("date_in_year")
class DateInYear(Rule):
    fields: tuple[DateField, ...] = ()
    start: DateField | None = None
    end: DateField | None = None
    overlap: bool = False

    def problems(self) -> Iterator[tuple[str, str]]:
        if self.overlap and (self.start is None or self.end is None or self.fields):
            yield "overlap", "a period overlapping the year needs 'start' and 'end' (and no 'fields')"
        if not self.overlap and (self.start is not None or self.end is not None):
            yield "start", "give the dates as 'fields' (each within the year), or 'overlap: true' with start and end"
        if not self.overlap and not self.fields:
            yield "fields", "name at least one date field"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if ctx.year is None:
            return
        first, last = datetime.date(ctx.year, 1, 1), datetime.date(ctx.year, 12, 31)
        if self.overlap:
            assert self.start is not None and self.end is not None
            for prefix, scope in ctx.scopes(self.start.name):
                start, end = _date(scope.get(self.start.name)), _date(scope.get(self.end.name))
                if start is None or end is None or end < start:
                    continue  # an inverted period is E-DATE-ORDER's
                if end < first or start > last:
                    yield ctx.finding("E-PERIOD-YEAR", (*prefix, self.end.name), expected=ctx.year,
                                      found=f"{start.isoformat()} 至 {end.isoformat()}", label=self.end.name,
                                      start=self.start.name)
            return
        for f in self.fields:
            for prefix, scope in ctx.scopes(f.name):
                d = _date(scope.get(f.name))
                if d is not None and not first <= d <= last:
                    yield ctx.finding("E-DATE-YEAR", (*prefix, f.name), expected=ctx.year, found=d.isoformat(),
                                      label=f.name)
