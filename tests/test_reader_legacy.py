""".xls and .ods returns read directly (python-calamine, reader/legacy.py), with no office suite running.

A filled dept-overall and a filled project form (two projects) are re-saved as .xls and .ods by LibreOffice
and by Gnumeric (ssconvert), the way a clerk's "Save as" in WPS/LibreOffice/Gnumeric leaves them. Each must
read back to exactly the data and the findings of the .xlsx it came from (LibreOffice's saves add only the
W-METADATA-VISIBLE its saves always give), with the identity sheet verified, and a fake soffice on
XLTEMPLATES_SOFFICE proves that no LibreOffice ran. Files that would unfold into too many cells are refused
from their bytes before calamine sees them.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import convert
from returned import DEPT, PROJECT, assert_findings, context, dept_data, project_data
from typer.testing import CliRunner

from xltemplates.cli import app
from xltemplates.findings.report import Report
from xltemplates.limits import MAX_LEGACY_CELLS
from xltemplates.reader import convert as converter
from xltemplates.reader.check import check_bytes, check_file, check_file_and_evidence
from xltemplates.reader.extent import ods_cells, xls_cells
from xltemplates.trust.identity import META_SHEET
from xltemplates.writer.generate import generate_bytes

pytestmark = pytest.mark.libreoffice

FORMS = {DEPT: dept_data, PROJECT: lambda: project_data(2)}
SAVES = [("libreoffice", "xls"), ("libreoffice", "ods"), ("gnumeric", "xls"), ("gnumeric", "ods")]
HIDDEN = (META_SHEET, None, "W-METADATA-VISIBLE")


def ssconvert(src: Path, fmt: str, outdir: Path) -> Path:
    """Gnumeric's "Save as" (apt-get install gnumeric gives ssconvert); its own exporters, not LibreOffice's."""
    exe = shutil.which("ssconvert")
    assert exe is not None, "ssconvert not found: apt-get install -y --no-install-recommends gnumeric"
    outdir.mkdir(parents=True, exist_ok=True)
    out = outdir / f"{src.stem}.{fmt}"
    exporter = {"xls": "Gnumeric_Excel:excel_biff8", "ods": "Gnumeric_OpenCalc:odf"}[fmt]
    subprocess.run([exe, "-T", exporter, str(src), str(out)], check=True, capture_output=True, timeout=120)
    return out


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], Path]:
    """(form, client, fmt) -> the re-saved file; (form, "ours", "xlsx") -> the issued, filled workbook."""
    work = tmp_path_factory.mktemp("legacy")
    out: dict[tuple[str, str, str], Path] = {}
    jobs = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for form, data in FORMS.items():
            src = work / form / f"{form}.xlsx"
            src.parent.mkdir()
            src.write_bytes(generate_bytes(form, context(), data()).content)
            out[(form, "ours", "xlsx")] = src
            for client, fmt in SAVES:
                run = convert if client == "libreoffice" else ssconvert
                jobs.append(((form, client, fmt), pool.submit(run, src, fmt, work / form / client / fmt)))
        out.update({key: f.result() for key, f in jobs})
    return out


@pytest.fixture
def tripwire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XLTEMPLATES_SOFFICE -> a fake soffice that leaves a mark if anything runs it."""
    mark = tmp_path / "soffice-ran"
    fake = tmp_path / "fake-soffice"
    fake.write_text(f'#!/bin/sh\ntouch "{mark}"\nexit 1\n', encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv(converter.SOFFICE_ENV, str(fake))
    return mark


def _key(f: Any) -> tuple[Any, ...]:
    return f.code, f.sheet, f.cell, f.message


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("client", "fmt"), SAVES)
def test_check__xls_or_ods_resave__same_data_and_findings_as_the_xlsx_and_no_office_suite(
    saved: dict[tuple[str, str, str], Path], tripwire: Path, form: str, client: str, fmt: str
) -> None:
    original, seen = check_file_and_evidence(saved[(form, "ours", "xlsx")])
    for convert_it in (False, True):  # --convert changes nothing for a file calamine reads
        report, evidence = check_file_and_evidence(saved[(form, client, fmt)], convert=convert_it)
        assert report.data == FORMS[form]() == original.data
        extra = [f for f in report.findings if f.code == "W-METADATA-VISIBLE"]
        assert sorted(map(_key, [f for f in report.findings if f not in extra])) == sorted(map(_key, original.findings))
        assert_findings(report, [HIDDEN] * len(extra))
        assert evidence.identity is not None and evidence.identity == seen.identity  # signature verified
        assert (report.template, report.year, report.unit_code) == (original.template, 2025, "001")
        assert report.valid
    assert not tripwire.exists()


def test_check__xls_with_a_grey_value_changed__found_at_the_cell_like_the_xlsx(
    saved: dict[tuple[str, str, str], Path], tmp_path: Path
) -> None:
    """The identity's issued values are what the .xls is compared with: a raised 预算数 is E-PREFILLED-CHANGED."""
    src = saved[(PROJECT, "ours", "xlsx")]
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, (int, float)) and c.value == 10)
    cell.value = 100
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    xlsx = check_file(edited)
    xls = check_file(convert(edited, "xls", tmp_path / "xls"))
    assert {(f.code, f.sheet, f.cell) for f in xls.errors} == {(f.code, f.sheet, f.cell) for f in xlsx.errors} != set()


def test_cli_check__xls_and_ods__exit_0_and_the_verdict_line(saved: dict[tuple[str, str, str], Path]) -> None:
    files = [saved[(DEPT, "gnumeric", "xls")], saved[(DEPT, "libreoffice", "ods")]]
    result = CliRunner().invoke(app, ["check", *map(str, files)])
    assert result.exit_code == 0, result.output
    for f in files:
        assert f"{f}: 通过" in result.output
    assert "Traceback" not in result.output


# ---- bounds: measured from the bytes before calamine ---------------------------------------------------------

def _far_xlsx(path: Path, corner: str) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws[corner] = "x", "y"
    wb.save(path)
    return path


def test_check__xls_with_a_value_in_iv65536__refused_before_calamine_unfolds_16_million_cells(tmp_path: Path) -> None:
    xls = convert(_far_xlsx(tmp_path / "far.xlsx", "IV65536"), "xls", tmp_path / "out")
    assert xls.stat().st_size < 10_000
    assert xls_cells(xls.read_bytes()) == 65536 * 256
    report = check_file(xls)
    assert_findings(report, [(None, None, "E-FILE-TOO-LARGE")])
    assert f"上限 {MAX_LEGACY_CELLS} 个" in report.findings[0].message


def _repeat_bomb(ods: bytes, rows: int, cols: int) -> bytes:
    """The .ods with one row holding a value repeated `cols` times, repeated `rows` times, before </table>."""
    buf = io.BytesIO()
    bomb = (f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell office:value-type="float" '
            f'office:value="1" table:number-columns-repeated="{cols}"><text:p>1</text:p></table:table-cell>'
            "</table:table-row></table:table>").encode()
    with zipfile.ZipFile(io.BytesIO(ods)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "content.xml":
                content = content.replace(b"</table:table>", bomb, 1)
            dst.writestr(info, content)
    return buf.getvalue()


def test_check__ods_repeating_one_cell_a_million_times__refused_from_its_content_xml(
    saved: dict[tuple[str, str, str], Path]
) -> None:
    ods = saved[(DEPT, "libreoffice", "ods")].read_bytes()
    with zipfile.ZipFile(io.BytesIO(ods)) as zf:
        plain = ods_cells(zf.read("content.xml"))
    assert plain < 10_000  # LibreOffice's repeated empty rows to the end of the sheet are not counted
    bomb = _repeat_bomb(ods, 1000, 1000)
    assert len(bomb) < len(ods) + 1000
    report = check_bytes(bomb, "bomb.ods")
    assert_findings(report, [(None, None, "E-FILE-TOO-LARGE")])


def test_check__truncated_xls__corrupt_not_a_traceback(saved: dict[tuple[str, str, str], Path]) -> None:
    xls = saved[(DEPT, "libreoffice", "xls")].read_bytes()
    for cut in (600, len(xls) // 2):
        report: Report = check_bytes(xls[:cut], "cut.xls")
        assert report.data is None and not report.valid
        assert {f.code for f in report.findings} <= {"E-FILE-CORRUPT", "E-FILE-XLS", "E-FILE-NOT-WORKBOOK"}


def test_check__gnumeric_ods_line_break_in_a_cell__kept_as_a_line_feed(saved: dict[tuple[str, str, str], Path]) -> None:
    ods = saved[(DEPT, "gnumeric", "ods")].read_bytes()
    with zipfile.ZipFile(io.BytesIO(ods)) as zf:
        assert re.search(rb"<text:line-break\s*/>", zf.read("content.xml"))  # the case this guards
    report = check_bytes(ods, "gnumeric.ods")
    assert "\n" in report.data["年度总体目标"]  # type: ignore[index]


def test_desk__xls_handed_in__read_and_stored_as_accepted(
    saved: dict[tuple[str, str, str], Path], tmp_path: Path
) -> None:
    """The web desk reads an .xls like the CLI: 正式报送 stores it for the unit, verified, with its data."""
    from web_kit import ME, make_desk, rows, upload

    desk = make_desk(tmp_path)
    content = saved[(DEPT, "gnumeric", "xls")].read_bytes()
    r = upload(desk, content, "submit", name="申报表.xls")
    assert r.status_code < 400, r.text
    assert rows(desk.engine, "SELECT unit_code, unit_source, file_name, verdict FROM submissions") == [
        (ME.code, "identity", "申报表.xls", "accepted")]
    assert 'accept=".xlsx,.xls,.ods"' in desk.client.get(f"/u/{desk.token}").text
