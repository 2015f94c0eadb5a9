"""The clerk's paper, in LibreOffice on the protected sheets: typed text is never cut, the 二级 dropdown survives.

Each form is filled the way a clerk fills it (tests/uno_edit.py through UNO, protection kept): texts of 50 to
400 characters typed into every kind of open cell (a spare row, rows inserted into a group, the white 三级指标
of a grey preset, the blank rows at the end, a project's 绩效指标描述), 5 rows inserted into one group and 1
into another, saved as .xlsx and opened again. Then, as LibreOffice measures it:

- every row typed into is at least as tall as LibreOffice's optimal height for its content, so nothing is cut
  off on screen or on paper (rows are issued without a fixed height: tests/libreoffice.py row_heights);
- on every table row a correct 二级 is valid and a wrong one invalid (Tools > Detective > Mark Invalid Data),
  however far the row is from the 一级 above it;
- the PDF LibreOffice prints holds every typed text, and one page of each form is kept as a picture in docs/img/.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from libreoffice import convert, edit, invalid_cells, row_heights
from returned import DEPT, DEPT_SHEET, PROJECT, PROJECT_SHEET, context, dept_data, project_data

from xltemplates.reader.check import check_file
from xltemplates.writer.generate import generate_bytes

pytestmark = pytest.mark.libreoffice

IMG = Path(__file__).resolve().parent.parent / "docs" / "img"
KEEP = {"keep_protection": True}
SEED = ("本项目用于保障乡镇森林防火工作正常开展，包括购置防火物资、开展防火宣传、组织扑火队伍培训和演练，"
        "确保辖区内不发生重大森林火灾，切实保护人民群众生命财产安全和森林资源安全。")
LENGTHS = (50, 120, 250, 400)


def text(n: int, tag: str) -> str:
    """`n` characters of a Hebei-style description between two ASCII tags (S<tag> first, E<tag> last) that
    find its first and last line again in the printed PDF (an ASCII word is never broken by wrapping)."""
    body = (SEED * (n // len(SEED) + 1))[: n - 2 * len(tag) - 4]
    return f"S{tag} {body} E{tag}"


def _set(sheet: str, cell: str, value: str) -> dict[str, Any]:
    return {"op": "set", "sheet": sheet, "cell": cell, "value": value}


# dept-overall (1-based): header 9; 产出 presets 10-14 + spare 15-16; 效益 17-20 + 21-22; 满意度 23 + 24-25;
# 成本 26-28 followed at once by dept_data()'s two own rows 29-30 (their 一级 is 产出指标); blank 31-37.
# 5 rows go in above 16 (the 产出 group's last spare row), 1 above the 成本 group's last white row (30 + 5 = 35).
# Preset 6 (效益/经济效益, row 17 -> 22) has its white 三级指标.
DEPT_INSERTS = [{"op": "insert_rows", "sheet": DEPT_SHEET, "row": 16, "count": 5, **KEEP},
                {"op": "insert_rows", "sheet": DEPT_SHEET, "row": 35, "count": 1, **KEEP}]
DEPT_LEVEL2 = {  # rows after the inserts -> the 一级 a row is under (its own, or the nearest above) and a 二级 of it
    **{r: ("产出指标", "质量指标") for r in range(10, 22)},
    **{r: ("效益指标", "社会效益指标") for r in range(22, 28)},
    **{r: ("满意度指标", "服务对象满意度指标") for r in range(28, 31)},
    **{r: ("成本指标", "社会成本指标") for r in range(31, 34)},
    **{r: ("产出指标", "时效指标") for r in range(34, 40)},  # the own rows' 产出指标, down to the blank rows
    **{r: ("成本指标", "社会成本指标") for r in range(40, 44)},  # blank rows naming their own 一级, and below
}
DEPT_WRONG = {"产出指标": "经济效益指标", "效益指标": "数量指标", "满意度指标": "经济成本指标", "成本指标": "服务对象满意度指标"}
DEPT_TYPED_ROWS = [15, 16, 17, 18, 19, 20, 21, 22, 35, 37, 39, 40, 41]  # spare, 5 inserted, preset 6, 1 inserted, blank
DEPT_PRESET_6 = 22


def dept_ops() -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    ops: list[dict[str, Any]] = list(DEPT_INSERTS)
    typed: dict[int, list[str]] = {}
    for i, r in enumerate(DEPT_TYPED_ROWS):
        n = LENGTHS[i % len(LENGTHS)]
        if r == DEPT_PRESET_6:  # only its 三级指标 is white
            texts = {"C": text(100, f"DP{r}")}
        else:
            texts = {"C": text(min(n, 100), f"DC{r}"), "G": text(n, f"DG{r}"), "H": text(max(50, n // 2), f"DH{r}")}
            level1, level2 = DEPT_LEVEL2.get(r, ("成本指标", "社会成本指标"))
            ops += [_set(DEPT_SHEET, f"B{r}", level2), _set(DEPT_SHEET, f"D{r}", "定性"), _set(DEPT_SHEET, f"E{r}", "有效提升")]
            if r >= 40:  # blank rows after the groups: the row names its own 一级 (37, 39 take the one above)
                ops.append(_set(DEPT_SHEET, f"A{r}", level1))
        ops += [_set(DEPT_SHEET, f"{c}{r}", v) for c, v in texts.items()]
        typed[r] = list(texts.values())
    return ops, typed


# project (1-based): header 11; the unit's rows 12-17; blank 18-32. 5 rows go in above 14 (inside 产出), 1 above 20.
PROJECT_INSERTS = [{"op": "insert_rows", "sheet": PROJECT_SHEET, "row": 14, "count": 5, **KEEP},
                   {"op": "insert_rows", "sheet": PROJECT_SHEET, "row": 25, "count": 1, **KEEP}]
PROJECT_TYPED_ROWS = [12, 13, 14, 15, 16, 17, 18, 19, 25, 26, 30]


def project_ops() -> tuple[list[dict[str, Any]], dict[int, list[str]]]:
    ops: list[dict[str, Any]] = list(PROJECT_INSERTS)
    typed: dict[int, list[str]] = {}
    for i, r in enumerate(PROJECT_TYPED_ROWS):
        n = LENGTHS[i % len(LENGTHS)]
        texts = {"C": text(min(n, 100), f"PC{r}"), "D": text(n, f"PD{r}"), "F": text(max(50, n // 3), f"PF{r}")}
        if r >= 25:
            ops += [_set(PROJECT_SHEET, f"A{r}", "效益指标"), _set(PROJECT_SHEET, f"B{r}", "社会效益指标"),
                    _set(PROJECT_SHEET, f"E{r}", "有效提升")]
        elif r in range(14, 19):
            ops += [_set(PROJECT_SHEET, f"B{r}", "数量指标"), _set(PROJECT_SHEET, f"E{r}", f"≥{r}次")]
        ops += [_set(PROJECT_SHEET, f"{c}{r}", v) for c, v in texts.items()]
        typed[r] = list(texts.values())
    return ops, typed


FORMS = {DEPT: (DEPT_SHEET, dept_ops), PROJECT: (PROJECT_SHEET, project_ops)}


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each form generated, filled in LibreOffice (typed + rows inserted), saved, and measured on reopening."""
    work = tmp_path_factory.mktemp("paper")

    def one(form: str) -> dict[str, Any]:
        sheet, make_ops = FORMS[form]
        data = dept_data() if form == DEPT else project_data()
        src = work / f"{form}.xlsx"
        src.write_bytes(generate_bytes(form, context(), data).content)
        ops, typed = make_ops()
        saved = edit(src, work / f"{form}-filled.xlsx", ops)
        rows = sorted(typed)
        return {"sheet": sheet, "src": src, "saved": saved, "typed": typed,
                "heights": row_heights(saved, sheet, rows), "pdf": convert(saved, "pdf", work / f"{form}-pdf")}

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(FORMS, pool.map(one, FORMS), strict=True))


@pytest.mark.parametrize("form", FORMS)
def test_typed_rows__after_save_and_reopen__at_least_libreoffices_optimal_height(
    filled: dict[str, dict[str, Any]], form: str
) -> None:
    got = filled[form]["heights"]
    assert set(got) == set(filled[form]["typed"])
    short = {r: (h, optimal) for r, (h, optimal, _) in got.items() if h + 5 < optimal}  # 0.05 mm: rounding
    assert short == {}, f"rows cut off (height, optimal in 1/100 mm): {short}"
    assert all(optimal > 1500 for _, optimal, _ in got.values())  # each holds several lines: the check can fail


@pytest.mark.parametrize("form", FORMS)
def test_typed_texts__printed_whole_in_libreoffices_pdf(filled: dict[str, dict[str, Any]], form: str) -> None:
    pdf = filled[form]["pdf"]
    printed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                             check=True).stdout
    for texts in filled[form]["typed"].values():
        for t in texts:  # a text cut off by its row loses its last lines on paper (pdftotext shows what printed)
            first, last = t.split(" ", 1)[0], t.rsplit(" ", 1)[-1]
            assert first in printed and last in printed, (first, last)
    _picture(pdf, IMG / f"filled-{form}.png")


def _picture(pdf: Path, out: Path) -> None:
    """Page 1 of the PDF as a PNG in docs/img/ (pdftoppm), for the docs and for a person to look at."""
    out.parent.mkdir(parents=True, exist_ok=True)
    stem = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                   check=True, capture_output=True, timeout=120)
    shutil.copyfile(stem.with_suffix(".png"), out)


@pytest.mark.parametrize("form", FORMS)
def test_filled_and_reopened__checks_with_the_rows_under_their_groups(filled: dict[str, dict[str, Any]], form: str) -> None:
    report = check_file(filled[form]["saved"])
    assert report.data is not None
    assert not [f for f in report.errors if f.code in ("E-HIERARCHY", "E-LIST-VALUE", "E-LOCKED-CHANGED")]


def _invalid(saved: Path, ops: list[dict[str, Any]]) -> list[str]:
    return invalid_cells(saved, DEPT_SHEET, ops)  # soffice dying under it is retried by tests/libreoffice.py


def test_dept_level2__after_5_and_1_inserted_rows_save_and_reopen__right_valid_wrong_invalid_on_every_row(
    filled: dict[str, dict[str, Any]]
) -> None:
    saved = filled[DEPT]["saved"]
    rows = sorted(DEPT_LEVEL2)
    right = [_set(DEPT_SHEET, f"B{r}", DEPT_LEVEL2[r][1]) for r in rows]
    wrong = [_set(DEPT_SHEET, f"B{r}", DEPT_WRONG[DEPT_LEVEL2[r][0]]) for r in rows]
    ok, bad = _invalid(saved, right), _invalid(saved, wrong)
    assert [c for c in ok if c.startswith("B")] == []
    assert [c for c in bad if c.startswith("B")] == [f"B{r}" for r in rows]
