"""`xltemplates check` through typer's CliRunner: exit codes, the Chinese verdict, --json, --annotate.

Exit 0: no errors (warnings allowed); 1: at least one error finding; 2: a file could not be read at all
(or a usage error). Messages are compared with what the library call produced, never with pasted text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from returned import DEPT, DEPT_SHEET, PROJECT, PROJECT_SHEET, dept_data, project_data, returned
from typer.testing import CliRunner, Result

from xltemplates.cli import app
from xltemplates.reader.check import check_file
from xltemplates.writer.emit import FINDINGS_SHEET

S = DEPT_SHEET


def run(*args: object) -> Result:
    return CliRunner().invoke(app, ["check", *(str(a) for a in args)])


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    return write(tmp_path / "clean.xlsx", returned(DEPT, dept_data()))


@pytest.fixture
def warned(tmp_path: Path) -> Path:
    return write(tmp_path / "warned.xlsx", returned(DEPT, dept_data(), {"D13": ">="}))


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """Two errors (a changed grey cell, a value off the list) and one warning."""
    return write(tmp_path / "bad.xlsx", returned(DEPT, dept_data(), {"B5": "别的单位", "D14": "大约", "D13": ">="}))


@pytest.fixture
def junk(tmp_path: Path) -> Path:
    p = tmp_path / "photo.xlsx"
    p.write_bytes(b"\xff\xd8\xff\xe0 not a workbook")
    return p


# ---- exit codes and the human output ------------------------------------------------------------------------

def test_check__clean_file__exit_0_and_pass_verdict(clean: Path) -> None:
    result = run(clean)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(f"{clean}: 通过")
    assert "dept-overall 1.0 2025" in result.output and "001 测试单位" in result.output


def test_check__warnings_only__exit_0_with_the_warning_in_chinese(warned: Path) -> None:
    result = run(warned)
    assert result.exit_code == 0, result.output
    assert "通过（1 条提示）" in result.output
    (finding,) = check_file(warned).findings
    assert finding.message.startswith(f"[{S}!D13]")
    assert f"提示 W-NORMALISED {finding.message}" in result.output


def test_check__errors__exit_1_verdict_counts_and_every_message_grouped_by_sheet(bad: Path) -> None:
    result = run(bad)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{bad}: 不通过（2 个错误，1 条提示）")
    assert lines[1] == f"  工作表「{S}」"
    report = check_file(bad)
    for f in report.findings:
        mark = "错误" if f.severity == "error" else "提示"
        assert f"    {mark} {f.code} {f.message}" in lines
    assert "[整体绩效目标申报表!B5] 灰色预填数据不可修改" in result.output


def test_check__libreoffice_resave_and_a_warning__identity_warning_kept_for_json_not_shown(tmp_path: Path) -> None:
    path = write(tmp_path / "resaved.xlsx", returned(DEPT, dept_data(), {"D13": ">="}, hide_identity=True))
    out, json_out, annotated = run(path), tmp_path / "r.json", tmp_path / "a.xlsx"
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[0].startswith(f"{path}: 通过（1 条提示）")
    assert "W-NORMALISED" in out.stdout and "W-METADATA-VISIBLE" not in out.stdout
    run(path, "--json", json_out, "--annotate", annotated)
    codes = [f["code"] for f in json.loads(json_out.read_text(encoding="utf-8"))["results"][0]["findings"]]
    assert sorted(codes) == ["W-METADATA-VISIBLE", "W-NORMALISED"]  # the bureau still sees the re-save
    listed = [r[5] for r in openpyxl.load_workbook(annotated)[FINDINGS_SHEET].iter_rows(min_row=5, values_only=True)]
    assert listed == ["W-NORMALISED"]


def test_check__placeholder_in_required_cells__error_names_the_text(tmp_path: Path) -> None:
    path = write(tmp_path / "xx.xlsx", returned(DEPT, dept_data(), {"B6": "详见附件", "C29": "XX"}))
    out = run(path)
    assert out.exit_code == 1
    report = check_file(path)
    assert [(f.cell, f.code, f.found) for f in report.errors] == [("B6", "E-PLACEHOLDER", "详见附件"),
                                                                ("C29", "E-PLACEHOLDER", "XX")]
    assert report.errors[0].message in out.stdout


def test_check__not_a_workbook__exit_2(junk: Path) -> None:
    result = run(junk)
    assert result.exit_code == 2
    assert "无法读取" in result.output and "E-FILE-NOT-WORKBOOK" in result.output


def test_check__directory__exit_2(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.exit_code == 2
    assert "E-FILE-MISSING" in result.output and "Traceback" not in result.output


def test_check__missing_file__exit_2(tmp_path: Path) -> None:
    result = run(tmp_path / "nowhere.xlsx")
    assert result.exit_code == 2
    assert "E-FILE-MISSING" in result.output


def test_check__no_file_given__usage_error_exit_2() -> None:
    assert run().exit_code == 2


@pytest.mark.parametrize(("files", "code"), [(("clean", "warned", "bad"), 1), (("clean", "junk", "bad", "warned"), 2)])
def test_check__several_files_one_bad__every_file_checked(request: pytest.FixtureRequest, files: tuple[str, ...],
                                                          code: int) -> None:
    paths = [request.getfixturevalue(f) for f in files]
    result = run(*paths)
    assert result.exit_code == code
    verdicts = [line for line in result.output.splitlines() if not line.startswith(" ")]
    assert [v.split(": ", 1)[0] for v in verdicts] == [str(p) for p in paths]


def test_check__quiet__only_verdict_lines(bad: Path, clean: Path) -> None:
    result = CliRunner().invoke(app, ["check", "-q", str(clean), str(bad)])
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 2


def test_check__template_option_other_form__exit_1_wrong_template(clean: Path) -> None:
    result = run(clean, "--template", "project")
    assert result.exit_code == 1
    assert "E-WRONG-TEMPLATE" in result.output


def test_check__year_option_other_year__exit_1_wrong_year(clean: Path) -> None:
    result = run(clean, "--year", "2024")
    assert result.exit_code == 1
    assert "E-WRONG-YEAR" in result.output


# ---- --json ------------------------------------------------------------------------------------------------

def test_check_json__several_files__equals_the_library_reports(tmp_path: Path, clean: Path, bad: Path, junk: Path) -> None:
    out = tmp_path / "out.json"
    result = run(clean, bad, junk, "--json", out)
    assert result.exit_code == 2
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload == {"results": [check_file(p).to_json() for p in (clean, bad, junk)]}
    first = payload["results"][0]
    assert {"file", "template", "version", "year", "unit_code", "unit_name", "valid", "data", "findings"} <= set(first)
    assert [r["valid"] for r in payload["results"]] == [True, False, False]
    assert set(payload["results"][1]["findings"][0]) == {"code", "severity", "sheet", "cell", "expected", "found",
                                                         "message"}


def test_generate_then_check_json__project_data__the_same_json(tmp_path: Path) -> None:
    """The JSON generate --data takes is the JSON check --json gives back for a clean workbook."""
    data = project_data(2)
    (tmp_path / "d.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    wb, out = tmp_path / "p.xlsx", tmp_path / "out.json"
    gen = CliRunner().invoke(app, ["generate", PROJECT, "--year", "2025", "--unit-code", "001", "--unit-name", "测试单位",
                                   "--data", str(tmp_path / "d.json"), "-o", str(wb)])
    assert gen.exit_code == 0, gen.output
    assert run(wb, "--json", out).exit_code == 0
    (result,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    assert result["data"] == data and result["findings"] == [] and result["valid"] is True


# ---- --annotate --------------------------------------------------------------------------------------------

def _comments(ws: Any) -> dict[str, str]:
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment is not None}


def test_check_annotate__errors__findings_sheet_first_and_error_cells_commented(tmp_path: Path, bad: Path) -> None:
    out = tmp_path / "annotated.xlsx"
    result = run(bad, "--annotate", out)
    assert result.exit_code == 1
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == FINDINGS_SHEET == "问题清单"
    report = check_file(bad)
    listed = [row for row in wb[FINDINGS_SHEET].iter_rows(min_row=5, values_only=True)]
    assert [r[5] for r in listed] == [f.code for f in sorted(report.for_clerk, key=lambda f: f.severity != "error")]
    assert [(r[2], r[3]) for r in listed] == [(f.sheet, f.cell) for f in
                                              sorted(report.for_clerk, key=lambda f: f.severity != "error")]
    comments = _comments(wb[S])
    for f in report.errors:
        assert f.cell is not None and f.message in comments[f.cell]
    assert wb[S]["B5"].value == "测试单位"  # the issued grey value is restored in the copy


def test_check_annotate__copy_fixed_by_the_clerk__checks_clean(tmp_path: Path, bad: Path) -> None:
    out, fixed = tmp_path / "annotated.xlsx", tmp_path / "fixed.xlsx"
    assert run(bad, "--annotate", out).exit_code == 1
    wb = openpyxl.load_workbook(out)
    wb[S]["D14"] = "≥"  # B5 was restored by the annotated copy; the list value is the clerk's to fix
    wb.save(fixed)
    result = run(fixed)
    assert result.exit_code == 0, result.output
    report = check_file(fixed)
    assert report.findings == ()  # the copy holds the normalised ≥ the warning suggested
    assert report.data == dept_data()


def test_check_annotate__project_workbook__annotated_copy_checks_like_the_original(tmp_path: Path) -> None:
    src = write(tmp_path / "p.xlsx", returned(PROJECT, project_data(), {"E9": 8}))
    out = tmp_path / "annotated.xlsx"
    assert run(src, "--annotate", out).exit_code == 1
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == FINDINGS_SHEET
    assert "E9" in _comments(wb[PROJECT_SHEET])
    wb[PROJECT_SHEET]["E9"] = 10
    wb.save(tmp_path / "fixed.xlsx")
    assert run(tmp_path / "fixed.xlsx").exit_code == 0


def test_check_annotate__two_files__usage_error_exit_2(tmp_path: Path, clean: Path, bad: Path) -> None:
    result = run(clean, bad, "--annotate", tmp_path / "a.xlsx")
    assert result.exit_code == 2
    assert not (tmp_path / "a.xlsx").exists()


def test_check_annotate__unreadable_file__no_copy_exit_2(tmp_path: Path, junk: Path) -> None:
    result = run(junk, "--annotate", tmp_path / "a.xlsx")
    assert result.exit_code == 2
    assert not (tmp_path / "a.xlsx").exists()
