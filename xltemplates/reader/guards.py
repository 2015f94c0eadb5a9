"""Refuse hostile or wrong files before a sheet's XML is parsed.

A returned workbook is untrusted input from a township clerk's PC. Everything here works on the raw bytes,
the zip's central directory (walked by reader/archive.py before zipfile builds it) and the package's
content types (the one XML part read here, through the same defused parser as the sheets),
so a zip bomb, a 10,000-part archive, a macro workbook or a renamed photo is refused in milliseconds with a
message that says what the file really is. The archive handed on reads every member through one counter
of inflated bytes (CheckedZip), so a member that inflates past what it declares costs nothing either.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Literal
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_etree
from defusedxml import DefusedXmlException

from ..errors import ReadError
from ..findings.report import make_finding
from ..limits import (
    MAX_CENTRAL_DIRECTORY_BYTES,
    MAX_COMPRESSION_RATIO,
    MAX_FILE_BYTES,
    MAX_MEMBER_UNCOMPRESSED,
    MAX_PARTS,
    MAX_TOTAL_UNCOMPRESSED,
    RATIO_CHECK_MIN_BYTES,
    MiB,
)
from .archive import Inflater, OverLimit, check_directory

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
ENCRYPTED_STREAMS = tuple(n.encode("utf-16-le") for n in ("EncryptionInfo", "EncryptedPackage"))
XLS_STREAMS = tuple(n.encode("utf-16-le") for n in ("workbook", "book"))  # matched case-insensitively
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
ODS_MANIFEST = "meta-inf/manifest.xml"
ODS_ENCRYPTED = b"encryption-data"  # a manifest entry of every encrypted member of a password-protected .ods
WORKBOOK_PART = "xl/workbook.xml"
CONTENT_TYPES_PART = "[Content_Types].xml"
MACRO_TYPES = ("vbaproject", "macrosheet")
"""Content types of parts that hold code (VBA projects, Excel 4 macro sheets), matched lower-cased."""
MACRO_WORKBOOK = "macroenabled"
"""In the workbook part's own content type: an .xlsm/.xltm, which Excel opens with its macros."""
ALLOWED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)

ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, struct.error, EOFError, OSError, ValueError,
              NotImplementedError, RuntimeError)
"""What the zip reader raises on a damaged archive (a bad CRC, an unknown method, a lying header)."""

_BIFF_GLOBALS_BOF = re.compile(rb"\x09\x08(\x08|\x10)\x00..\x05\x00", re.DOTALL)
"""BOF record (0x0809) of a BIFF5/8 workbook-globals substream (dt 0x0005); 8 or 16 bytes of body."""
_BIFF_FILEPASS = b"\x2f\x00"
"""FILEPASS (0x002F): present, right after that BOF, exactly when the .xls is encrypted (MS-XLS 2.4.117)."""

LegacyFormat = Literal["xls", "ods"]
LEGACY_FORMATS: dict[str, LegacyFormat] = {"E-FILE-XLS": "xls", "E-FILE-ODS": "ods"}



def fail(code: str, found: object = None, expected: object = None) -> ReadError:
    """A ReadError whose message is the registry's Chinese text for `code`."""
    return ReadError(code, make_finding(code, found=found, expected=expected).message, found, expected)


def read_file(path: str | Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A returned file's bytes, read only if it is a regular file (a symlink to one is followed) of at most
    `limit` bytes. It is opened without blocking, so a FIFO or a device (/dev/zero) is refused, never read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise fail("E-FILE-MISSING", found=f"{path}（{exc.strerror or exc}）") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise fail("E-FILE-MISSING", found=f"{path}（是文件夹，不是文件）")
        if not stat.S_ISREG(st.st_mode):
            raise fail("E-FILE-NOT-WORKBOOK", found=f"{path}（不是普通文件）")
        if st.st_size > limit:
            raise fail("E-FILE-TOO-LARGE", found=_mib(st.st_size), expected=_mib(limit))
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)  # the file may have grown since fstat
    except OSError as exc:
        raise fail("E-FILE-MISSING", found=f"{path}（{exc.strerror or exc}）") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise fail("E-FILE-TOO-LARGE", found=f">{_mib(limit)}", expected=_mib(limit))
    return data


def inspect_bytes(data: bytes, filename: str) -> None:
    """Raise ReadError unless `data` looks like a safe .xlsx package; parses no XML."""
    open_zip(data, filename).close()


def legacy_format(data: bytes, filename: str = "") -> LegacyFormat | None:
    """"xls" or "ods" when the guards refuse `data` for its format alone, so a converter could read it.

    None for everything else: an .xlsx (nothing to convert), and every file refused for another reason (an
    encrypted .xls/.ods/.xlsx, a zip bomb, a renamed photo), which must never reach a converter.
    """
    try:
        inspect_bytes(data, filename)
    except ReadError as exc:
        return LEGACY_FORMATS.get(exc.code)
    return None


class CheckedZip:
    """An archive the guards let through; every member is read through one Inflater (bytes counted)."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.inflater = Inflater(MAX_MEMBER_UNCOMPRESSED, MAX_TOTAL_UNCOMPRESSED)

    def namelist(self) -> list[str]:
        return self.zf.namelist()

    def read(self, member: str | zipfile.ZipInfo) -> bytes:
        """The member's bytes; ReadError E-FILE-TOO-LARGE past a limit, E-FILE-CORRUPT if it cannot be read."""
        info = member if isinstance(member, zipfile.ZipInfo) else self.zf.getinfo(member)
        try:
            return self.inflater.read(self.zf, info)
        except OverLimit as over:
            raise _over_limit(over) from None
        except ZIP_ERRORS as exc:
            raise fail("E-FILE-CORRUPT", found=f"{info.filename}：{exc}") from None

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> CheckedZip:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def open_zip(data: bytes, filename: str) -> CheckedZip:
    """inspect_bytes, handing back the checked archive so the opener does not read the directory twice."""
    if not data:
        raise fail("E-FILE-NOT-WORKBOOK", found=filename)
    if data.startswith(CFB_MAGIC):
        raise _cfb_error(data, filename)
    if not data.startswith(ZIP_MAGICS):
        raise fail("E-FILE-NOT-WORKBOOK", found=filename)
    if len(data) > MAX_FILE_BYTES:
        raise fail("E-FILE-TOO-LARGE", found=_mib(len(data)), expected=_mib(MAX_TOTAL_UNCOMPRESSED))
    try:
        check_directory(io.BytesIO(data), MAX_PARTS, MAX_CENTRAL_DIRECTORY_BYTES)
    except OverLimit as over:
        raise _over_limit(over) from None
    try:
        zf = CheckedZip(zipfile.ZipFile(io.BytesIO(data)))
    except ZIP_ERRORS as exc:
        raise fail("E-FILE-CORRUPT", found=f"压缩包结构损坏：{exc}") from None
    try:
        infos = zf.zf.infolist()
        if len(infos) > MAX_PARTS:
            raise fail("E-FILE-TOO-MANY-PARTS", found=len(infos), expected=MAX_PARTS)
        _check_sizes(infos)
        names = {i.filename.lower(): i for i in infos}
        _check_not_ods(zf, names)
        _check_macros_and_links(zf, names)
        if WORKBOOK_PART not in names:
            raise fail("E-FILE-NOT-WORKBOOK", found=filename)
    except BaseException:
        zf.close()
        raise
    return zf


def _cfb_error(data: bytes, filename: str) -> ReadError:
    """An OLE2 compound file: an encrypted .xlsx, an old .xls, or some other Office file.

    Directory entry names are UTF-16LE, so a byte search finds the streams without a CFB parser.
    """
    if any(name in data for name in ENCRYPTED_STREAMS):
        return fail("E-FILE-ENCRYPTED", found=filename)
    lowered = data.lower()
    if any(name in lowered for name in XLS_STREAMS):
        return fail("E-FILE-ENCRYPTED" if _xls_encrypted(data) else "E-FILE-XLS", found=filename)
    return fail("E-FILE-NOT-WORKBOOK", found=filename)  # a .doc or .msg renamed


def _xls_encrypted(data: bytes) -> bool:
    """An .xls with an open password: its globals BOF is followed by FILEPASS (the rest is RC4/XOR-encrypted).

    The stream starts a sector, so its BOF is found by a byte search like the stream names above.
    """
    for m in _BIFF_GLOBALS_BOF.finditer(data):
        after = m.start() + 4 + m.group(1)[0]
        if data[after : after + 2] == _BIFF_FILEPASS:
            return True
    return False


def _over_limit(over: OverLimit) -> ReadError:
    if over.kind == "entries":
        return fail("E-FILE-TOO-MANY-PARTS", found=over.found, expected=MAX_PARTS)
    if over.kind == "directory":
        return fail("E-FILE-TOO-MANY-PARTS", found=f">{MAX_PARTS}", expected=MAX_PARTS)
    return fail("E-FILE-TOO-LARGE", found=f"{over.member} 解压超过 {_mib(over.limit)}", expected=_mib(over.limit))


def _check_sizes(infos: list[zipfile.ZipInfo]) -> None:
    total = 0
    for info in infos:
        size = info.file_size
        if size > MAX_MEMBER_UNCOMPRESSED:
            raise fail("E-FILE-TOO-LARGE", found=f"{info.filename} {_mib(size)}",
                       expected=_mib(MAX_MEMBER_UNCOMPRESSED))
        if size >= RATIO_CHECK_MIN_BYTES and size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            ratio = size // max(info.compress_size, 1)
            raise fail("E-FILE-TOO-LARGE", found=f"{info.filename} 压缩比 {ratio}:1",
                       expected=f"{MAX_COMPRESSION_RATIO}:1")
        if info.compress_type not in ALLOWED_COMPRESSION or info.flag_bits & 0x1:
            raise fail("E-FILE-CORRUPT", found=f"{info.filename} 使用了不支持的压缩或加密方式")
        total += size
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise fail("E-FILE-TOO-LARGE", found=_mib(total), expected=_mib(MAX_TOTAL_UNCOMPRESSED))


def _check_not_ods(zf: CheckedZip, names: dict[str, zipfile.ZipInfo]) -> None:
    """OpenDocument packages name their type in a tiny first member, `mimetype`; a password-protected one
    lists the encryption of its members in the manifest (a byte search, not an XML parse)."""
    info = names.get("mimetype")
    if info is None or info.file_size > 256:
        return
    if zf.read(info).strip().startswith(ODS_MIMETYPE):
        if _ods_encrypted(zf, names.get(ODS_MANIFEST)):
            raise fail("E-FILE-ENCRYPTED")
        raise fail("E-FILE-ODS")


def _ods_encrypted(zf: CheckedZip, manifest: zipfile.ZipInfo | None) -> bool:
    """A damaged manifest leaves the file an .ods as before (LibreOffice, if asked, will fail on it)."""
    if manifest is None:
        return False
    try:
        return ODS_ENCRYPTED in zf.read(manifest)
    except ReadError:
        return False


def _check_macros_and_links(zf: CheckedZip, names: dict[str, zipfile.ZipInfo]) -> None:
    """Macros are refused by what the package holds: a VBA project or macro sheet part, or a workbook part
    whose content type is macro-enabled. A content type declared for parts the package lacks (SheetJS
    declares a macro-enabled Default for every .bin) is no macro."""
    for name in names:
        if name.endswith("vbaproject.bin") or name.startswith("xl/macrosheets/"):
            raise fail("E-FILE-MACROS")
    for name in names:
        if name.startswith("xl/externallinks/"):
            raise fail("E-FILE-EXTERNAL-LINKS")
    types = names.get(CONTENT_TYPES_PART.lower())
    if types is None:
        return
    type_of = _content_types(zf.read(types))
    if MACRO_WORKBOOK in type_of(WORKBOOK_PART):
        raise fail("E-FILE-MACROS")
    for name in names:
        if any(kind in type_of(name) for kind in MACRO_TYPES):
            raise fail("E-FILE-MACROS")


def _content_types(xml: bytes) -> Callable[[str], str]:
    """Part name -> its lower-cased content type by OPC's rule: its Override, else its extension's Default."""
    try:
        root = safe_etree.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise fail("E-FILE-XML-UNSAFE", found=CONTENT_TYPES_PART) from None
    except ParseError as exc:
        raise fail("E-FILE-CORRUPT", found=f"{CONTENT_TYPES_PART} XML 格式错误：{exc}") from None
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for el in root:
        kind = el.get("ContentType", "").lower()
        if el.tag.endswith("Default"):
            defaults[el.get("Extension", "").lower()] = kind
        elif el.tag.endswith("Override"):
            overrides[el.get("PartName", "").lstrip("/").lower()] = kind

    def type_of(name: str) -> str:
        name = name.lower()
        return overrides.get(name) or defaults.get(name.rpartition(".")[2], "")

    return type_of


def _mib(n: int) -> str:
    return f"{n / MiB:.0f} MiB" if n >= MiB else f"{n} 字节"
