"""docs/template-language.md's second worked example, run as written: its template file, data and outputs are
read from the page, so the page cannot drift from what the tool does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from xltemplates.cli import app
from xltemplates.reader.check import check_file

DOC = Path(__file__).resolve().parent.parent / "docs" / "template-language.md"


def block(name: str) -> str:
    """The fenced block after ``<!-- example: NAME -->`` in the page."""
    m = re.search(rf"<!-- example: {re.escape(name)} -->\n```[a-z]*\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert m is not None, f"no example block {name!r} in {DOC.name}"
    return m.group(1)


@pytest.fixture
def issued(forms_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """The page's template written to a bureau directory, generated with the page's data."""
    (forms_dir / "province-project.yaml").write_text(block("province-project.yaml"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    Path("data.json").write_text(block("data.json"), encoding="utf-8")
    command = block("generate").splitlines()[0].removeprefix("$ xltemplates ").split()
    r = CliRunner().invoke(app, command)
    assert r.exit_code == 0, r.output
    return tmp_path / command[command.index("-o") + 1], r.stdout + r.stderr


def test_example__generate__output_as_the_page_shows(issued: tuple[Path, str]) -> None:
    _, output = issued
    expected = block("generate").splitlines()[1:]
    lines = output.splitlines()
    assert re.fullmatch(re.escape(expected[0]).replace("…", "[0-9a-f]{12}"), lines[0])
    assert lines[1:] == expected[1:]


def test_example__untouched_workbook__passes_and_returns_the_data_in_the_lists_spellings(
        issued: tuple[Path, str]) -> None:
    out, _ = issued
    report = check_file(out)
    assert report.findings == ()
    data = json.loads(block("data.json"))
    data["单位名称"] = "某县农业农村局"
    data["项目"][1]["绩效指标"][0].update(二级指标="服务对象满意度指标", 指标性质=">=")
    assert report.data == data


def test_example__returned_with_the_pages_edits__check_prints_the_pages_findings(issued: tuple[Path, str]) -> None:
    out, _ = issued
    wb = openpyxl.load_workbook(out)
    wb["汇总"]["B5"] = 31.0
    wb["项目2"]["F1"] = 11.0
    wb["项目1"]["E4"] = "≥"
    wb["项目1"]["F4"] = "很多"
    wb.save(out.with_name("returned.xlsx"))
    r = CliRunner().invoke(app, ["check", "returned.xlsx"])
    assert r.exit_code == 1
    assert r.stdout.splitlines() == block("check").splitlines()
