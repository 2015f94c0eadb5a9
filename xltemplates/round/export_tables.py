"""The consolidated tables of a round, ready to write as sheets or CSV files (no file format here).

One table for the units (each one's current submission and state), per template one for its top-level
fields, one per repeated sheet (项目: a row per copy), one per table (绩效指标: a row per row, with the
parsed operator/number/unit beside the value), and one for the findings. Data rows come from each unit's
current submission, whatever its verdict: the 状态 column lets a reviewer filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ..parsed import parse_row
from . import queries
from .beijing import local_time
from .export_shape import ScopeShape, TableShape, template_shape, widen
from .status import RoundStatus, UnitStatus, round_status

Cell = str | int | float | Decimal | None

KIND_TEXT = {"quantitative": "定量", "qualitative": "定性", "deadline": "时限", "invalid": "无法识别"}
PARSED_COLUMNS = ("符号", "数值", "单位", "日期", "类型")
UNIT_COLUMNS = ["单位编码", "单位名称", "状态", "错误数", "提示数", "模板", "版本", "年度", "文件", "收到时间（北京时间）",
                "文件数（含历史）"]
FINDING_COLUMNS = ["单位编码", "单位名称", "文件", "代码", "级别", "工作表", "单元格", "应为", "实际", "说明"]
SEVERITY_TEXT = {"error": "错误", "warning": "提示"}


@dataclass(slots=True)
class Table:
    name: str
    columns: list[str]
    rows: list[list[Cell]]


def round_tables(conn: sa.Connection) -> list[Table]:
    st = round_status(conn)
    cur = {r.unit_code: r for r in queries.current(conn)}
    listed = [*st.units, *st.unlisted]
    tables = [_units(listed)]
    by_template: dict[str, list[tuple[UnitStatus, sa.Row[Any]]]] = {}
    for u in listed:
        row = cur.get(u.code)
        if row is not None and row.template:
            by_template.setdefault(row.template, []).append((u, row))
    for tid in sorted(by_template):
        subs = by_template[tid]
        shapes = widen(template_shape(tid, subs[0][1].year), (r.data for _, r in subs))
        for shape in shapes:
            tables.extend(_scope_tables(tid, shape, subs))
    tables.append(_findings(conn, st, listed, cur))
    return tables


def _units(listed: list[UnitStatus]) -> Table:
    rows: list[list[Cell]] = [
        [u.code, u.name, u.text, u.n_errors if u.file else None, u.n_warnings if u.file else None, u.template,
         u.version, u.year, u.file, local_time(u.received_at, "%Y-%m-%d %H:%M:%S") or None, u.files or None]
        for u in listed
    ]
    return Table("单位", list(UNIT_COLUMNS), rows)


def _scope_tables(tid: str, shape: ScopeShape, subs: list[tuple[UnitStatus, sa.Row[Any]]]) -> list[Table]:
    prefix = tid if shape.key is None else f"{tid}.{shape.key}"
    lead = ["单位编码", "单位名称", "状态"]
    item_cols = [] if shape.key is None else [f"{shape.key}序号", *shape.ids]
    out: list[Table] = []
    fields = Table(f"{tid}.字段" if shape.key is None else prefix, [*lead, *item_cols, *shape.fields], [])
    tables = {t.name: Table(f"{prefix}.{t.name}", [*lead, *item_cols, "行号", *_table_columns(t)], [])
              for t in shape.tables}
    for u, sub in subs:
        who: list[Cell] = [u.code, u.name, u.text]
        for index, obj in _objects(sub.data, shape.key):
            ids: list[Cell] = [] if index is None else [index, *(_cell(obj.get(k)) for k in shape.ids)]
            if shape.fields:
                fields.rows.append([*who, *ids, *(_cell(obj.get(k)) for k in shape.fields)])
            for t in shape.tables:
                for n, row in enumerate(obj.get(t.name) or [], start=1):
                    if isinstance(row, dict):
                        tables[t.name].rows.append([*who, *ids, n, *_table_row(t, row)])
    if shape.fields:
        out.append(fields)
    out.extend(tables.values())
    return out


def _objects(data: object, key: str | None) -> list[tuple[int | None, dict[str, Any]]]:
    """The scope's objects in one submission: the data itself, or each copy of the repeated sheet."""
    if not isinstance(data, dict):
        return []
    if key is None:
        return [(None, data)]
    items = data.get(key) or []
    return [(i, item) for i, item in enumerate(items, start=1) if isinstance(item, dict)]


def _table_columns(t: TableShape) -> list[str]:
    cols: list[str] = []
    for c in t.columns:
        cols.append(c)
        if t.parse is not None and t.parse.after == c:
            cols.extend(f"{p}（解析）" for p in PARSED_COLUMNS)
    return cols


def _table_row(t: TableShape, row: dict[str, Any]) -> list[Cell]:
    cells: list[Cell] = []
    for c in t.columns:
        cells.append(_cell(row.get(c)))
        if t.parse is not None and t.parse.after == c:
            p = parse_row(t.parse.template, t.parse.table, row)
            cells.extend([None] * len(PARSED_COLUMNS) if p is None else
                         [p.op, p.number, p.unit, p.date.isoformat() if p.date else None, KIND_TEXT[p.kind]])
    return cells


def _cell(v: object) -> Cell:
    if v is None or isinstance(v, (str, int, float, Decimal)) and not isinstance(v, bool):
        return v
    return str(v)


def _findings(conn: sa.Connection, st: RoundStatus, listed: list[UnitStatus], cur: dict[str, Any]) -> Table:
    subs: list[tuple[str | None, str | None, Any]] = [(u.code, u.name, cur[u.code]) for u in listed if u.code in cur]
    subs.extend((None, None, r) for r in queries.unidentified(conn))
    found = queries.findings_of(conn, (r.id for _, _, r in subs))
    rows: list[list[Cell]] = []
    for code, name, sub in subs:
        for f in found[sub.id]:
            rows.append([code, name, sub.file_name, f.code, SEVERITY_TEXT.get(f.severity, f.severity), f.sheet, f.cell,
                         f.expected, f.found, f.message])
    return Table("问题", list(FINDING_COLUMNS), rows)
