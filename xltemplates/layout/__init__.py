"""Template + context + data -> Layout: every cell of every sheet, with position, span, role and value.

Pure and shared: the writer emits a Layout, the reader compares a returned grid against one. Nothing here
touches a file. model: the types; grid / table: placing each kind of block; build: whole sheets and layouts.
"""

from .build import build_layout, build_sheet, fingerprint, layout_data, sheet_names
from .model import SPARE, UNKNOWN, Layout, LBlock, LCell, LPrint, LRow, LSheet, LTable, Validation, Value
from .table import preset_lock, table_rows

__all__ = [
    "SPARE",
    "UNKNOWN",
    "LBlock",
    "LCell",
    "LPrint",
    "LRow",
    "LSheet",
    "LTable",
    "Layout",
    "Validation",
    "Value",
    "build_layout",
    "build_sheet",
    "fingerprint",
    "layout_data",
    "preset_lock",
    "sheet_names",
    "table_rows",
]
