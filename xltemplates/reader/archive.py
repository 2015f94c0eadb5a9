"""Zip archives read within bounds: a returned workbook, and the returns archive that collect reads.

zipfile trusts an archive in two ways this module takes away. It builds a ZipInfo for every record its
central directory holds (however many the directory's byte size fits, whatever count the end record
declares), and ``ZipFile.read`` inflates a member in one call, up to 2 GiB, before cutting it to the
declared size. So, before zipfile opens an archive, `check_directory` bounds every central directory zipfile
could read, and `Inflater` reads members in chunks, counting the bytes that come out, never trusting
declared sizes.

Which directory zipfile reads is its private business, and it has changed: before the fix for CVE-2025-8291
(gh-139700, backported to the maintained 3.x lines) it took the zip64 end record just before the zip64
locator; since, the one at the offset the locator gives. A guard that mirrors one search lets a file crafted
for the other by. So `directories` lists every candidate (the 32-bit end record's directory, the zip64 end
record before the locator, the one at the locator's offset) and each must pass: the guard holds whichever
search the running Python does, and no real workbook has candidates that disagree.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from typing import IO, Literal

EOCD, EOCD_SIZE = b"PK\x05\x06", 22
ZIP64_LOCATOR, ZIP64_LOCATOR_SIZE = b"PK\x06\x07", 20
ZIP64_EOCD, ZIP64_EOCD_SIZE = b"PK\x06\x06", 56
CD_RECORD, CD_RECORD_SIZE = b"PK\x01\x02", 46
MAX_COMMENT = 0xFFFF
CHUNK = 1024 * 1024

Limit = Literal["entries", "directory", "member", "total"]


class OverLimit(Exception):
    """An archive, or a member of it, is bigger than a bound allows; `kind` says which bound."""

    def __init__(self, kind: Limit, found: int, limit: int, member: str = "") -> None:
        super().__init__(f"{kind} {found} > {limit} {member}".strip())
        self.kind, self.found, self.limit, self.member = kind, found, limit, member


@dataclass(frozen=True, slots=True)
class Directory:
    """Where zipfile will read the central directory: `size` bytes from `start`; `declared` records."""

    start: int
    size: int
    declared: int


def directories(fp: IO[bytes]) -> list[Directory]:
    """Every central directory a version of zipfile may read (none: zipfile finds no end record and refuses)."""
    fp.seek(0, 2)
    file_size = fp.tell()
    at = _end_record(fp, file_size)
    if at is None:
        return []
    out = []
    locator = at - ZIP64_LOCATOR_SIZE
    fp.seek(max(locator, 0))
    head = fp.read(ZIP64_LOCATOR_SIZE)
    if locator >= ZIP64_EOCD_SIZE and head[:4] == ZIP64_LOCATOR:
        (pointed,) = struct.unpack_from("<Q", head, 8)
        before = locator - ZIP64_EOCD_SIZE  # zipfile before gh-139700 (no zip64 extensible data assumed)
        for record_at in sorted({before, pointed} if pointed <= before else {before}):  # since: the locator's offset
            fp.seek(record_at)
            record = fp.read(ZIP64_EOCD_SIZE)
            if record[:4] == ZIP64_EOCD:
                declared64, size64 = struct.unpack_from("<QQ", record, 32)
                out.append(Directory(record_at - size64, size64, declared64))
    fp.seek(at)
    declared, size = struct.unpack_from("<HL", fp.read(EOCD_SIZE), 10)
    # 0xFFFF and 0xFFFFFFFF say "see the zip64 record": a count zipfile does not use (it walks by size), and a
    # size it cannot (the directory would start before the file)
    if size != 0xFFFFFFFF:
        out.append(Directory(at - size, size, 0 if declared == 0xFFFF else declared))
    return out


def _end_record(fp: IO[bytes], file_size: int) -> int | None:
    """Where the (32-bit) end record is, found as zipfile finds it."""
    if file_size < EOCD_SIZE:
        return None
    fp.seek(file_size - EOCD_SIZE)
    tail = fp.read()
    if tail[:4] == EOCD and tail[-2:] == b"\0\0":  # no archive comment: the record ends the file
        return file_size - EOCD_SIZE
    # a comment follows the record: zipfile takes the last signature in the last 64 KiB
    search_from = max(file_size - MAX_COMMENT - EOCD_SIZE, 0)
    fp.seek(search_from)
    window = fp.read()
    found = window.rfind(EOCD)
    if found < 0 or found + EOCD_SIZE > len(window):
        return None
    return search_from + found


def check_directory(fp: IO[bytes], max_entries: int, max_bytes: int) -> None:
    """Raise OverLimit when any directory zipfile may read is over `max_bytes`, or declares or holds over
    `max_entries` records. Reads at most `max_bytes` per candidate; a damaged one is left for zipfile to refuse."""
    for where in directories(fp):
        _check_one(fp, where, max_entries, max_bytes)


def _check_one(fp: IO[bytes], where: Directory, max_entries: int, max_bytes: int) -> None:
    if where.declared > max_entries:
        raise OverLimit("entries", where.declared, max_entries)
    if where.size > max_bytes:
        raise OverLimit("directory", where.size, max_bytes)
    if where.start < 0:
        return
    fp.seek(where.start)
    data = fp.read(where.size)
    pos = entries = 0
    while pos < where.size:  # zipfile's own loop: by bytes, not by the declared count
        if data[pos : pos + 4] != CD_RECORD or pos + CD_RECORD_SIZE > len(data):
            return
        entries += 1
        if entries > max_entries:
            raise OverLimit("entries", entries, max_entries)
        name, extra, comment = struct.unpack_from("<HHH", data, pos + 28)
        pos += CD_RECORD_SIZE + name + extra + comment


class Inflater:
    """Reads members of one archive, counting every inflated byte against a per-member and a total limit."""

    def __init__(self, member_limit: int, total_limit: int) -> None:
        self.member_limit, self.total_limit = member_limit, total_limit
        self.total = 0

    def read(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        """The member's bytes, inflated a chunk at a time; OverLimit as soon as a limit is passed."""
        parts: list[bytes] = []
        size = 0
        with zf.open(info) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                self.total += len(chunk)
                if size > self.member_limit:
                    raise OverLimit("member", size, self.member_limit, info.filename)
                if self.total > self.total_limit:
                    raise OverLimit("total", self.total, self.total_limit, info.filename)
                parts.append(chunk)
        return b"".join(parts)
