"""A third province's form as a template file (tests/fixtures/forms/scored-project.yaml): a scored 财政支出绩效目标
申报表 with a 项目资金申请 the unit splits by source, 长期目标 | 年度目标 side by side, an indicator table
一级 | 二级 | 分值 | 指标内容 | 指标值 | 评分细则 whose 投入/过程 rows carry the bureau's fixed scores (合计 100),
and 项目起止时间 as dates.

Clean returns are filled in LibreOffice (through UNO, typed like a clerk: dates and numbers parsed by
LibreOffice) and give no finding for the clerk; planted defects, each on a copy of a clean return, are found at
the cell that was changed, worded for the field (分值 in 分, not 金额).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import edit

from xltemplates.findings.report import Report
from xltemplates.reader.check import check_bytes
from xltemplates.writer.generate import generate_bytes, make_context

FORM = Path(__file__).parent / "fixtures" / "forms" / "scored-project.yaml"
SHEET = "绩效目标申报表"
ISSUED = {"项目名称": "农村饮水安全巩固提升工程", "项目类别": "民生", "资金总额": 120.5}
# rows 10-13 are the bureau's 投入/过程 indicators (5, 5, 10, 10 points); the unit's rows start at 14
UNITS: dict[str, dict[str, Any]] = {
    "水利局": {"start": "2025-01-01", "end": "2025-12-31", "split": (100.5, 20), "rows": [
        ("产出指标", "数量指标", 30, "受益人口", "≥5000人"),
        ("产出指标", "质量指标", 20, "水质达标率", "≥95%"),
        ("效益指标", "社会效益指标", 10, "群众饮水条件", "明显改善"),
        ("满意度指标", "服务对象满意度指标", 10, "受益群众满意度", "≥90%")]},
    "农业农村局": {"start": "2024-07-01", "end": "2026-06-30", "split": (120.5, 0), "rows": [
        ("产出指标", "数量指标", 25, "新建蓄水池", "=12座"),
        ("产出指标", "时效指标", 15, "完工时间", "2025年11月30日前"),
        ("效益指标", "可持续影响指标", 15, "工程使用年限", "≥15年"),
        ("满意度指标", "满意度", 15, "村民满意度", "≥90%")]},
}


def _ops(unit: dict[str, Any]) -> list[dict[str, Any]]:
    ops: list[dict[str, Any]] = [
        {"op": "set", "sheet": SHEET, "cell": "B4", "formula": unit["start"]},  # typed: LibreOffice makes it a date
        {"op": "set", "sheet": SHEET, "cell": "D4", "formula": unit["end"]},
        {"op": "set", "sheet": SHEET, "cell": "D6", "number": unit["split"][0]},
        {"op": "set", "sheet": SHEET, "cell": "F6", "number": unit["split"][1]},
        {"op": "set", "sheet": SHEET, "cell": "A8", "value": "保障农村居民长期稳定的安全饮水"},
        {"op": "set", "sheet": SHEET, "cell": "D8", "value": "年内完成 12 处供水工程改造，受益人口 5000 人以上"},
    ]
    for n, (l1, l2, score, name, value) in enumerate(unit["rows"], start=14):
        ops += [{"op": "set", "sheet": SHEET, "cell": f"A{n}", "value": l1},
                {"op": "set", "sheet": SHEET, "cell": f"B{n}", "value": l2},
                {"op": "set", "sheet": SHEET, "cell": f"C{n}", "number": score},
                {"op": "set", "sheet": SHEET, "cell": f"D{n}", "value": name},
                {"op": "set", "sheet": SHEET, "cell": f"E{n}", "value": value}]
    return ops


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each unit's return, generated with the bureau's partial prefill and filled in LibreOffice."""
    forms = tmp_path_factory.mktemp("forms")
    shutil.copy(FORM, forms / FORM.name)
    mp = pytest.MonkeyPatch()
    mp.setenv("XLTEMPLATES_PATH", str(forms))
    work = tmp_path_factory.mktemp("filled")
    out: dict[str, bytes] = {}
    try:
        for name, unit in UNITS.items():
            g = generate_bytes("scored-project", make_context(2025, "4301", f"某县{name}"), ISSUED)
            src = work / f"{name}-issued.xlsx"
            src.write_bytes(g.content)
            out[name] = edit(src, work / f"{name}.xlsx", _ops(unit)).read_bytes()
    finally:
        mp.undo()
    return out


@pytest.fixture(autouse=True)
def _installed(forms_dir: Path) -> None:
    shutil.copy(FORM, forms_dir / FORM.name)


def clerk_findings(report: Report) -> list[tuple[str | None, str | None, str]]:
    return sorted((f.sheet, f.cell, f.code) for f in report.findings if f.code != "W-METADATA-VISIBLE")


def planted(content: bytes, edits: dict[str, object]) -> Report:
    """A clean return with `edits` made the way a clerk's second save would (openpyxl stands for the client)."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    for ref, value in edits.items():
        wb[SHEET][ref].value = value
    buf = io.BytesIO()
    wb.save(buf)
    return check_bytes(buf.getvalue(), "planted.xlsx")


def test_generate__partial_prefill__accepted_with_the_split_left_to_the_unit() -> None:
    g = generate_bytes("scored-project", make_context(2025, "4301", "某县水利局"), ISSUED)
    assert g.findings == ()


def test_generate__bureau_scores_over_100__refused() -> None:
    from xltemplates.errors import FindingsError
    rows = [{"一级指标": "投入指标", "二级指标": "项目立项", "分值": 60, "指标内容": "立项依据充分性"},
            {"一级指标": "过程指标", "二级指标": "业务管理", "分值": 50, "指标内容": "管理制度健全性"}]
    with pytest.raises(FindingsError) as exc:
        generate_bytes("scored-project", make_context(2025, "4301", "某县水利局"), {**ISSUED, "绩效指标": rows})
    assert [f.code for f in exc.value.findings] == ["E-TABLE-TOTAL-FIXED"]


@pytest.mark.libreoffice
@pytest.mark.parametrize("unit", list(UNITS))
def test_clean_return__filled_in_libreoffice__no_finding_for_the_clerk(clean: dict[str, bytes], unit: str) -> None:
    report = check_bytes(clean[unit], f"{unit}.xlsx")
    assert clerk_findings(report) == []
    assert report.data["资金总额"] == 120.5 and report.data["开始日期"] == UNITS[unit]["start"]
    assert [r["分值"] for r in report.data["绩效指标"]] == [5, 5, 10, 10, *(r[2] for r in UNITS[unit]["rows"])]


@pytest.mark.libreoffice
def test_planted__fixed_score_moved__at_the_score_naming_what_was_issued(clean: dict[str, bytes]) -> None:
    report = planted(clean["水利局"], {"C10": 8})
    assert clerk_findings(report) == [(SHEET, "C10", "E-PREFILLED-CHANGED"), (SHEET, "C10", "E-TABLE-TOTAL-FIXED")]
    total = next(f for f in report.findings if f.code == "E-TABLE-TOTAL-FIXED")
    assert total.message == (f"[{SHEET}!C10] 「绩效指标」各行「分值」之和应为 100分，实际为 103分。"
                             "其中与下发不同：「投入指标/项目立项」下发为 5分，现为 8分。请核对「分值」。")


@pytest.mark.libreoffice
def test_planted__score_total_not_100__worded_in_points(clean: dict[str, bytes]) -> None:
    report = planted(clean["水利局"], {"C17": 15})
    assert clerk_findings(report) == [(SHEET, "C17", "E-TABLE-TOTAL-FIXED")]
    assert "实际为 105分。请核对「分值」。" in report.errors[0].message and "金额" not in report.errors[0].message


@pytest.mark.libreoffice
def test_planted__end_before_start__at_the_end(clean: dict[str, bytes]) -> None:
    report = planted(clean["水利局"], {"D4": "2024-12-31"})
    assert (SHEET, "D4", "E-DATE-ORDER") in clerk_findings(report)
    assert [f.code for f in report.errors] == ["E-DATE-ORDER"]


@pytest.mark.libreoffice
def test_planted__satisfaction_without_percent__at_the_value(clean: dict[str, bytes]) -> None:
    report = planted(clean["水利局"], {"E17": "≥90"})
    assert clerk_findings(report) == [(SHEET, "E17", "E-UNIT-REQUIRED")]
    assert "「受益群众满意度」的「指标值」应以 % 为单位，实际为「≥90」" in report.errors[0].message


@pytest.mark.libreoffice
def test_planted__grey_cell_changed__at_the_cell(clean: dict[str, bytes]) -> None:
    report = planted(clean["水利局"], {"B6": 150})
    assert clerk_findings(report) == [(SHEET, "B6", "E-PREFILLED-CHANGED"), (SHEET, "B6", "E-SUM")]
    total = next(f for f in report.findings if f.code == "E-SUM")
    assert "其中与下发不同：资金总额下发为 120.50万元，现为 150.00万元。请核对金额。" in total.message


@pytest.mark.libreoffice
def test_planted__split_not_adding_up__at_the_part_the_unit_typed(clean: dict[str, bytes]) -> None:
    report = planted(clean["水利局"], {"F6": 25})
    assert clerk_findings(report) == [(SHEET, "F6", "E-SUM")]
    assert report.errors[0].message.endswith("请核对金额。")


@pytest.mark.libreoffice
def test_planted__rate_written_as_a_word__warning(clean: dict[str, bytes]) -> None:
    report = planted(clean["水利局"], {"E15": "达标"})
    assert clerk_findings(report) == [(SHEET, "E15", "W-RATE-QUALITATIVE")]


def test_bureau_data_inconsistent__worded_to_the_bureau_not_counted(forms_dir: Path) -> None:
    """Jiangxi: the bureau issued 财政拨款 and 其他资金 as 0 beside a non-zero total, all grey."""
    raw = FORM.read_text(encoding="utf-8").replace(
        "{role: entry, field: 财政拨款, type: money, required: true, span: 2}",
        "{role: prefilled, field: 财政拨款, type: money, span: 2}").replace(
        "{role: entry, field: 其他资金, type: money, required: true}", "{role: prefilled, field: 其他资金, type: money}")
    (forms_dir / FORM.name).write_text(raw, encoding="utf-8")
    data = {**ISSUED, "财政拨款": 0, "其他资金": 0}
    g = generate_bytes("scored-project", make_context(2025, "4301", "某县水利局"), data, allow_findings=True)
    assert [f.code for f in g.findings] == ["E-SUM"]  # generate tells the bureau
    report = check_bytes(g.content, "x.xlsx")
    issued = [f for f in report.findings if f.cell == "B6"]
    assert [f.code for f in issued] == ["W-ISSUED-INCONSISTENT"]
    assert issued[0].severity == "warning"
    assert issued[0].message.startswith(f"[{SHEET}!B6] 下发数据不一致，请联系财政局：资金总额（120.50万元）应等于")
