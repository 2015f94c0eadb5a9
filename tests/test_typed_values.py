"""Issued values are typed: what the bureau issues (grid defaults, grey grid data, table presets and data rows)
is written in its field's type and compared by value when the workbook comes back (5 = 5.0; 100% = 1 in a
percent cell; 2025年1月1日 = 2025-01-01 in a date cell).

The property builds a template per example with one field of every type in a grid (issued by a default, and
by data) and one column of every type in a table (issued by a locked preset, and by data rows), generates a
blank and a prefilled workbook, and checks them untouched (every example) and re-saved by LibreOffice (a few).
"""

from __future__ import annotations

import datetime
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from libreoffice import convert

from xltemplates.form import typed
from xltemplates.form.model import ValueType
from xltemplates.reader.check import check_bytes
from xltemplates.writer.generate import generate_bytes, make_context

TYPES = [ValueType.TEXT, ValueType.NUMBER, ValueType.MONEY, ValueType.INTEGER, ValueType.PERCENT, ValueType.DATE]
CTX = make_context(2025, "430101", "某某局")
_ids = itertools.count()

# ---- values as a bureau writes them in a template or its prefill JSON ---------------------------------------

DATES = st.dates(datetime.date(1950, 1, 1), datetime.date(2099, 12, 31))


def _date_spellings(d: datetime.date) -> st.SearchStrategy[Any]:
    return st.sampled_from([d.isoformat(), d.strftime("%Y%m%d"), f"{d.year}年{d.month}月{d.day}日",
                            f"{d.year}/{d.month}/{d.day}"])


def template_value(vtype: ValueType) -> st.SearchStrategy[Any]:
    """Any scalar a template may give for this type (presets and defaults)."""
    fen = st.integers(0, 10**9)
    if vtype is ValueType.TEXT:
        return st.one_of(st.text(st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=12),
                         st.integers(0, 10**6), st.sampled_from([5.0, 0.5, 12.25]))
    if vtype is ValueType.NUMBER:
        return st.one_of(st.integers(-10**6, 10**6), fen.map(lambda f: f / 100), st.integers(0, 999).map(str),
                         st.sampled_from(["5.0", "1,000", "０.５"]))
    if vtype is ValueType.MONEY:
        return st.one_of(fen.map(lambda f: f / 100), st.integers(0, 10**6), fen.map(lambda f: f"{f / 100:.2f}"))
    if vtype is ValueType.INTEGER:
        return st.one_of(st.integers(-10**6, 10**6), st.integers(0, 10**6).map(float), st.integers(0, 999).map(str))
    if vtype is ValueType.PERCENT:
        return st.one_of(st.integers(0, 1000).map(lambda n: f"{n}%"), st.integers(0, 100).map(lambda n: n / 100),
                         st.just(1))
    return DATES.flatmap(_date_spellings)


def data_value(vtype: ValueType) -> st.SearchStrategy[Any]:
    """What prefill JSON gives for this type (numbers as numbers, dates as text)."""
    if vtype is ValueType.TEXT:
        return st.text(st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=12)
    if vtype in (ValueType.NUMBER, ValueType.MONEY):
        return st.integers(0, 10**9).map(lambda f: f / 100)
    if vtype is ValueType.INTEGER:
        return st.integers(-10**6, 10**6)
    if vtype is ValueType.PERCENT:
        return st.integers(0, 1000).map(lambda n: n / 1000)
    return DATES.flatmap(_date_spellings)


def _key(vtype: ValueType) -> str:
    return {"text": "说明", "number": "分值", "money": "金额", "integer": "人数", "percent": "比例", "date": "日期"}[vtype]


def form(tid: str, defaults: dict[ValueType, Any], preset: dict[ValueType, Any]) -> dict[str, Any]:
    """A form with every type: grid fields issued by a default (grey), grid fields for data (grey), entry
    fields, and a table whose one preset is grey and locked in every column."""
    grid = [{"cells": [{"role": "title", "text": "类型测试表", "span": 0}]}]
    for vt in TYPES:
        grid.append({"cells": [
            {"role": "header", "text": f"{_key(vt)}（默认）"},
            {"role": "prefilled", "field": f"默认{_key(vt)}", "type": vt.value, "default": defaults[vt]},
            {"role": "header", "text": f"{_key(vt)}（下发）"},
            {"role": "prefilled", "field": f"下发{_key(vt)}", "type": vt.value},
            {"role": "optional", "text": f"{_key(vt)}（填报）"},
            {"role": "entry", "field": f"填报{_key(vt)}", "type": vt.value, "span": 0},
        ]})
    table = {"name": "明细", "blank_rows": 2,
             "columns": [{"key": _key(vt), "role": "optional", "type": vt.value} for vt in TYPES],
             "preset_locked": [_key(vt) for vt in TYPES],
             "presets": [{_key(vt): preset[vt] for vt in TYPES}]}
    return {"id": tid, "version": "1.0", "title": "类型测试表",
            "sheets": [{"name": "表", "widths": [14] * 6, "blocks": [{"grid": grid}, {"table": table}]}]}


def expected_blank(defaults: dict[ValueType, Any], preset: dict[ValueType, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for vt in TYPES:
        out[f"默认{_key(vt)}"] = typed.coerce(defaults[vt], vt)
        out[f"下发{_key(vt)}"] = None
        out[f"填报{_key(vt)}"] = None
    out["明细"] = [{_key(vt): typed.coerce(preset[vt], vt) for vt in TYPES}]
    return out


def assert_same_data(found: dict[str, Any], want: dict[str, Any]) -> None:
    """Equal by value in each field's type (5 = 5.0), and of the type's Python type."""
    assert set(found) == set(want)
    types = {f"{p}{_key(vt)}": vt for vt in TYPES for p in ("默认", "下发", "填报")} | {_key(vt): vt for vt in TYPES}
    for k, v in want.items():
        if isinstance(v, list):
            assert len(found[k]) == len(v), (k, found[k], v)
            for frow, wrow in zip(found[k], v, strict=True):
                assert_same_data(frow, wrow)
            continue
        vt = types[k]
        assert typed.same(found[k], v, vt), (k, found[k], v)
        if v is not None:
            kind = {ValueType.TEXT: str, ValueType.DATE: str, ValueType.INTEGER: int}.get(vt, (int, float))
            assert isinstance(found[k], kind), (k, found[k])


@pytest.fixture(scope="module")
def bureau(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("typed-forms")


def _install(bureau: Path, monkeypatch: pytest.MonkeyPatch, raw: dict[str, Any]) -> str:
    (bureau / f"{raw['id']}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("XLTEMPLATES_PATH", str(bureau))
    return str(raw["id"])


TYPED_EXAMPLES = settings(max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
ALL = st.fixed_dictionaries({vt: template_value(vt) for vt in TYPES})
DATA = st.fixed_dictionaries({vt: data_value(vt) for vt in TYPES})


def _prefill(grid: dict[ValueType, Any], rows: list[dict[ValueType, Any]], preset: dict[ValueType, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {f"下发{_key(vt)}": grid[vt] for vt in TYPES}
    data["明细"] = [{_key(vt): preset[vt] if vt is not ValueType.TEXT else preset[vt] for vt in TYPES}] + [
        {_key(vt): r[vt] for vt in TYPES} for r in rows]
    return data


@TYPED_EXAMPLES
@given(defaults=ALL, preset=ALL, grid=DATA, rows=st.lists(DATA, max_size=2))
def test_typed_values__blank_and_prefilled__read_back_with_no_finding_and_the_same_typed_data(
        bureau: Path, monkeypatch: pytest.MonkeyPatch, defaults: dict[ValueType, Any], preset: dict[ValueType, Any],
        grid: dict[ValueType, Any], rows: list[dict[ValueType, Any]]) -> None:
    tid = _install(bureau, monkeypatch, form(f"typed-{next(_ids)}", defaults, preset))
    blank = generate_bytes(tid, CTX)
    report = check_bytes(blank.content, "blank.xlsx")
    assert report.findings == ()
    assert_same_data(report.data, expected_blank(defaults, preset))

    data = _json_safe(_prefill(grid, rows, {vt: typed.coerce(preset[vt], vt) for vt in TYPES}))
    filled = generate_bytes(tid, CTX, data)
    report = check_bytes(filled.content, "filled.xlsx")
    assert report.findings == ()
    want = expected_blank(defaults, preset) | {f"下发{_key(vt)}": typed.coerce(grid[vt], vt) for vt in TYPES}
    want["明细"] = [{k: typed.coerce(v, vt) for k, v, vt in ((_key(t), r[_key(t)], t) for t in TYPES)}
                  for r in data["明细"]]
    assert_same_data(report.data, want)


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """As the data reaches generate from a JSON file."""
    loaded: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False))
    return loaded


@pytest.mark.libreoffice
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(defaults=ALL, preset=ALL, grid=DATA)
def test_typed_values__resaved_by_libreoffice__read_back_with_no_finding_and_the_same_typed_data(
        bureau: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory,
        defaults: dict[ValueType, Any], preset: dict[ValueType, Any], grid: dict[ValueType, Any]) -> None:
    tid = _install(bureau, monkeypatch, form(f"typed-{next(_ids)}", defaults, preset))
    work = tmp_path_factory.mktemp("lo")
    data = _json_safe(_prefill(grid, [], {vt: typed.coerce(preset[vt], vt) for vt in TYPES}))
    for name, content, want in (
        ("blank", generate_bytes(tid, CTX).content, expected_blank(defaults, preset)),
        ("filled", generate_bytes(tid, CTX, data).content,
         expected_blank(defaults, preset) | {f"下发{_key(vt)}": typed.coerce(grid[vt], vt) for vt in TYPES}),
    ):
        src = work / f"{name}.xlsx"
        src.write_bytes(content)
        resaved = convert(src, "xlsx", work / "out")
        report = check_bytes(resaved.read_bytes(), f"{name}.xlsx")
        assert [f for f in report.findings if f.severity == "error"] == [], report.findings
        assert_same_data(report.data, want)


# ---- examples: the cases the issue names -------------------------------------------------------------------

def test_typed_values__untouched_fixed_score__not_a_changed_grey_value(bureau: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    raw = form("typed-score", {vt: 1 if vt is not ValueType.DATE else "20250101" for vt in TYPES},
               {vt: 5 if vt is not ValueType.DATE else "2025年1月1日" for vt in TYPES})
    tid = _install(bureau, monkeypatch, raw)
    report = check_bytes(generate_bytes(tid, CTX).content, "x.xlsx")
    assert report.findings == ()
    assert report.data["明细"][0] == {"说明": "5", "分值": 5, "金额": 5, "人数": 5, "比例": 5, "日期": "2025-01-01"}
    assert report.data["默认比例"] == 1 and report.data["默认日期"] == "2025-01-01"


@pytest.mark.parametrize(("vtype", "a", "b", "equal"), [
    (ValueType.NUMBER, 5, 5.0, True),
    (ValueType.NUMBER, "5", 5.0, True),
    (ValueType.NUMBER, 5, 5.01, False),
    (ValueType.PERCENT, "100%", 1, True),
    (ValueType.PERCENT, "95%", 0.95, True),
    (ValueType.INTEGER, "5", 5.0, True),
    (ValueType.DATE, "20250101", "2025年1月1日", True),
    (ValueType.DATE, 45658, "2025-01-01", True),
    (ValueType.DATE, "2025-01-01", "2025-01-02", False),
    (ValueType.TEXT, 100, "100", True),
    (ValueType.MONEY, 0.30000000000000004, 0.3, True),
])
def test_typed_same__by_value_in_the_fields_type(vtype: ValueType, a: object, b: object, equal: bool) -> None:
    assert typed.same(a, b, vtype) is equal
