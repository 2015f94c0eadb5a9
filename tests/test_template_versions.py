"""A template corrected mid-round (1.0 -> 1.1, same id): the registry keeps 1.0 as <id>/1.0.yaml, so returns
issued on 1.0 are read with the version they were issued with; without it they are refused with a message
that tells the clerk to download the new form (not that they used the wrong one)."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from returned import assert_findings, context, returned

from xltemplates.catalogue.registry import kept_versions, registered_template
from xltemplates.errors import TemplateError
from xltemplates.findings.codes import lookup
from xltemplates.reader.check import check_bytes, check_bytes_and_evidence
from xltemplates.writer.annotate import annotate

V10 = """
id: mid-round
version: "1.0"
title: 项目表
sheets:
  - name: 项目
    widths: [14, 20]
    blocks:
      - grid:
          - cells:
              - {role: header, text: 项目名称}
              - {role: prefilled, field: 项目名称}
          - cells:
              - {role: required, text: 资金用途}
              - {role: entry, field: 资金用途, required: true}
"""
# 1.1 corrects a header and adds a field the units fill in
V11 = V10.replace('version: "1.0"', 'version: "1.1"').replace("text: 资金用途}", "text: 资金用途说明}") + """\
          - cells:
              - {role: optional, text: 联系电话}
              - {role: entry, field: 联系电话}
"""
SHEET = "项目"


def _write(path: Path, text: str, bump: int = 0) -> None:
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, (st.st_atime + bump, st.st_mtime + bump))  # the loader caches by mtime: make the change seen


@pytest.fixture
def issued_on_10(forms_dir: Path) -> bytes:
    _write(forms_dir / "mid-round.yaml", V10)
    content = returned("mid-round", {"项目名称": "道路"}, {"B2": "修路"})
    _write(forms_dir / "mid-round.yaml", V11, bump=10)  # the bureau corrects the form mid-round
    return content


def test_version_kept__earlier_return__read_with_the_version_it_was_issued_with(forms_dir: Path,
                                                                                issued_on_10: bytes) -> None:
    (forms_dir / "mid-round").mkdir()
    _write(forms_dir / "mid-round" / "1.0.yaml", V10)
    report = check_bytes(issued_on_10, "old.xlsx")
    assert report.version == "1.0"
    assert_findings(report, [(None, None, "W-EARLIER-VERSION")])
    assert report.data == {"项目名称": "道路", "资金用途": "修路"}
    assert kept_versions("mid-round") == ["1.0"]


def test_version_kept__new_return__read_with_the_new_version(forms_dir: Path, issued_on_10: bytes) -> None:
    (forms_dir / "mid-round").mkdir()
    _write(forms_dir / "mid-round" / "1.0.yaml", V10)
    report = check_bytes(returned("mid-round", {"项目名称": "道路"}, {"B2": "修路", "B3": "123"}), "new.xlsx")
    assert report.version == "1.1" and report.findings == ()
    assert report.data == {"项目名称": "道路", "资金用途": "修路", "联系电话": "123"}


def test_version_not_kept__earlier_return__refused_telling_the_clerk_to_download_the_new_form(
        issued_on_10: bytes) -> None:
    report = check_bytes(issued_on_10, "old.xlsx")
    assert_findings(report, [(None, None, "E-WRONG-VERSION")])
    f = report.findings[0]
    assert (f.expected, f.found) == ("1.1", "1.0")
    assert f.message == lookup("E-WRONG-VERSION").template.format(expected="1.1", found="1.0")
    assert "请下载新版表格" in f.message and "请使用本次下发的表格" not in f.message


def test_version_kept__file_declaring_another_version__template_error(forms_dir: Path, issued_on_10: bytes) -> None:
    (forms_dir / "mid-round").mkdir()
    _write(forms_dir / "mid-round" / "1.0.yaml", V11)
    with pytest.raises(TemplateError, match="kept as version '1.0' of 'mid-round' but declares 'mid-round' version '1.1'"):
        registered_template("mid-round", context(), "1.0")


@pytest.mark.parametrize("version", ["../mid-round", "/etc/passwd", ".hidden", "1.0/../../x"])
def test_version_from_a_return__not_a_version__never_names_a_file(forms_dir: Path, version: str) -> None:
    _write(forms_dir / "mid-round.yaml", V11)
    shutil.copy(forms_dir / "mid-round.yaml", forms_dir / "x.yaml")
    assert registered_template("mid-round", context(), version).version == "1.1"


def test_version_kept__annotated_copy__in_the_layout_the_return_was_issued_with(forms_dir: Path,
                                                                                issued_on_10: bytes) -> None:
    (forms_dir / "mid-round").mkdir()
    _write(forms_dir / "mid-round" / "1.0.yaml", V10)
    report, evidence = check_bytes_and_evidence(issued_on_10, "old.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(annotate(report, evidence)))[SHEET]
    assert ws["A2"].value == "资金用途" and ws["B2"].value == "修路" and ws["A3"].value is None
