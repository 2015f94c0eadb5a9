"""The round's tables as CSV files, one per table, for the budget system: UTF-8 with a BOM (Excel and WPS
then read the Chinese right).

CSV has no way to say "text", and a spreadsheet program opening the file evaluates a cell that begins
with = + - @ (and, in some, a tab or carriage return): a clerk's ``=HYPERLINK(...)`` or
``@cmd|' /C calc'!A0`` would run on the bureau's PC. Such text is written with a leading apostrophe
(OWASP's advice for CSV injection), which spreadsheets hide and an importer can strip; numbers are
written as numbers, a negative one included. The .xlsx export needs no such mark: its cells are text.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

from ..fsutil import write_atomic
from .export_tables import Cell, Table
from .export_xlsx import sheet_names

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a CSV cell as a formula (OWASP, CSV injection)."""


def csv_value(v: Cell) -> str:
    """The cell as CSV text: numbers as numbers, text that a spreadsheet would evaluate made inert."""
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, str):
        return "'" + v if v.startswith(FORMULA_TRIGGERS) else v
    return str(v)


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """One CSV file: a header line, then the rows, each value through csv_value."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    w.writerows([csv_value(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def csv_files(tables: list[Table]) -> list[tuple[str, bytes]]:
    """(<table>.csv, its bytes) per table, named as the .xlsx sheets."""
    return [(f"{name}.csv", csv_bytes(table.columns, table.rows))
            for table, name in zip(tables, sheet_names(tables), strict=True)]


def csv_zip(tables: list[Table]) -> bytes:
    """The CSV files in one zip archive (the web desk's download)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in csv_files(tables):
            zf.writestr(name, content)
    return buf.getvalue()


def write_csv_dir(tables: list[Table], out_dir: str | Path) -> list[Path]:
    """One <table>.csv per table (names as the .xlsx sheets); returns the files written."""
    written = []
    for name, content in csv_files(tables):
        path = Path(out_dir) / name
        write_atomic(path, content)
        written.append(path)
    return written
