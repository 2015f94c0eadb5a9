"""Guards: every bad-file class is refused, with its own code, before any XML is parsed."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
import xlsxwriter
from hostile import issued, replace_in, rezip

from xltemplates import limits
from xltemplates.errors import ReadError
from xltemplates.findings.report import make_finding
from xltemplates.reader import guards
from xltemplates.reader.check import check_bytes
from xltemplates.reader.guards import inspect_bytes

MiB = 1024 * 1024


def _zip(members: dict[str, bytes | str], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _xlsx(extra: dict[str, bytes | str] | None = None) -> bytes:
    """A real workbook from xlsxwriter, with extra members added to the package."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet("表").write_string(0, 0, "一级指标")
    wb.close()
    if not extra:
        return buf.getvalue()
    with zipfile.ZipFile(buf, "a") as zf:
        for name, data in extra.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _cfb(*stream_names: str) -> bytes:
    """A fake compound file: the magic, a header's worth of padding and UTF-16LE directory names."""
    body = b"".join(name.encode("utf-16-le") + b"\x00" * (64 - 2 * len(name)) for name in stream_names)
    return guards.CFB_MAGIC + b"\x00" * 504 + body + b"\x00" * 512


def _code(data: bytes, filename: str = "returned.xlsx") -> str:
    with pytest.raises(ReadError) as info:
        inspect_bytes(data, filename)
    return info.value.code


def test_inspect_bytes__generated_workbook__passes() -> None:
    inspect_bytes(_xlsx(), "form.xlsx")


def test_inspect_bytes__text_file__not_workbook() -> None:
    assert _code("单位,金额\n测试,1\n".encode()) == "E-FILE-NOT-WORKBOOK"


def test_inspect_bytes__png_renamed_xlsx__not_workbook_naming_the_file() -> None:
    with pytest.raises(ReadError) as info:
        inspect_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "照片.xlsx")
    assert info.value.code == "E-FILE-NOT-WORKBOOK"
    assert str(info.value) == make_finding("E-FILE-NOT-WORKBOOK", found="照片.xlsx").message


def test_inspect_bytes__empty_file__not_workbook() -> None:
    assert _code(b"") == "E-FILE-NOT-WORKBOOK"


def test_inspect_bytes__cfb_with_encryption_streams__encrypted() -> None:
    assert _code(_cfb("Root Entry", "EncryptionInfo", "EncryptedPackage")) == "E-FILE-ENCRYPTED"


def test_inspect_bytes__cfb_with_workbook_stream__xls_with_registry_message() -> None:
    with pytest.raises(ReadError) as info:
        inspect_bytes(_cfb("Root Entry", "Workbook", "\x05SummaryInformation"), "old.xls")
    assert info.value.code == "E-FILE-XLS"
    assert str(info.value) == make_finding("E-FILE-XLS").message


def test_inspect_bytes__cfb_from_excel_95__xls() -> None:
    assert _code(_cfb("Root Entry", "Book")) == "E-FILE-XLS"


def test_inspect_bytes__cfb_word_document__not_workbook() -> None:
    assert _code(_cfb("Root Entry", "WordDocument", "1Table")) == "E-FILE-NOT-WORKBOOK"


def test_inspect_bytes__ods_package__ods() -> None:
    data = _zip(
        {"mimetype": guards.ODS_MIMETYPE, "content.xml": "<office:document-content/>"},
        method=zipfile.ZIP_STORED,
    )
    assert _code(data, "returned.ods") == "E-FILE-ODS"


def test_inspect_bytes__truncated_zip__corrupt() -> None:
    data = _xlsx()
    assert _code(data[: len(data) // 2]) == "E-FILE-CORRUPT"


def test_inspect_bytes__zip_bomb_member__too_large() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = bytes(MiB)
            for _ in range(limits.MAX_MEMBER_UNCOMPRESSED // MiB + 10):
                member.write(chunk)
        zf.writestr("xl/workbook.xml", "<workbook/>")
    data = buf.getvalue()
    assert len(data) < MiB  # a tiny file that inflates to 60 MiB
    assert _code(data) == "E-FILE-TOO-LARGE"


def test_inspect_bytes__absurd_compression_ratio__too_large() -> None:
    data = _zip({"xl/workbook.xml": "<workbook/>", "xl/sharedStrings.xml": bytes(2 * limits.RATIO_CHECK_MIN_BYTES)})
    with pytest.raises(ReadError) as info:
        inspect_bytes(data, "bomb.xlsx")
    assert info.value.code == "E-FILE-TOO-LARGE"
    assert f"{limits.MAX_COMPRESSION_RATIO}:1" in str(info.value)


def test_inspect_bytes__declared_total_over_limit__too_large() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(3):
            zf.writestr(f"xl/media/image{i}.png", b"x")
        for info in zf.filelist[1:]:  # the central directory is written from these at close
            info.file_size = info.compress_size = 40 * MiB
    with pytest.raises(ReadError) as info:
        inspect_bytes(buf.getvalue(), "big.xlsx")
    assert info.value.code == "E-FILE-TOO-LARGE"
    assert str(info.value) == make_finding("E-FILE-TOO-LARGE", found="120 MiB", expected="100 MiB").message


def test_inspect_bytes__too_many_parts__too_many_parts() -> None:
    members: dict[str, bytes | str] = {f"xl/media/p{i}.bin": b"" for i in range(limits.MAX_PARTS)}
    members["xl/workbook.xml"] = "<workbook/>"
    with pytest.raises(ReadError) as info:
        inspect_bytes(_zip(members, method=zipfile.ZIP_STORED), "parts.xlsx")
    assert info.value.code == "E-FILE-TOO-MANY-PARTS"
    assert str(info.value) == make_finding(
        "E-FILE-TOO-MANY-PARTS", found=limits.MAX_PARTS + 1, expected=limits.MAX_PARTS
    ).message


def _eocd_patched(data: bytes, count: int | None = None, cd_size: int | None = None) -> bytes:
    at = data.rfind(b"PK\x05\x06")
    fields = list(struct.unpack_from("<4s4H2LH", data, at))
    if count is not None:
        fields[3] = fields[4] = count
    if cd_size is not None:
        fields[5] = cd_size
    return data[:at] + struct.pack("<4s4H2LH", *fields) + data[at + 22 :]


def test_inspect_bytes__directory_count_understated__too_many_parts() -> None:
    members: dict[str, bytes | str] = {f"p{i}": b"" for i in range(limits.MAX_PARTS + 1)}
    assert _code(_eocd_patched(_zip(members, method=zipfile.ZIP_STORED), count=5)) == "E-FILE-TOO-MANY-PARTS"


def test_inspect_bytes__directory_size_absurd__too_many_parts_before_reading_it() -> None:
    data = _eocd_patched(_xlsx(), cd_size=limits.MAX_CENTRAL_DIRECTORY_BYTES + 1)
    assert _code(data) == "E-FILE-TOO-MANY-PARTS"


def test_inspect_bytes__zip64_directory_with_many_entries__too_many_parts() -> None:
    data = _xlsx()
    at = data.rfind(b"PK\x05\x06")
    _, _, _, _, _, cd_size, cd_offset, _ = struct.unpack_from("<4s4H2LH", data, at)
    record = b"PK\x06\x06" + struct.pack("<QHHLLQQQQ", 44, 45, 45, 0, 0, 5000, 5000, cd_size, cd_offset)
    locator = b"PK\x06\x07" + struct.pack("<LQL", 0, at, 1)
    data = data[:at] + record + locator + _eocd_patched(data[at:], count=0xFFFF)
    with pytest.raises(ReadError) as info:
        inspect_bytes(data, "zip64.xlsx")
    assert str(info.value) == make_finding("E-FILE-TOO-MANY-PARTS", found=5000, expected=limits.MAX_PARTS).message


def test_inspect_bytes__vba_project__macros() -> None:
    assert _code(_xlsx({"xl/vbaProject.bin": b"\xcc\x61"})) == "E-FILE-MACROS"


def test_inspect_bytes__macro_enabled_content_type__macros() -> None:
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'
    )
    data = _zip({"[Content_Types].xml": types, "xl/workbook.xml": "<workbook/>"})
    assert _code(data) == "E-FILE-MACROS"


def test_check__sheetjs_resave_declaring_bin_as_macro_enabled_without_a_vba_part__read_normally() -> None:
    """SheetJS writes a Default content type for every .bin, macro-enabled, whether or not one is there."""
    sheetjs = b'<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
    data = rezip(issued(), replace_in("[Content_Types].xml", b"<Default ", sheetjs + b"<Default "))
    report = check_bytes(data, "sheetjs.xlsx")
    assert report.template == "dept-overall"
    assert not [f for f in report.findings if f.code.startswith("E-FILE-")]


def test_inspect_bytes__vba_content_type_on_a_renamed_part__macros() -> None:
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Override PartName="/xl/code.dat" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
    )
    data = _zip({"[Content_Types].xml": types, "xl/workbook.xml": "<workbook/>", "xl/code.dat": b"\xcc"})
    assert _code(data) == "E-FILE-MACROS"


def test_inspect_bytes__content_types_with_a_dtd__xml_unsafe() -> None:
    types = '<!DOCTYPE t [<!ENTITY x "y">]><Types/>'
    assert _code(_zip({"[Content_Types].xml": types, "xl/workbook.xml": "<workbook/>"})) == "E-FILE-XML-UNSAFE"


def test_inspect_bytes__excel4_macro_sheet__macros() -> None:
    assert _code(_xlsx({"xl/macrosheets/sheet1.xml": "<xm:macrosheet/>"})) == "E-FILE-MACROS"


def test_inspect_bytes__external_links__external_links() -> None:
    assert _code(_xlsx({"xl/externalLinks/externalLink1.xml": "<externalLink/>"})) == "E-FILE-EXTERNAL-LINKS"


def test_inspect_bytes__zip_without_workbook_part__not_workbook() -> None:
    data = _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
    assert _code(data, "报告.docx") == "E-FILE-NOT-WORKBOOK"


def test_inspect_bytes__encrypted_zip_member__corrupt() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.filelist[0].flag_bits |= 0x1
    assert _code(buf.getvalue()) == "E-FILE-CORRUPT"


def test_inspect_bytes__bzip2_member__corrupt() -> None:
    assert _code(_zip({"xl/workbook.xml": "<workbook/>"}, method=zipfile.ZIP_BZIP2)) == "E-FILE-CORRUPT"


def test_inspect_bytes__billion_laughs_sheet__passes_because_guards_parse_no_xml() -> None:
    laughs = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><x>&a;</x>'
    inspect_bytes(_xlsx({"xl/worksheets/sheet9.xml": laughs}), "laughs.xlsx")  # open_workbook refuses it
