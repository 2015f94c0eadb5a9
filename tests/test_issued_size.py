"""The issued layout follows every table's real size, wherever the table sits.

`check` rebuilds what was issued from the identity sheet and compares its fingerprint. A table prefilled
with ordinary (unlocked) rows is longer than its template says, and every block below it moves down: the
rebuilt layout must move them too, or an untouched workbook is reported as changed (E-FINGERPRINT).
The property draws templates of grids and tables in any order, with any prefill.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltemplates.form.model import Template
from xltemplates.reader.check import check_bytes
from xltemplates.shape import empty_data, scopes
from xltemplates.writer.generate import generate_bytes

CTX = {"year": 2025, "unit_code": "001", "unit_name": "测试单位"}

TWOTAB = """
id: twotab
version: "1.0"
title: two tables
sheets:
  - name: 表
    widths: [10, 10]
    blocks:
      - table: {name: 甲, blank_rows: 2, columns: [{key: 名称}, {key: 数量}]}
      - grid: [{cells: [{role: header, text: 第二部分, span: 0}]}]
      - table: {name: 乙, blank_rows: 2, columns: [{key: 项目}, {key: 金额}]}
"""


def _round_trip(directory: Path, template_id: str, source: str, data: dict[str, Any]) -> tuple[list[str], Any, Any]:
    """Generate `data` into the template written to `directory` and check the untouched bytes:
    (finding codes, the data read back, the data expected back: every key of the template, then `data`)."""
    (directory / f"{template_id}.yaml").write_text(source, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XLTEMPLATES_PATH", str(directory))
        g = generate_bytes(template_id, CTX, data)
        report = check_bytes(g.content, f"{template_id}.xlsx")
    return [f.code for f in report.findings], report.data, _filled(g.template, data)


def _filled(t: Template, data: dict[str, Any]) -> dict[str, Any]:
    """`data` as the reader returns it: every key of the template present, in each repeated item too."""
    out: dict[str, Any] = {**empty_data(t), **data}
    for sc in scopes(t):
        if sc.key is not None:
            out[sc.key] = [{**sc.empty(), **item} for item in data.get(sc.key) or []]
    return out


def test_issued_size__ordinary_rows_in_a_table_with_blocks_below__untouched_workbook_checks_clean(
        tmp_path: Path) -> None:
    data = {"甲": [{"名称": "a", "数量": "1"}]}
    codes, back, expected = _round_trip(tmp_path, "twotab", TWOTAB, data)
    assert codes == []
    assert back == expected == {**data, "乙": []}


def test_issued_size__both_tables_prefilled__untouched_workbook_checks_clean(tmp_path: Path) -> None:
    data = {"甲": [{"名称": "a", "数量": "1"}, {"名称": "b", "数量": None}],
            "乙": [{"项目": "x", "金额": "2"}, {"项目": "y", "金额": "3"}, {"项目": None, "金额": "4"}]}
    codes, back, _ = _round_trip(tmp_path, "twotab", TWOTAB, data)
    assert codes == []
    assert back == data


# ---- the property: any arrangement, any prefill ------------------------------------------------------------

TEXT = st.text(alphabet="甲乙丙丁戊abcXYZ0123", min_size=1, max_size=8)
NUMBER = st.one_of(st.integers(-10_000, 10_000), st.integers(-100_000, 100_000).map(lambda n: n / 100))


@st.composite
def forms(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A template (as a mapping) of a sheet of grids and tables in any order, maybe a second one, maybe a
    repeated one (one copy per item, each with its own prefill), and the prefill data. Tables may have group
    headers (a two-row header), a side label and decimal places."""
    labels = iter(f"标签{i}" for i in range(1000))  # every fixed text distinct: tables are found by them
    keys = iter(f"键{i}" for i in range(1000))
    data: dict[str, Any] = {}
    sheets = [_sheet(draw, "表1", labels, keys, [data])]
    if draw(st.booleans()):
        sheets.append(_sheet(draw, "表2", labels, keys, [data]))
    if draw(st.booleans()):
        items: list[dict[str, Any]] = [{} for _ in range(draw(st.integers(1, 2)))]
        sheets.append({**_sheet(draw, "项目", labels, keys, items), "name": "项目{{ index }}", "repeat": "项目"})
        data["项目"] = items
    return {"id": "prop", "version": "1.0", "title": "property", "sheets": sheets}, data


def _sheet(draw: st.DrawFn, name: str, labels: Any, keys: Any, scopes: list[dict[str, Any]]) -> dict[str, Any]:
    """One sheet's blocks; each data scope in `scopes` (the top level, or each repeated item) gets a prefill."""
    ncols = draw(st.integers(2, 4))
    blocks = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            blocks.append({"grid": [_grid_row(draw, labels, keys, ncols, scopes) for _ in range(draw(st.integers(1, 2)))]})
        else:
            blocks.append({"table": _table(draw, labels, keys, ncols, scopes)})
    return {"name": name, "widths": [12] * ncols, "blocks": blocks}


def _grid_row(draw: st.DrawFn, labels: Any, keys: Any, ncols: int, scopes: list[dict[str, Any]]) -> dict[str, Any]:
    cells: list[dict[str, Any]] = [{"role": "header", "text": next(labels)}]
    if draw(st.booleans()):
        key, vtype = next(keys), draw(st.sampled_from(["text", "number", "money"]))
        cells.append({"role": draw(st.sampled_from(["prefilled", "entry"])), "field": key, "type": vtype, "span": 0})
        for data in scopes:
            if draw(st.booleans()):
                data[key] = draw(TEXT if vtype == "text" else NUMBER)
    else:
        cells[0]["span"] = 0
    return {"cells": cells}


def _table(draw: st.DrawFn, labels: Any, keys: Any, ncols: int, scopes: list[dict[str, Any]]) -> dict[str, Any]:
    side = draw(st.booleans())
    columns: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, ncols - side))):
        col = {"key": next(keys), "label": next(labels), "role": draw(st.sampled_from(["optional", "header"])),
               "type": draw(st.sampled_from(["text", "number", "money"]))}
        if col["type"] != "text" and draw(st.booleans()):
            col["decimals"] = draw(st.integers(0, 3))
        if draw(st.booleans()):  # under a group header: the previous column's group, or a new one
            previous = columns[-1].get("group") if columns else None
            col["group"] = previous if previous and draw(st.booleans()) else next(labels)
        columns.append(col)
    name = next(keys)
    for data in scopes:
        rows = []
        for _ in range(draw(st.integers(0, 3))):
            row = {c["key"]: draw(st.none() | (TEXT if c["type"] == "text" else NUMBER)) for c in columns}
            if all(v is None for v in row.values()):
                first = columns[0]
                row[first["key"]] = draw(TEXT if first["type"] == "text" else NUMBER)
            rows.append(row)
        if rows or draw(st.booleans()):
            data[name] = rows
    table = {"name": name, "blank_rows": draw(st.integers(0, 2)), "columns": columns}
    if side:
        table["side_label"] = next(labels)
    return table


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(form=forms())
def test_issued_size__any_arrangement_and_prefill__untouched_workbook_checks_clean_and_round_trips(
        tmp_path_factory: pytest.TempPathFactory, form: tuple[dict[str, Any], dict[str, Any]]) -> None:
    raw, data = form
    codes, back, expected = _round_trip(tmp_path_factory.mktemp("forms"), "prop", yaml.safe_dump(raw, allow_unicode=True),
                                        data)
    assert codes == []
    assert back == expected
