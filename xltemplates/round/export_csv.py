"""The round's tables as CSV files, one per table, for the budget system, through the one CSV writer
(csv_out.py: text a spreadsheet would evaluate is made inert, numbers stay numbers). The .xlsx export needs
no such mark: its cells are text.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..csv_out import FORMULA_TRIGGERS, csv_bytes, csv_value
from ..fsutil import write_atomic
from .export_tables import Table
from .export_xlsx import sheet_names

__all__ = ["FORMULA_TRIGGERS", "csv_bytes", "csv_files", "csv_value", "csv_zip", "write_csv_dir"]

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
