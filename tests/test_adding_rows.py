"""A clerk adds indicators inside a group, on the protected sheet, and check puts each under its 一级/二级.

How rows are added (docs/clerk.md): every group of grey preset rows is closed by two white spare rows. The
clerk types into them, or selects the last one and inserts a row: Excel, WPS and LibreOffice give an
inserted row the format (unlocked, white) and the validations of the row above, so it is an entry row with
working dropdowns. Nothing in the table is merged, so no merge is in the way.

LibreOffice does it here through UNO on the protected sheet (`keep_protection`: no unprotecting first, as a
clerk without the password), with its own data validation judging every value picked from a dropdown
(Tools > Detective > Mark Invalid Data). openpyxl's insert_rows does the same rows for a client that only
moves cells. Rows are 1-based, as the clerk sees them (tests/returned.py documents dept_data/project_data).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import edit, invalid_cells
from returned import DEPT, DEPT_SHEET, PROJECT, PROJECT_SHEET, assert_findings, dept_data, project_data, returned

from xltemplates.reader.check import check_bytes, check_file_and_evidence
from xltemplates.trust.identity import META_SHEET

pytestmark = pytest.mark.libreoffice

S, P = DEPT_SHEET, PROJECT_SHEET
HIDDEN = (META_SHEET, None, "W-METADATA-VISIBLE")  # every LibreOffice save turns the identity sheet hidden
KEEP = {"keep_protection": True}

# dept_data(): 产出 presets 10-14 (数量 10-12, 质量 13, 时效 14), spare rows 15-16, 效益 17-20, ...
# A row is inserted above the second spare row (16): it copies the spare row 15 above it.
DEPT_TYPED = {  # row -> the clerk's values A..H ("" = left blank: the group's 一级 by forward fill)
    15: ["", "时效指标", "资料归档及时率", "≥", "95", "%", "按时归档的资料占比", "按实际完成情况评分"],
    16: ["产出指标", "质量指标", "群众办事一次办结率", "≥", "90", "%", "一次办结的事项占比", "每低 1% 扣 1 分"],
}
DEPT_ADDED = [(5, "时效指标", 15), (6, "质量指标", 16)]  # (index in the data, 二级, row)
# project_data(): indicator header 11, 产出 rows 12-15 (数量, 质量, 时效, 成本), 效益 16, 满意度 17. A row goes
# in above 14, inside the 产出 group: it copies the white row 13.
PROJECT_TYPED = {14: ["产出指标", "数量指标", "宣传材料发放份数", "宣传材料发放数量", "≥500份", "工作计划"]}
PROJECT_COLS = "ABCDEF"  # one column each: no merges in table rows
DEPT_KEYS = ["一级指标", "二级指标", "三级指标", "指标值类型", "指标值", "计量单位", "指标解释", "评/扣分标准"]
PROJECT_KEYS = ["一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"]


def _typing(sheet: str, typed: dict[int, list[str]], cols: str = "ABCDEFGH") -> list[dict[str, Any]]:
    return [{"op": "set", "sheet": sheet, "cell": f"{c}{r}", "value": v}
            for r, values in typed.items() for c, v in zip(cols, values, strict=True) if v]


DEPT_OPS = [{"op": "insert_rows", "sheet": S, "row": 16, "count": 1, **KEEP}, *_typing(S, DEPT_TYPED)]
PROJECT_OPS = [{"op": "insert_rows", "sheet": P, "row": 14, "count": 1, **KEEP},
               *_typing(P, PROJECT_TYPED, PROJECT_COLS)]


def dept_expected() -> dict[str, Any]:
    data = dept_data()
    for at, level2, row in DEPT_ADDED:
        values = dict(zip(DEPT_KEYS, DEPT_TYPED[row], strict=True))
        data["绩效指标"].insert(at, {**values, "一级指标": "产出指标", "二级指标": level2})
    return data


def project_expected() -> dict[str, Any]:
    data = project_data()
    data["项目"][0]["绩效指标"].insert(2, dict(zip(PROJECT_KEYS, PROJECT_TYPED[14], strict=True)))
    return data


@pytest.fixture(scope="module")
def lo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The LibreOffice runs of this module, once and in parallel: each form edited and saved, and the cells
    LibreOffice's own validation rejects after the same edits (plus a wrong pick, which it must reject)."""
    work = tmp_path_factory.mktemp("adding-rows")
    src = {DEPT: work / "dept.xlsx", PROJECT: work / "project.xlsx"}
    src[DEPT].write_bytes(returned(DEPT, dept_data()))
    src[PROJECT].write_bytes(returned(PROJECT, project_data()))
    wrong = {"op": "set", "sheet": S, "cell": "B15", "value": "经济效益指标"}  # a 效益 二级 in the 产出 group
    jobs = {
        "dept": lambda: edit(src[DEPT], work / "dept-out.xlsx", DEPT_OPS),
        "project": lambda: edit(src[PROJECT], work / "project-out.xlsx", PROJECT_OPS),
        "dept-invalid": lambda: invalid_cells(src[DEPT], S, DEPT_OPS),
        "dept-wrong": lambda: invalid_cells(src[DEPT], S, [*DEPT_OPS, wrong]),
        "project-invalid": lambda: invalid_cells(src[PROJECT], P, PROJECT_OPS),
    }
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def _row_unlocked(path: Path, sheet: str, row: int, cols: str) -> list[bool]:
    ws = openpyxl.load_workbook(path)[sheet]
    assert ws.protection.sheet is True  # still protected: the clerk never removed it
    return [not ws[f"{c}{row}"].protection.locked for c in cols]


# ---- LibreOffice, protected sheet ---------------------------------------------------------------------------

def test_uno_dept__row_inserted_in_the_output_group__white_and_open_like_the_spare_row(lo: dict[str, Any]) -> None:
    assert _row_unlocked(lo["dept"], S, 16, "ABCDEFGH") == [True] * 8


def test_uno_dept__rows_added_in_the_output_group__read_under_its_level1_and_level2(lo: dict[str, Any]) -> None:
    report, evidence = check_file_and_evidence(lo["dept"])
    assert_findings(report, [HIDDEN])
    assert report.data == dept_expected()
    for at, _, row in DEPT_ADDED:
        assert evidence.cells[("绩效指标", at, "三级指标")] == (S, f"C{row}")


def test_uno_dept__dropdown_picks_in_added_rows__accepted_by_libreoffice(lo: dict[str, Any]) -> None:
    assert lo["dept-invalid"] == []
    assert lo["dept-wrong"] == ["B15"]  # the cascade really filters: a 效益 二级 under 产出 is refused


def test_uno_project__row_inserted_in_the_output_group__read_there(lo: dict[str, Any]) -> None:
    assert _row_unlocked(lo["project"], P, 14, "ABCDEF") == [True] * 6
    report, evidence = check_file_and_evidence(lo["project"])
    assert_findings(report, [HIDDEN])
    assert report.data == project_expected()
    assert evidence.cells[("项目", 0, "绩效指标", 2, "三级指标")] == (P, "C14")
    assert lo["project-invalid"] == []


# ---- openpyxl insert_rows (a client that only moves the cells) ----------------------------------------------

def _edits(typed: dict[int, list[str]], cols: str = "ABCDEFGH") -> dict[str, str]:
    return {f"{c}{r}": v for r, values in typed.items() for c, v in zip(cols, values, strict=True) if v}


def test_openpyxl_dept__rows_added_in_the_output_group__read_under_its_level1_and_level2() -> None:
    report = check_bytes(returned(DEPT, dept_data(), _edits(DEPT_TYPED), insert_rows_at=16), "dept.xlsx")
    assert_findings(report, [])
    assert report.data == dept_expected()


def test_openpyxl_project__row_inserted_in_the_output_group__read_there() -> None:
    content = returned(PROJECT, project_data(), _edits(PROJECT_TYPED, PROJECT_COLS), insert_rows_at=14)
    report = check_bytes(content, "project.xlsx")
    assert_findings(report, [])
    assert report.data == project_expected()


def test_openpyxl_dept__rows_added_in_every_group__each_under_its_own() -> None:
    """One row typed into the first spare row of each group that has them, 一级 and 二级 left blank (成本 has
    none in dept_data(): the unit's own rows follow its presets at once)."""
    new = {"三级指标": "新增", "指标值类型": "定性", "指标值": "好", "计量单位": "/", "指标解释": None, "评/扣分标准": None}
    spares = {15: 5, 21: 10, 24: 12}  # spare row -> index of the added row in the data
    edits = {f"{c}{r}": v for r in spares for c, v in zip("CDEF", ["新增" + str(r), "定性", "好", "/"], strict=True)}
    report = check_bytes(returned(DEPT, dept_data(), edits), "dept.xlsx")
    assert_findings(report, [])
    assert report.data is not None
    rows = report.data["绩效指标"]
    expected = json.loads(json.dumps(dept_data()["绩效指标"]))
    for r, at in spares.items():  # each takes the 一级/二级 of the grey row above it
        above = expected[at - 1]
        expected.insert(at, {**new, "三级指标": f"新增{r}", "一级指标": above["一级指标"], "二级指标": above["二级指标"]})
    assert rows == expected
    added = [r["一级指标"] for r in rows if str(r["三级指标"]).startswith("新增")]
    assert added == ["产出指标", "效益指标", "满意度指标"]
