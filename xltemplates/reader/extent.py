"""How many cells an .xls or .ods would unfold into, measured from the bytes before a parser sees them.

python-calamine (reader/legacy.py) holds each sheet as a dense grid from A1 to its last cell, so a 5.6 KB
.xls with one value in A1 and one in IV65536 costs 16.7 million cells (1 GiB, 6.6 s), and an .ods can
repeat one cell a million times in a few bytes. The zip and size guards (reader/guards.py) bound the
bytes, not this: here each sheet's extent is measured from the file itself and the whole workbook refused
past MAX_LEGACY_CELLS.

- .xls: the Workbook stream is found in the OLE2 compound file (sector chains walked with every index
  checked and no chain longer than the file) and its BIFF records scanned; each cell record names its row
  and column (MS-XLS 2.4), so a sheet's extent is the largest row and column any record with a value names.
- .ods: content.xml is streamed through the defused expat parser counting rows and cells with their repeat
  attributes; a sheet's extent ends at its last cell that holds a value or text (LibreOffice repeats empty
  styled rows to the end of the sheet, which no reader unfolds).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import defusedxml.ElementTree as safe_etree

from ..limits import MAX_LEGACY_CELLS

FREE, END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
WORKBOOK_STREAMS = ("workbook", "book")
# NUMBER, RK, LABELSST, LABEL, FORMULA, BOOLERR, RSTRING, BLANK: row and column in their first 4 bytes
CELL_RECORDS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x0006, 0x0205, 0x00D6, 0x0201}
MULTI_RECORDS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, ..., last column in the final 2 bytes
BOF, EOF = 0x0809, 0x000A
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"

__all__ = ["ExtentError", "ods_cells", "xls_cells"]


class ExtentError(ValueError):
    """The file's structure cannot be walked (a broken chain, a record past the end): the file is corrupt."""


def xls_cells(data: bytes) -> int:
    """Cells calamine would hold for this .xls: the sum over its sheets of (last row + 1) × (last col + 1)."""
    stream = _workbook_stream(data)
    total, rows, cols, depth = 0, 0, 0, 0
    for kind, body in _records(stream):
        if kind == BOF:
            depth += 1
            rows = cols = 0
        elif kind == EOF:
            depth -= 1
            total += rows * cols
            rows = cols = 0
            if total > MAX_LEGACY_CELLS:
                return total
        elif kind in CELL_RECORDS and len(body) >= 4:
            r, c = struct.unpack_from("<HH", body)
            rows, cols = max(rows, r + 1), max(cols, c + 1)
        elif kind in MULTI_RECORDS and len(body) >= 6:
            r, _ = struct.unpack_from("<HH", body)
            (last,) = struct.unpack_from("<H", body, len(body) - 2)
            rows, cols = max(rows, r + 1), max(cols, last + 1)
    return total + rows * cols


def ods_cells(content_xml: bytes) -> int:
    """Cells an .ods unfolds into: per table, (rows up to its last non-empty cell) × (widest such row)."""
    counter = _OdsCounter()
    parser = safe_etree.XMLParser(target=counter, forbid_dtd=True)
    expat = parser.parser
    expat.ordered_attributes = False
    expat.StartElementHandler = counter.start
    expat.EndElementHandler = counter.end
    expat.CharacterDataHandler = counter.data
    parser.feed(content_xml)
    parser.close()
    return counter.total


class _OdsCounter:
    """expat callbacks (names arrive as "namespace local" pairs split by a space, as defusedxml sets them)."""

    def __init__(self) -> None:
        self.total = 0
        self.row = 0  # rows before the current one, repeats counted
        self.row_repeat = 1
        self.col = 0
        self.cell_repeat = 1
        self.cell_filled = False
        self.last_row = 0  # rows up to and including the last one holding a value
        self.last_col = 0
        self.row_last_col = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        ns, _, local = tag.rpartition("}") if "}" in tag else tag.rpartition(" ")
        ns = ns.lstrip("{")
        if ns == TABLE_NS:
            if local == "table":
                self.row = self.last_row = self.last_col = 0
            elif local == "table-row":
                self.row_repeat = _repeat(attrs, "number-rows-repeated")
                self.col = self.row_last_col = 0
            elif local in ("table-cell", "covered-table-cell"):
                self.cell_repeat = _repeat(attrs, "number-columns-repeated")
                self.cell_filled = any(k.endswith("value-type") for k in attrs)
        elif ns == TEXT_NS and local == "p":
            self.cell_filled = True

    def end(self, tag: str) -> None:
        local = tag.rpartition("}")[2] if "}" in tag else tag.rpartition(" ")[2]
        if local in ("table-cell", "covered-table-cell"):
            self.col += self.cell_repeat
            if self.cell_filled:
                self.row_last_col = self.col
            self.cell_repeat, self.cell_filled = 1, False
        elif local == "table-row":
            self.row += self.row_repeat
            if self.row_last_col:
                self.last_row = self.row
                self.last_col = max(self.last_col, self.row_last_col)
        elif local == "table":
            self.total += self.last_row * self.last_col

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def _repeat(attrs: dict[str, Any], name: str) -> int:
    for key, value in attrs.items():
        if key.endswith(name):
            try:
                return max(1, int(value))
            except ValueError:
                return 1
    return 1


# ---- OLE2 compound file ---------------------------------------------------------------------------------

def _workbook_stream(data: bytes) -> bytes:
    """The bytes of the Workbook (BIFF8) or Book (BIFF5) stream of a compound file."""
    if len(data) < 512:
        raise ExtentError("compound file header truncated")
    sector_shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if sector_shift not in (9, 12) or mini_shift != 6:
        raise ExtentError("unknown sector size")
    size = 1 << sector_shift
    n_sectors = (len(data) - size) // size + 1
    first_dir, = struct.unpack_from("<I", data, 48)
    cutoff, first_minifat, _, first_difat, n_difat = struct.unpack_from("<IIIII", data, 56)
    fat_ids = [x for x in struct.unpack_from("<109I", data, 76) if x not in (FREE, END_OF_CHAIN)]
    sector = first_difat
    for _ in range(min(n_difat, n_sectors)):
        if sector in (FREE, END_OF_CHAIN):
            break
        block = _sector(data, sector, size)
        ids = struct.unpack(f"<{size // 4}I", block)
        fat_ids.extend(x for x in ids[:-1] if x not in (FREE, END_OF_CHAIN))
        sector = ids[-1]
    if len(fat_ids) > n_sectors:
        raise ExtentError("FAT larger than the file")
    fat: list[int] = []
    for s in fat_ids:
        fat.extend(struct.unpack(f"<{size // 4}I", _sector(data, s, size)))
    directory = b"".join(_sector(data, s, size) for s in _chain(fat, first_dir, n_sectors))
    entries = list(_entries(directory))
    if not entries:
        raise ExtentError("empty directory")
    for name, start, length in entries[1:]:
        if name.lower() not in WORKBOOK_STREAMS:
            continue
        if length >= cutoff:
            stream = b"".join(_sector(data, s, size) for s in _chain(fat, start, n_sectors))
            return stream[:length]
        root_start = entries[0][1]
        mini_stream = b"".join(_sector(data, s, size) for s in _chain(fat, root_start, n_sectors))
        minifat_bytes = b"".join(_sector(data, s, size) for s in _chain(fat, first_minifat, n_sectors))
        minifat = list(struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes))
        n_mini = len(mini_stream) // 64
        parts = [mini_stream[s * 64:(s + 1) * 64] for s in _chain(minifat, start, n_mini)]
        return b"".join(parts)[:length]
    raise ExtentError("no Workbook stream")


def _sector(data: bytes, index: int, size: int) -> bytes:
    start = (index + 1) * size
    if index >= 0xFFFFFFFA or start >= len(data):
        raise ExtentError(f"sector {index} outside the file")
    return data[start:start + size]


def _chain(fat: list[int], start: int, limit: int) -> Iterator[int]:
    """Sector indexes of a chain; a cycle or a chain longer than the file is an error."""
    n = 0
    while start not in (FREE, END_OF_CHAIN):
        if start >= len(fat) or n > limit:
            raise ExtentError("broken sector chain")
        yield start
        start = fat[start]
        n += 1


def _entries(directory: bytes) -> Iterator[tuple[str, int, int]]:
    """(name, start sector, size) of each directory entry (128 bytes each)."""
    for off in range(0, len(directory) - 127, 128):
        name_len, kind = struct.unpack_from("<HB", directory, off + 64)
        if kind == 0:
            continue
        name = directory[off:off + max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
        start, length = struct.unpack_from("<IQ", directory, off + 116)
        yield name, start, length & 0xFFFFFFFF


def _records(stream: bytes) -> Iterator[tuple[int, bytes]]:
    off, end = 0, len(stream)
    while off + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, off)
        body = stream[off + 4:off + 4 + length]
        if len(body) < length:
            return  # the stream's padding or a cut record: nothing after it can unfold
        yield kind, body
        off += 4 + length
