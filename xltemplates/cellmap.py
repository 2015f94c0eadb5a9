"""Where each data value sits on the form: data path -> (sheet, A1), so any finding can name its cell.

A path is a tuple of keys and indexes into the data JSON: ("部门单位名称",), ("绩效指标", 3, "指标值"),
("项目", 0, "预算数"). The reader fills it from the returned workbook (rows may have moved); generate fills
it from the layout it is about to write.
"""

from __future__ import annotations

from .a1 import a1
from .layout import Layout

DataPath = tuple[str | int, ...]
CellMap = dict[DataPath, tuple[str, str]]


def from_layout(layout: Layout) -> CellMap:
    """The cells each data value will occupy in a workbook generated from `layout`."""
    out: CellMap = {}
    for sheet in layout.sheets:
        prefix: DataPath = () if sheet.index is None else (sheet.spec.repeat or "", sheet.index)
        for cell in sheet.cells.values():
            if cell.field is not None:
                out[(*prefix, cell.field)] = (sheet.name, a1(cell.row, cell.col))
        for block in sheet.blocks:
            t = block.table
            if t is None:
                continue
            out[(*prefix, t.spec.name)] = (sheet.name, a1(t.header_row, 0))
            for i, row in enumerate(t.positions):
                for key, col in t.cols.items():
                    out[(*prefix, t.spec.name, i, key)] = (sheet.name, a1(row, col))
    return out
