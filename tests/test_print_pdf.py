"""The shipped forms printed: rendered to PDF by LibreOffice, read back page by page with pdftotext.

What a clerk gets from the printer, for the blank dept-overall form, the blank project form and the project
form prefilled with the 13 Hebei township projects: the table header on every page that holds table rows,
a footer with the unit's name and the page numbers, no page without form content (no page of empty grid),
and the signature block on the last page. The project form prints one page per project; a spare project
sheet the clerk used prints the name typed into it in its title.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import convert, edit
from returned import DEPT, PROJECT, context, project_data

from xltemplates.grammar.text import squash
from xltemplates.reader.check import check_bytes
from xltemplates.writer.generate import generate_bytes

pytestmark = pytest.mark.libreoffice

FIXTURES = Path(__file__).parent / "fixtures"
UNIT = "某某镇人民政府"
HEADER = {DEPT: "一级指标二级指标三级指标指标值类型指标值计量单位指标解释评/扣分标准",
          PROJECT: "一级指标二级指标三级指标绩效指标描述指标值指标值确定依据"}
SIGNATURE = ["盖章", "单位负责人", "填报人", "联系电话", "填报日期"]


def pdf_pages(pdf: Path) -> list[str]:
    """The text of every page (pdftotext -layout), as many as pdfinfo counts."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert pages[-1].strip() == "" and len(pages) == count + 1  # a form feed ends every page
    return pages[:-1]


def render(tmp: Path, name: str, template_id: str, data: Any = None, year: int = 2025) -> list[str]:
    xlsx = tmp / f"{name}.xlsx"
    xlsx.write_bytes(generate_bytes(template_id, context(year, unit_name=UNIT), data, allow_findings=True).content)
    return pdf_pages(convert(xlsx, "pdf", tmp / "pdf"))


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, list[str], Any]]:
    tmp = tmp_path_factory.mktemp("printed")
    projects = json.loads((FIXTURES / "hebei-projects.json").read_text(encoding="utf-8"))
    return {
        "dept-blank": (DEPT, render(tmp, "dept-blank", DEPT), None),
        "project-blank": (PROJECT, render(tmp, "project-blank", PROJECT), None),
        "project-13": (PROJECT, render(tmp, "project-13", PROJECT, projects, 2024), projects),
        "project-16-indicators": (PROJECT, render(tmp, "project-16", PROJECT, long_project(), 2024), long_project()),
    }


def long_project() -> dict[str, Any]:
    """A Hebei project with 16 indicators (issue 19: with 15 blank rows it spilled onto a page holding 7 empty
    rows and the signature): the first seed project's indicators written out to 16 rows."""
    projects = json.loads((FIXTURES / "hebei-projects.json").read_text(encoding="utf-8"))
    item = projects["项目"][0]
    rows = [dict(item["绩效指标"][i % len(item["绩效指标"])]) for i in range(16)]
    for i, row in enumerate(rows):
        row["三级指标"] = f"{row['三级指标']}{i + 1}"
    return {"项目": [{**item, "绩效指标": rows}]}


def test_pdf__project_with_16_indicators__table_and_signature_on_one_page(
        printed: dict[str, tuple[str, list[str], Any]]) -> None:
    _, pages, data = printed["project-16-indicators"]
    assert len(pages) == 1, [len(p) for p in pages]
    text = body(pages[0])
    assert all(squash(row["三级指标"]) in text for row in data["项目"][0]["绩效指标"])
    assert all(label in text for label in SIGNATURE)


FORMS = ["dept-blank", "project-blank", "project-13"]


def body(page: str) -> str:
    """A page without its footer line and its repeated table header: what is left is form content."""
    lines = [line for line in page.splitlines() if line.strip() and "页 共" not in line]
    return squash("".join(lines))


@pytest.mark.parametrize("form", FORMS)
def test_pdf__every_page__footer_with_the_unit_and_its_page_number(
        printed: dict[str, tuple[str, list[str], Any]], form: str) -> None:
    _, pages, _ = printed[form]
    for i, page in enumerate(pages, start=1):
        footer = [line for line in page.splitlines() if "页 共" in line]
        assert len(footer) == 1, (form, i, page)
        assert squash(footer[0]) == squash(f"填报单位：{UNIT}第{i}页 共{len(pages)}页"), (form, i)


@pytest.mark.parametrize("form", FORMS)
def test_pdf__every_page_from_the_table_on__has_the_table_header(
        printed: dict[str, tuple[str, list[str], Any]], form: str) -> None:
    template_id, pages, _ = printed[form]
    first = next(i for i, page in enumerate(pages) if HEADER[template_id] in squash(page))
    for i, page in enumerate(pages[first:], start=first + 1):
        assert HEADER[template_id] in squash(page), (form, i)


@pytest.mark.parametrize("form", FORMS)
def test_pdf__no_page__without_form_content(printed: dict[str, tuple[str, list[str], Any]], form: str) -> None:
    template_id, pages, _ = printed[form]
    for i, page in enumerate(pages, start=1):
        assert body(page).replace(HEADER[template_id], "") != "", (form, i)


@pytest.mark.parametrize("form", FORMS)
def test_pdf__signature_block__on_the_last_page_only(printed: dict[str, tuple[str, list[str], Any]], form: str) -> None:
    _, pages, data = printed[form]
    if data is not None:  # one signature per project sheet, each on its project's page
        assert all(all(label in body(page) for label in SIGNATURE) for page in pages)
        return
    assert all(label in body(pages[-1]) for label in SIGNATURE)
    assert not any(label in body(page) for page in pages[:-1] for label in SIGNATURE)


def test_pdf__13_projects__one_page_each_with_its_name_and_every_indicator(
        printed: dict[str, tuple[str, list[str], Any]]) -> None:
    _, pages, data = printed["project-13"]
    projects = data["项目"]
    assert len(pages) == len(projects) == 13  # today's fix: 22 pages, 9 of them empty grid rows
    for page, project in zip(pages, projects, strict=True):
        text = body(page)
        assert squash(project["项目编码"]) in text
        for row in project["绩效指标"]:
            assert squash(row["三级指标"]) in text, (project["项目名称"], row["三级指标"])


def test_pdf__dept_blank__every_preset_indicator_printed(printed: dict[str, tuple[str, list[str], Any]]) -> None:
    _, pages, _ = printed["dept-blank"]
    text = "".join(body(page) for page in pages)
    for label in ("部门（单位）职责", "年度总体目标", "工作任务科学性", "社会公众满意度", "预算调整率"):
        assert squash(label) in text


# ---- spare project sheets on paper (issue 19 item 3) ---------------------------------------------------------

SPARE_NAME = "村道维修"


def spare_workbook(tmp: Path) -> Path:
    issued = tmp / "issued.xlsx"
    issued.write_bytes(generate_bytes(PROJECT, context(2025, unit_name=UNIT), project_data(), allow_findings=True,
                                      spares=2).content)
    return issued


@pytest.fixture(scope="module")
def spare_issued(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """One issued project and two spare sheets, printed as issued: the text of its pages."""
    tmp = tmp_path_factory.mktemp("spare-issued")
    return pdf_pages(convert(spare_workbook(tmp), "pdf", tmp / "pdf"))


@pytest.fixture(scope="module")
def spare_printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[str]]:
    """One issued project and two spare sheets (issued hidden); the clerk unhides 项目2 and types a project into
    it in LibreOffice (on the protected sheet), saves, and the saved file is printed: the file and its pages."""
    tmp = tmp_path_factory.mktemp("spare")
    issued = spare_workbook(tmp)
    typed = {"B5": "13082325P00590110099X", "E5": SPARE_NAME, "B7": "维修村道", "B10": "完成村道维修",
             "A12": "产出指标", "B12": "数量指标", "C12": "维修里程", "E12": "≥2公里",
             "A13": "效益指标", "B13": "社会效益指标", "C13": "出行条件", "E13": "有效改善",
             "A14": "满意度指标", "B14": "服务对象满意度指标", "C14": "村民满意度", "E14": "≥95%"}
    ops: list[dict[str, Any]] = [{"op": "unhide", "sheet": "项目2"}]
    ops += [{"op": "set", "sheet": "项目2", "cell": c, "value": v} for c, v in typed.items()]
    ops += [{"op": "set", "sheet": "项目2", "cell": c, "number": n} for c, n in {"B6": 10, "D6": 10, "E9": 10}.items()]
    saved = tmp / "returned.xlsx"
    edit(issued, saved, ops)
    return saved.read_bytes(), pdf_pages(convert(saved, "pdf", tmp / "pdf"))


def test_pdf__spares_as_issued__only_the_project_prints(spare_issued: list[str]) -> None:
    assert len(spare_issued) == 1  # the two hidden spares neither print nor count
    assert squash("1、2025年防火经费绩效目标表") in body(spare_issued[0])
    assert "共1页" in squash(spare_issued[0])
    assert "项目支出绩效目标表" not in body(spare_issued[0])


def test_pdf__used_spare__unhidden__prints_with_its_title_and_not_the_unused_one(
        spare_printed: tuple[bytes, list[str]]) -> None:
    _, pages = spare_printed
    assert len(pages) == 2  # the issued project and the used spare; the unused spare stays hidden
    assert squash("1、2025年防火经费绩效目标表") in body(pages[0])
    assert squash(f"2、{SPARE_NAME}绩效目标表") in body(pages[1])
    assert "项目支出绩效目标表" not in body(pages[1])
    assert all("3、" not in body(p) for p in pages)
    assert all("共2页" in squash(p) for p in pages)
    assert all(squash(s) in squash(pages[1]) for s in SIGNATURE)  # the spare on one page with its signature


def test_check__used_spare_saved_by_libreoffice__the_recomputed_title_accepted(
        spare_printed: tuple[bytes, list[str]]) -> None:
    content, _ = spare_printed
    stored = openpyxl.load_workbook(io.BytesIO(content), data_only=True)["项目2"]["A1"].value
    assert stored == f"2、{SPARE_NAME}绩效目标表"  # LibreOffice stored the title it computed
    report = check_bytes(content, "returned.xlsx")
    assert not [f for f in report.findings if f.code == "E-LOCKED-CHANGED"], [f.message for f in report.findings]
    assert report.data is not None and [p["项目名称"] for p in report.data["项目"]][1] == SPARE_NAME
    assert len(report.data["项目"]) == 2  # the unused spare, still hidden, is no project
    # nothing false: the identity sheet LibreOffice shows as plain hidden is the only remark
    assert {f.code for f in report.findings} <= {"W-METADATA-VISIBLE"}, [f.message for f in report.findings]
