"""Hostile inputs for the trust tests, built in the test: re-zipped packages and runs under a memory limit.

Not a test module. ``rezip`` rewrites a package member by member; ``issued`` is a clean workbook of ours
to start from; ``run_cli`` runs ``xltemplates`` in a child process whose address space is capped with
``resource.setrlimit(RLIMIT_AS)``, so a file that makes the checker balloon fails the run (MemoryError or
a kill) instead of swapping the test machine.
"""

from __future__ import annotations

import io
import re
import resource
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from returned import DEPT, context

from xltemplates.a1 import col_letters
from xltemplates.writer.generate import generate_bytes

MiB = 1024 * 1024
MEMORY_LIMIT = 512 * MiB
"""Address space for one CLI run: Python with our imports reserves ~250 MiB; a check needs a few dozen more."""

Edit = Callable[[str, bytes], bytes | None]


def rezip(data: bytes, edit: Edit, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """`data` with each member's body replaced by edit(name, body); None drops the member."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", compression) as dst:
        for info in src.infolist():
            body = edit(info.filename, src.read(info))
            if body is not None:
                dst.writestr(info.filename, body)
    return buf.getvalue()


def replace_in(part: str, old: bytes, new: bytes) -> Edit:
    """An edit replacing `old` by `new` in one member, which must contain it."""
    corner = b'<row r="300"><c r="AN300" t="inlineStr"><is><t>x</t></is></c></row>'  # the grid is drawn to here

    def edit(name: str, body: bytes) -> bytes:
        if name != part:
            return body
        body = body.replace(b"</sheetData>", corner + b"</sheetData>", 1)
        assert old in body, f"{old!r} not in {part}"
        return body.replace(old, new)
    return edit


def issued(template_id: str = DEPT) -> bytes:
    """A clean workbook as the bureau sends it (xlsxwriter: shared strings, one sheet part per sheet)."""
    return generate_bytes(template_id, context(), None, allow_findings=True).content


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`xltemplates *args` in a child process with MEMORY_LIMIT of address space."""
    cmd = [sys.executable, "-c", "from xltemplates.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, preexec_fn=_limit_memory,
                          check=False)


# ---- zips written by hand: what a zip library would refuse to write ----------------------------------------

@dataclass(frozen=True, slots=True)
class Member:
    """A member as stored: `raw` is the deflated (or stored) bytes; `size` and `crc` are what it declares."""

    name: str
    raw: bytes
    size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED


def deflated(name: str, body: bytes) -> Member:
    """An honest member."""
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Member(name, c.compress(body) + c.flush(), len(body), zlib.crc32(body))


def zeros_declared_small(name: str, gib: int, declared: int = 15_000) -> Member:
    """A member that declares `declared` bytes and inflates to `gib` GiB of zeros (1 MiB compressed per GiB).

    One block of 16 MiB of zeros, ended by a full flush (byte-aligned, no reference to earlier data), is
    repeated: compressing a GiB for real takes seconds."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(16 * MiB)) + c.flush(zlib.Z_FULL_FLUSH)
    return Member(name, block * (64 * gib) + c.flush(), declared, 0)


def members_of(data: bytes) -> list[Member]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [deflated(i.filename, zf.read(i)) for i in zf.infolist()]


def central_record(m: Member, offset: int) -> bytes:
    name = m.name.encode()
    return struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0x800, m.method, 0, 0x21, m.crc, len(m.raw),
                       m.size, len(name), 0, 0, 0, 0, 0, offset) + name


def end_record(count: int, directory_size: int, directory_offset: int) -> bytes:
    return struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, directory_size, directory_offset, 0)


def zip_of(members: list[Member]) -> bytes:
    """The members, their central directory and the end record, exactly as declared."""
    body, directory = io.BytesIO(), io.BytesIO()
    for m in members:
        name = m.name.encode()
        directory.write(central_record(m, body.tell()))
        body.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, m.method, 0, 0x21, m.crc, len(m.raw), m.size,
                               len(name), 0) + name + m.raw)
    cd = directory.getvalue()
    return body.getvalue() + cd + end_record(len(members), len(cd), body.tell())


def directory_bomb(records: int) -> bytes:
    """A zip whose end record declares one 47-byte directory record while a zip64 end record, which
    zipfile prefers, declares `records` of them: a guard reading only the 32-bit end record lets it by."""
    one = Member("a", b"", 0, 0, zipfile.ZIP_STORED)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, 1, 0) + b"a"
    record = central_record(one, 0)
    directory = record * records
    offset, end = len(local), len(local) + len(directory)
    zip64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 1, 1, len(directory), offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    return local + directory + zip64 + locator + end_record(1, len(record), offset)


def zip64_disagreeing(records: int, bomb_at: str) -> bytes:
    """A zip whose two zip64 end records disagree: the one just before the zip64 locator (where zipfile looked
    before CVE-2025-8291's fix, gh-139700) and the one at the locator's offset (where it looks since, the gap
    between them declared as zip64 extensible data). `bomb_at` ("before-locator" or "locator-offset") says
    which of the two declares `records` directory records; the other declares one. Each is consistent for
    the zipfile that reads it, so a guard that mirrors only one search lets the other's bomb by."""
    one = Member("a", b"", 0, 0, zipfile.ZIP_STORED)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, 1, 0) + b"a"
    record = central_record(one, 0)
    big, small = record * records, record
    first_dir, second_dir = (small, big) if bomb_at == "before-locator" else (big, small)
    first_at = len(local)
    first_end = first_at + len(first_dir)  # the record at the locator's offset
    second_at = first_end + ZIP64_EOCD_SIZE
    second_end = second_at + len(second_dir)  # the record just before the locator
    extensible = second_end - first_end  # the new search: bytes between the first record's start and `second_end`
    first = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44 + extensible, 45, 45, 0, 0,
                        _count(first_dir), _count(first_dir), len(first_dir), first_at)
    second = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0,
                         _count(second_dir), _count(second_dir), len(second_dir), second_at)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, first_end, 1)
    return local + first_dir + first + second_dir + second + locator + end_record(1, len(record), second_at)


ZIP64_EOCD_SIZE = 56


def _count(directory: bytes) -> int:
    return directory.count(b"PK\x01\x02")


# ---- workbooks whose structure multiplies the work: many sheet entries, many merges -----------------------

def many_sheet_entries(n: int, template_id: str = DEPT) -> bytes:
    """An issued workbook whose workbook.xml lists `n` more <sheet> entries, all pointing at the first
    sheet's part: a few KB that every reader and the grid drawing would go through n more times."""
    data = issued(template_id)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        book = zf.read("xl/workbook.xml")
    first = re.search(rb'<sheet [^>]*r:id="(rId\d+)"[^>]*/>', book)
    assert first is not None
    extra = b"".join(b'<sheet name="x%d" sheetId="%d" r:id="%s"/>' % (i, 1000 + i, first.group(1)) for i in range(n))
    return rezip(data, replace_in("xl/workbook.xml", b"</sheets>", extra + b"</sheets>"))


def many_merges(n: int, template_id: str = DEPT) -> bytes:
    """An issued workbook whose first sheet declares `n` more merged ranges, nested: each from one of the
    12,000 cells of A1:AN300 (the drawn area: a value sits in AN300) to its far corner, the corner's
    neighbours first, repeated until there are n. A real sheet merges a few dozen ranges, none overlapping."""
    data = issued(template_id)
    tiles = [f"{col_letters(c)}{r + 1}:AN300" for r in reversed(range(300)) for c in reversed(range(40))][1:]
    refs = (tiles[i % len(tiles)] for i in range(n))
    cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs).encode()
    part = "xl/worksheets/sheet1.xml"

    corner = b'<row r="300"><c r="AN300" t="inlineStr"><is><t>x</t></is></c></row>'  # the grid is drawn to here

    def edit(name: str, body: bytes) -> bytes:
        if name != part:
            return body
        body = body.replace(b"</sheetData>", corner + b"</sheetData>", 1)
        if b"<mergeCells" in body:
            return re.sub(rb'<mergeCells count="\d+">', b'<mergeCells count="%d">' % n + cells, body, count=1)
        return body.replace(b"</sheetData>", b'</sheetData><mergeCells count="%d">' % n + cells + b"</mergeCells>", 1)

    return rezip(data, edit)
