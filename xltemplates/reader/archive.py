"""Zip archives read within bounds: a returned workbook, and the returns archive that collect reads.

zipfile trusts an archive in two ways this module takes away. It builds a ZipInfo for every record its
central directory holds (however many the directory's byte size fits, whatever count the end record
declares), and ``ZipFile.read`` inflates a member in one call, up to 2 GiB, before cutting it to the
declared size. So, before zipfile opens an archive, `check_directory` locates the central directory
exactly as zipfile will (the end record, then a zip64 end record just before a zip64 locator, whatever
the 32-bit fields or the locator's offset say) and walks it record by record, stopping past the limit;
and `Inflater` reads members in chunks, counting the bytes that come out, never trusting declared sizes.
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


def locate_directory(fp: IO[bytes]) -> Directory | None:
    """The central directory as zipfile finds it; None when zipfile finds none (it then refuses the file)."""
    fp.seek(0, 2)
    file_size = fp.tell()
    if file_size < EOCD_SIZE:
        return None
    fp.seek(file_size - EOCD_SIZE)
    tail = fp.read()
    if tail[:4] == EOCD and tail[-2:] == b"\0\0":  # no archive comment: the record ends the file
        at = file_size - EOCD_SIZE
    else:  # a comment follows the record: zipfile takes the last signature in the last 64 KiB
        search_from = max(file_size - MAX_COMMENT - EOCD_SIZE, 0)
        fp.seek(search_from)
        window = fp.read()
        found = window.rfind(EOCD)
        if found < 0 or found + EOCD_SIZE > len(window):
            return None
        at = search_from + found
        fp.seek(at)
        tail = fp.read(EOCD_SIZE)
    declared, size = struct.unpack_from("<HL", tail, 10)
    start = at - size
    if at >= ZIP64_LOCATOR_SIZE + ZIP64_EOCD_SIZE:
        fp.seek(at - ZIP64_LOCATOR_SIZE)
        if fp.read(4) == ZIP64_LOCATOR:
            fp.seek(at - ZIP64_LOCATOR_SIZE - ZIP64_EOCD_SIZE)
            record = fp.read(ZIP64_EOCD_SIZE)
            if record[:4] == ZIP64_EOCD:
                declared, size = struct.unpack_from("<QQ", record, 32)
                start = at - ZIP64_LOCATOR_SIZE - ZIP64_EOCD_SIZE - size
    return Directory(start, size, declared)


def check_directory(fp: IO[bytes], max_entries: int, max_bytes: int) -> None:
    """Raise OverLimit when the directory zipfile will read is over `max_bytes`, or declares or holds over
    `max_entries` records. Reads at most `max_bytes`; a damaged directory is left for zipfile to refuse."""
    where = locate_directory(fp)
    if where is None:
        return
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
