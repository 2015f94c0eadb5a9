"""Next fiscal year's workbooks from this year's round: one per unit, prefilled by prefill.carry_over.

Each unit starts from its newest accepted submission (else its current one); a roster unit with no
submission gets the blank form. Unit names come from the roster given (a unit renamed since keeps its
code). Budget figures come only from ``--budget-dir DIR/<单位编码>.json``. The workbooks are generated
with the template's rules reported, not enforced: last year's rows may break this year's rules (a
deadline in last year), and the unit fixes them on the form.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..catalogue.load import FRAMEWORK_KEY
from ..catalogue.registry import get_template
from ..errors import DataError
from ..fsutil import write_atomic
from ..unit_files import Unit, load_json, manifest_bytes
from ..writer.generate import MANIFEST_HEAD, RoundResult, generate_round, make_context, manifest_head
from . import queries
from .desk_settings import save_link_base, store_issued
from .errors import RoundError
from .links import issue_links, link_url
from .prefill import carry_over
from .send_list import send_rows, write_send_list
from .store import load_roster, save_roster

MANIFEST_COLUMNS = [*MANIFEST_HEAD, "来源文件", "来源年度", "预算", "备注", "错误", "填报链接"]


@dataclass(slots=True)
class Rolled:
    result: RoundResult
    template: str
    version: str
    source_file: str | None = None
    source_year: int | None = None
    budget: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RolloverSummary:
    year: int
    units: list[Rolled] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # unit code -> its web-desk link (with new_round)

    @property
    def failed(self) -> list[Rolled]:
        return [u for u in self.units if u.result.error]


def rollover(engine: sa.Engine, year: int, out_dir: str | Path, roster: Sequence[Unit] | None = None,
             budget_dir: str | Path | None = None, template: str | None = None,
             framework: str | None = None, new_round: sa.Engine | None = None, link_base: str = "") -> RolloverSummary:
    """Write next year's workbooks and manifest.csv into `out_dir`; `framework` replaces the template's indicator
    framework (carried rows are moved into it, and each move is a note).

    With `new_round` (next year's round database), its roster becomes the units rolled over and each unit
    gets a web-desk link (round/links.py), listed in manifest.csv as `link_base`/u/<token>.
    """
    with engine.connect() as conn:
        basis = queries.rollover_basis(conn)
        units = list(roster) if roster is not None else load_roster(conn)
    if not units:
        units = [Unit(code, row.unit_name or "") for code, row in basis.items()]
    if not units:
        raise RoundError("nothing to roll over: the round has no roster and no identified submissions")
    default = template or _single_template(basis)
    groups: dict[str, list[Unit]] = {}
    for u in units:
        tid = basis[u.code].template if u.code in basis and basis[u.code].template else default
        if tid is None:
            raise RoundError(f"{u.code} {u.name} returned nothing and the round holds several templates: "
                             "say which with --template")
        groups.setdefault(tid, []).append(u)
    summary = RolloverSummary(year)
    for tid, members in groups.items():
        extra = {FRAMEWORK_KEY: framework} if framework else {}
        summary.units.extend(_generate(tid, year, members, basis, Path(out_dir), budget_dir, extra))
    order = {u.code: i for i, u in enumerate(units)}
    summary.units.sort(key=lambda r: order[r.result.unit.code])
    if new_round is not None:
        save_roster(new_round, units)
        for tid in groups:
            done = [r.result.unit for r in summary.units if r.template == tid and not r.result.error]
            summary.links.update({code: link_url(link_base, token)
                                  for code, token in issue_links(new_round, done, tid, year).items()})
        # as generate --roster --db: each unit's page offers its workbook, new links start where these do
        store_issued(new_round, [(r.result.unit.code, r.result.file, (Path(out_dir) / r.result.file).read_bytes())
                                 for r in summary.units if r.result.file and not r.result.error])
        if link_base:
            save_link_base(new_round, link_base)
    write_atomic(Path(out_dir) / "manifest.csv", rollover_manifest(summary))
    if summary.links:
        write_send_list(out_dir, send_rows(units, summary.links))
    return summary


def _single_template(basis: dict[str, Any]) -> str | None:
    found = Counter(r.template for r in basis.values() if r.template)
    return next(iter(found)) if len(found) == 1 else None


def _generate(tid: str, year: int, units: list[Unit], basis: dict[str, Any], out_dir: Path,
              budget_dir: str | Path | None, extra: dict[str, Any]) -> list[Rolled]:
    t = get_template(tid, make_context(year, None, None, extra))
    rolled: dict[str, Rolled] = {}

    def data_for(unit: Unit) -> object:
        row = basis.get(unit.code)
        budget = _budget(budget_dir, unit)
        prefill = carry_over(t, row.data if row is not None else None, budget)
        rolled[unit.code] = Rolled(RoundResult(unit, None, None, None), t.id, t.version,
                                   row.file_name if row is not None else None, row.year if row is not None else None,
                                   budget is not None, prefill.notes)
        return prefill.data

    out = []
    for res in generate_round(tid, year, units, out_dir, extra=extra, data_for=data_for, allow_findings=True):
        r = rolled.get(res.unit.code) or Rolled(res, t.id, t.version)
        r.result = res
        out.append(r)
    return out


def _budget(budget_dir: str | Path | None, unit: Unit) -> dict[str, Any] | None:
    if budget_dir is None:
        return None
    path = Path(budget_dir) / f"{unit.code}.json"
    if not path.is_file():
        return None
    data = load_json(path)
    if not isinstance(data, dict):
        raise DataError([(str(path), "expected a JSON object of budget figures")])
    return data


def rollover_manifest(summary: RolloverSummary) -> bytes:
    rows = [[*manifest_head(r.result, summary.year, r.template, r.version), r.source_file, r.source_year,
             "新预算" if r.budget else "", "；".join(r.notes), r.result.error, summary.links.get(r.result.unit.code)]
            for r in summary.units]
    return manifest_bytes(MANIFEST_COLUMNS, rows)
