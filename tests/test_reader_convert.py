"""`check --convert` / `collect --convert`: a returned .xls or .ods read through a headless LibreOffice.

.xls and .ods are read directly by python-calamine (reader/legacy.py, tests/test_reader_legacy.py); the
converter is for what calamine cannot read. Here calamine is made to fail on every file (``no_calamine``),
so each test is about that fallback. A filled dept-overall form is saved as .xls and .ods by LibreOffice
(tests/libreoffice.py, the clerk's "Save as"). Without the flag such a file is refused (E-FILE-XLS /
E-FILE-ODS with calamine's reason, and soffice never runs); with it the file reads back to the data it was
generated with, plus W-CONVERTED, plus the
W-METADATA-VISIBLE every LibreOffice save gives (the very-hidden identity sheet becomes a plain hidden one).
When the converter is missing or fails, the E-FILE-XLS/ODS finding stays and its message says why. An
encrypted file is refused as E-FILE-ENCRYPTED and never handed to soffice: a fake soffice that leaves a
mark when it runs (XLTEMPLATES_SOFFICE) proves it, and proves the timeout kills the whole process group.

Every real conversion of the module happens once, in parallel, in module-scoped fixtures.
"""

from __future__ import annotations

import io
import json
import random
import stat
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from libreoffice import convert
from returned import DEPT, UNIT_CODE, UNIT_NAME, YEAR, assert_findings, context, dept_data
from typer.testing import CliRunner, Result

from xltemplates.cli import app
from xltemplates.findings.report import Report, make_finding
from xltemplates.reader import check as check_module
from xltemplates.reader import convert as converter
from xltemplates.reader.check import check_bytes, check_file
from xltemplates.reader.guards import CFB_MAGIC, fail, legacy_format
from xltemplates.trust.identity import META_SHEET
from xltemplates.writer.generate import generate_bytes

pytestmark = pytest.mark.libreoffice

FORMATS = {"xls": "E-FILE-XLS", "ods": "E-FILE-ODS"}
HIDDEN = (META_SHEET, None, "W-METADATA-VISIBLE")
CONVERTED = (None, None, "W-CONVERTED")
FAILED = "，自动转换为 .xlsx 未成功（{}）"
CALAMINE_FAILED = "calamine 无法读取"


@pytest.fixture(scope="module", autouse=True)
def no_calamine() -> Any:
    """Every .xls/.ods is one calamine cannot read (as a damaged or exotic file would be)."""
    def unreadable(content: bytes, fmt: str, bounds: Any = None) -> Any:
        raise fail("E-FILE-CORRUPT", found=CALAMINE_FAILED)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(check_module, "open_legacy", unreadable)
        yield


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The filled form as xlsx (ours), and as LibreOffice saves it as .xls and .ods, each in its own dir."""
    work = tmp_path_factory.mktemp("convert")
    src = work / "src" / "dept.xlsx"
    src.parent.mkdir()
    src.write_bytes(generate_bytes(DEPT, context(), dept_data()).content)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {fmt: pool.submit(convert, src, fmt, work / fmt) for fmt in FORMATS}
        return {"xlsx": src, **{fmt: f.result() for fmt, f in futures.items()}}


@pytest.fixture(scope="module")
def read(saved: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """check_file(convert=True) on the .xls and the .ods, with the temp dir redirected to see it emptied."""
    scratch = tmp_path_factory.mktemp("scratch")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(scratch))
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {fmt: pool.submit(check_file, saved[fmt], None, True) for fmt in FORMATS}
            reports = {fmt: f.result() for fmt, f in futures.items()}
    assert list(scratch.iterdir()) == [], "the temp dir (input copy, LibreOffice profile, output) must be removed"
    return reports


@pytest.fixture
def tripwire(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XLTEMPLATES_SOFFICE -> a fake soffice that writes the returned mark file (and converts nothing)."""
    mark = tmp_path / "soffice-ran"
    monkeypatch.setenv(converter.SOFFICE_ENV, str(_script(tmp_path / "fake-soffice", f'touch "{mark}"\nexit 0')))
    return mark


def _script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def run(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def failed_message(code: str, path: Path, why: str) -> str:
    return make_finding(code, found=path, reason=FAILED.format(why)).message


# ---- without --convert: exactly today's refusal, and no soffice ----------------------------------------------

@pytest.mark.parametrize(("fmt", "code"), FORMATS.items())
def test_check__xls_or_ods_without_convert__refused_as_before_and_soffice_never_runs(
    saved: dict[str, Path], tripwire: Path, fmt: str, code: str
) -> None:
    report = check_file(saved[fmt])
    assert_findings(report, [(None, None, code)])
    why = f"，无法直接读取（{CALAMINE_FAILED}）"
    assert report.findings[0].message == make_finding(code, found=saved[fmt], reason=why).message
    assert report.data is None and not tripwire.exists()


@pytest.mark.parametrize(("fmt", "code"), FORMATS.items())
def test_guards__legacy_format__names_xls_and_ods_from_the_bytes_only(saved: dict[str, Path], fmt: str, code: str) -> None:
    assert legacy_format(saved[fmt].read_bytes()) == fmt
    assert legacy_format(saved["xlsx"].read_bytes()) is None
    assert legacy_format(b"\xff\xd8\xff\xe0 a photo") is None


# ---- with --convert: the same data as the original ---------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_check_convert__xls_or_ods__same_data_with_converted_and_metadata_warnings(read: dict[str, Report], fmt: str) -> None:
    report = read[fmt]
    assert_findings(report, [CONVERTED, HIDDEN])
    assert report.findings[0].message == make_finding("W-CONVERTED", expected=".xlsx", found=f".{fmt}").message
    assert f"旧格式 .{fmt} 文件" in report.findings[0].message
    assert report.data == dept_data()
    assert (report.template, report.year, report.unit_code, report.unit_name) == (DEPT, YEAR, UNIT_CODE, UNIT_NAME)
    assert report.valid


def test_check_convert__an_xlsx__read_as_always_without_soffice(saved: dict[str, Path], tripwire: Path) -> None:
    report = check_file(saved["xlsx"], convert=True)
    assert_findings(report, [])
    assert report.data == dept_data() and not tripwire.exists()


def test_check_cli_convert__clean_xls__exit_0_json_equals_library_and_file_untouched(
    saved: dict[str, Path], read: dict[str, Report], tmp_path: Path
) -> None:
    xls = saved["xls"]
    before = (xls.read_bytes(), xls.stat().st_mtime_ns, sorted(xls.parent.iterdir()))
    out = tmp_path / "out.json"
    result = run("check", "--convert", xls, "--json", out)
    assert result.exit_code == 0, result.output
    # W-METADATA-VISIBLE is in the JSON, not among what the clerk is shown
    assert result.output.startswith(f"{xls}: 通过（1 条提示）  [dept-overall 1.0 2025]  001 测试单位")
    assert "W-METADATA-VISIBLE" not in result.output
    assert f"提示 W-CONVERTED {read['xls'].findings[0].message}" in result.output
    assert json.loads(out.read_text(encoding="utf-8")) == {"results": [read["xls"].to_json()]}
    assert (xls.read_bytes(), xls.stat().st_mtime_ns, sorted(xls.parent.iterdir())) == before


# ---- the converter cannot run or fails ---------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "code"), FORMATS.items())
def test_check_convert__soffice_missing__refusal_kept_with_the_reason(
    saved: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str, code: str
) -> None:
    missing = tmp_path / "no-such-soffice"
    monkeypatch.setenv(converter.SOFFICE_ENV, str(missing))
    report = check_file(saved[fmt], convert=True)
    assert_findings(report, [(None, None, code)])
    why = f"未找到 LibreOffice：{converter.SOFFICE_ENV}={missing} 不存在或不可执行"
    assert report.findings[0].message == failed_message(code, saved[fmt], why)


def test_check_cli_convert__soffice_missing__exit_2_reason_shown_no_traceback(
    saved: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(converter.SOFFICE_ENV, str(tmp_path / "no-such-soffice"))
    result = run("check", "--convert", saved["xls"])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.startswith(f"{saved['xls']}: 不通过（无法读取）")
    assert "错误 E-FILE-XLS 这是旧版 .xls 格式，自动转换为 .xlsx 未成功（未找到 LibreOffice" in result.output
    assert "Traceback" not in result.output


def test_check_convert__soffice_writes_nothing__reason_names_it(saved: dict[str, Path], tripwire: Path) -> None:
    report = check_file(saved["xls"], convert=True)
    assert_findings(report, [(None, None, "E-FILE-XLS")])
    why = "LibreOffice 未能转换该文件：退出码 0，未生成 .xlsx 文件"
    assert report.findings[0].message == failed_message("E-FILE-XLS", saved["xls"], why)
    assert tripwire.exists()


def test_convert__timeout__the_whole_process_group_killed_and_temp_dir_removed(
    saved: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "child.pid"
    # like oosplash and soffice.bin: a child that would outlive its parent if only the parent were killed
    hang = _script(tmp_path / "hanging-soffice", f'sleep 60 &\necho $! > "{pid_file}"\nsleep 60')
    monkeypatch.setenv(converter.SOFFICE_ENV, str(hang))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    started = time.monotonic()
    with pytest.raises(converter.ConversionError, match="LibreOffice 转换超时：超过 0.5 秒"):
        converter.to_xlsx(saved["xls"].read_bytes(), "xls", timeout=0.5)
    assert time.monotonic() - started < 10
    assert _gone(int(pid_file.read_text()))
    assert list(scratch.iterdir()) == []


def _gone(pid: int, wait: float = 5.0) -> bool:
    """The process no longer runs (a zombie waiting for a reaper counts as gone)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_check_convert__random_bytes_after_cfb_magic__not_a_workbook_and_never_converted(tripwire: Path) -> None:
    junk = CFB_MAGIC + random.Random(1).randbytes(4000)
    report = check_bytes(junk, "损坏.xls", convert=True)
    assert_findings(report, [(None, None, "E-FILE-NOT-WORKBOOK")])
    assert not tripwire.exists()


def test_check_cli_convert__corrupt_xls_with_a_workbook_stream__soffice_fails_exit_2_no_traceback(tmp_path: Path) -> None:
    """Random bytes around the stream name, so the guards call it an .xls and LibreOffice gets to try."""
    rnd = random.Random(2)
    bad = tmp_path / "损坏.xls"
    bad.write_bytes(CFB_MAGIC + rnd.randbytes(2000) + "Workbook".encode("utf-16-le") + rnd.randbytes(2000))
    out = tmp_path / "out.json"
    result = run("check", "--convert", bad, "--json", out)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (finding,) = json.loads(out.read_text(encoding="utf-8"))["results"][0]["findings"]
    why = "LibreOffice 未能转换该文件：Error: source file could not be loaded"
    assert (finding["code"], finding["message"]) == ("E-FILE-XLS", failed_message("E-FILE-XLS", bad, why))


# ---- encrypted files never reach soffice -------------------------------------------------------------------

def _encrypted_xls(xls: bytes) -> bytes:
    """LibreOffice's .xls with the record after the globals BOF turned into FILEPASS (0x002F), where Excel and
    LibreOffice put it when the file has an open password (the 6-byte INTERFACEHDR becomes a 6-byte FILEPASS)."""
    bof = xls.index(b"\x09\x08\x10\x00\x00\x06\x05\x00")
    after = bof + 20
    assert xls[after : after + 4] == b"\xe1\x00\x02\x00", "LibreOffice's .xls layout changed"
    return xls[:after] + b"\x2f\x00\x02\x00\x00\x00" + xls[after + 6 :]


def _encrypted_ods(ods: bytes) -> bytes:
    """The .ods with the manifest entry a password-protected one has for each encrypted member."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ods)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "META-INF/manifest.xml":
                content = content.replace(b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
                                          b'manifest:full-path="content.xml" manifest:media-type="text/xml">'
                                          b'<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>'
                                          b"</manifest:file-entry>")
                assert b"encryption-data" in content, "LibreOffice's manifest layout changed"
            dst.writestr(info, content)
    return buf.getvalue()


def _encrypted_xlsx() -> bytes:
    """An encrypted .xlsx: an OLE2 compound file holding EncryptionInfo and EncryptedPackage."""
    names = b"".join(n.encode("utf-16-le").ljust(64, b"\0") for n in ("EncryptionInfo", "EncryptedPackage"))
    return CFB_MAGIC + b"\0" * 504 + names + b"\0" * 512


@pytest.mark.parametrize("kind", ["xls", "ods", "xlsx"])
def test_check_convert__encrypted__e_file_encrypted_and_soffice_never_runs(
    saved: dict[str, Path], tripwire: Path, kind: str
) -> None:
    content = {"xls": lambda: _encrypted_xls(saved["xls"].read_bytes()),
               "ods": lambda: _encrypted_ods(saved["ods"].read_bytes()), "xlsx": _encrypted_xlsx}[kind]()
    assert legacy_format(content) is None
    for convert_it in (False, True):
        report = check_bytes(content, f"加密.{kind}", convert=convert_it)
        assert_findings(report, [(None, None, "E-FILE-ENCRYPTED")])
    assert not tripwire.exists()
