"""Helpers for the collection-round tests: a roster, clean returns, returned files on disk, a DB dump.

Not a test module. A clean return is what a unit sends back when it filled the form properly; the
tests produce it by generating the workbook with the data filled in (``generate --data``), which is
byte-for-byte what the reader accepts as a clean workbook.
"""

from __future__ import annotations

import csv
import io
import os
from copy import deepcopy
from pathlib import Path
from typing import Any

import openpyxl
import sqlalchemy as sa

from xltemplates.catalogue.registry import get_template
from xltemplates.layout import build_layout, layout_data
from xltemplates.round.db import open_db, write_connection
from xltemplates.round.store import Record, save_roster, store
from xltemplates.round.tables import metadata
from xltemplates.trust.identity import META_SHEET
from xltemplates.unit_files import Unit, unit_filename
from xltemplates.writer.generate import generate_bytes, make_context

YEAR = 2025
DEPT, PROJECT = "dept-overall", "project"
DEPT_SHEET = "整体绩效目标申报表"
#: A file time well in the past, so tests can order files by setting later ones explicitly.
T0 = 1_700_000_000.0

OWN_ROW = {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "组织培训人次", "指标值类型": "≥", "指标值": "200",
           "计量单位": "人次", "指标解释": "全年组织业务培训的人次", "评/扣分标准": None}


def units(n: int) -> list[Unit]:
    return [Unit(f"U{i:03d}", f"测试单位{i:03d}") for i in range(1, n + 1)]


def roster_csv(path: Path, roster: list[Unit]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["单位编码", "单位名称"])
    w.writerows([u.code, u.name] for u in roster)
    path.write_text(buf.getvalue(), encoding="utf-8-sig")
    return path


def dept_data(unit: Unit, **fields: Any) -> dict[str, Any]:
    """A clean dept-overall return: the presets, one row of the unit's own, the two required texts."""
    t = get_template(DEPT, make_context(YEAR, unit.code, unit.name))
    data = layout_data(build_layout(t, {}))
    data["部门（单位）职责"] = f"{unit.name}的主要职责：负责本单位业务。"
    data["年度总体目标"] = "完成年度重点工作任务，群众满意度不低于 95%。"
    data["绩效指标"] = [*data["绩效指标"], deepcopy(OWN_ROW)]
    data.update(fields)
    return data


def workbook(unit: Unit, data: dict[str, Any] | None, template: str = DEPT, year: int = YEAR) -> bytes:
    return generate_bytes(template, make_context(year, unit.code, unit.name), data, allow_findings=True).content


def put(directory: Path, name: str, content: bytes, mtime: float = T0) -> Path:
    """Write a returned file with a given modification time (what orders a unit's files)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(content)
    os.utime(path, (mtime, mtime))
    return path


def returned(directory: Path, unit: Unit, data: dict[str, Any] | None, mtime: float = T0, template: str = DEPT,
             name: str | None = None) -> Path:
    return put(directory, name or unit_filename(unit, template), workbook(unit, data, template), mtime)


def without_identity(content: bytes) -> bytes:
    """The workbook minus its identity sheet, as if the clerk copied the form into a fresh workbook."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    wb.remove(wb[META_SHEET])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def dump(db: str | Path, skip: tuple[str, ...] = ("received_at",)) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, ordered by primary key, without the columns named in `skip`."""
    engine = open_db(db, create=False)
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                cols = [c for c in table.columns if c.name not in skip]
                order = list(table.primary_key.columns) or cols
                out[table.name] = [tuple(r) for r in conn.execute(sa.select(*cols).order_by(*order))]
    finally:
        engine.dispose()
    return out


def rows(db: str | Path, query: str) -> list[tuple[Any, ...]]:
    engine = open_db(db, create=False)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


def stored_db(path: Path, roster: list[Unit], records: list[Record]) -> Path:
    """A round database at `path` holding `roster` and `records`, each stored as collect stores a file."""
    engine = open_db(path)
    save_roster(engine, roster)
    with write_connection(engine) as conn:
        for r in records:
            store(conn, r)
    engine.dispose()
    return path
