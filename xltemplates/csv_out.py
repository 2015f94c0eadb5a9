"""The one CSV writer: every CSV the project writes (export, manifest.csv of generate and rollover, the send
list) goes through `csv_bytes`, UTF-8 with a BOM (Excel and WPS then read the Chinese right).

CSV has no way to say "text", and a spreadsheet program opening the file evaluates a cell that begins
with = + - @ (and, in some, a tab or carriage return): a clerk's ``=HYPERLINK(...)`` or
``@cmd|' /C calc'!A0`` (in a value, a file name, a unit name) would run on the bureau's PC. Such text is
written with a leading apostrophe (OWASP's advice for CSV injection), which spreadsheets hide and an importer
can strip; numbers are written as numbers, a negative one included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a CSV cell as a formula (OWASP, CSV injection)."""


def csv_value(v: object) -> str:
    """The cell as CSV text: numbers as numbers, text that a spreadsheet would evaluate made inert."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float)):
        return str(v)
    text = str(v)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[object]], line_end: str = "\r\n") -> bytes:
    """One CSV file: a header line, then the rows, each value (and header) through csv_value."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=line_end)
    w.writerow([csv_value(c) for c in columns])
    w.writerows([csv_value(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")
