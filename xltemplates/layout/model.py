"""The layout's types: every cell of a sheet with its place, role and value (shared by writer and reader)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..form.model import GridBlock, PrintSpec, Role, SheetSpec, Style, TableBlock, Template, ValueType

Value = str | float | int | None

#: Stands for a context value the reader does not know (a workbook without its identity sheet): a label built
#: from it matches any text there, and a default built from it is no default at all.
UNKNOWN = "\ue000"


@dataclass(frozen=True, slots=True)
class Follows:
    """A spare sheet's title that follows the sheet's own field (its 项目名称): written as a formula, so the
    title the clerk prints reads 「14、村道维修绩效目标表」 once the name is typed, and 「14、项目支出绩效目标表」
    while it is empty. The reader accepts the issued text or the one recomputed from the field's value."""

    field: str  # the data key of the cell the title reads (on the same sheet)
    prefix: str  # the text before the field's value ("14、")
    default: str  # what stands for an empty field ("项目支出")
    suffix: str  # the text after it ("绩效目标表")

    def text(self, value: object) -> str:
        """The title as a client computes it from the field's value."""
        shown = "" if value is None else str(value)
        return f"{self.prefix}{shown if shown != '' else self.default}{self.suffix}"

    def formula(self, ref: str) -> str:
        """The formula (without its '=') that computes `text` from the cell at `ref` (A1)."""
        def q(s: str) -> str:
            return '"' + s.replace('"', '""') + '"'
        return f'{q(self.prefix)}&IF({ref}="",{q(self.default)},{ref})&{q(self.suffix)}'

    @staticmethod
    def parse(formula: str) -> tuple[Follows, str] | None:
        """A formula of `formula`'s shape (as stored, without its '='): its texts and the cell it reads, with
        no field (a sheet the reader could not match to an issued one); None for any other formula."""
        m = _FOLLOWS.fullmatch(formula.strip().lstrip("=").strip())
        if m is None or m.group(2).replace("$", "").upper() != m.group(4).replace("$", "").upper():
            return None
        def u(s: str) -> str:
            return s.replace('""', '"')
        return Follows("", u(m.group(1)), u(m.group(3)), u(m.group(5))), m.group(2).replace("$", "").upper()


_TEXT = r'"((?:[^"]|"")*)"'
_REF = r"(\$?[A-Za-z]{1,3}\$?[0-9]{1,7})"
_FOLLOWS = re.compile(rf'{_TEXT}\s*&\s*IF\(\s*{_REF}\s*=\s*""\s*,\s*{_TEXT}\s*,\s*{_REF}\s*\)\s*&\s*{_TEXT}',
                      re.IGNORECASE)


@dataclass(slots=True)  # not frozen: a layout builds thousands, and frozen construction costs 3x
class LCell:
    row: int
    col: int
    role: Role
    value: Value
    style: Style
    locked: bool
    vtype: ValueType = ValueType.TEXT
    field: str | None = None  # grid value cells: the data key
    label: str | None = None  # what messages call this cell
    list: str | None = None
    hint: str | None = None
    required: bool = False
    max_length: int | None = None
    decimals: int | None = None  # number/money: decimal places shown
    follows: Follows | None = None  # a spare sheet's title: a formula over the sheet's own 项目名称


@dataclass(frozen=True, slots=True)
class LRow:
    values: dict[str, Value]
    locked: frozenset[str]  # column keys locked in this row (grey, issued)

    @property
    def issued(self) -> bool:
        return bool(self.locked)


@dataclass(frozen=True, slots=True)
class Validation:
    first_row: int
    last_row: int
    col: int
    list: str | None  # None: no dropdown; a number check (`number`) or only the input hint (shown when the cell is selected)
    cascade_col: int | None = None  # the parent column that selects the list (the row's own, or the nearest above)
    cascade_row: int | None = None  # a grey group's top row: the 一级 its rows share when written; None = unknown
    hint: str | None = None
    title: str | None = None
    number: ValueType | None = None  # a number/money cell: only a number is accepted (at `decimals` places)
    decimals: int | None = None


@dataclass(slots=True)
class LTable:
    spec: TableBlock
    header_row: int  # the first header row (a two-row header's group row)
    first_row: int  # the first data row
    end_row: int  # exclusive: issued rows + pre-allocated blank rows
    cols: dict[str, int]  # column key -> first sheet column
    rows: list[LRow]
    positions: list[int]  # the sheet row of each of `rows` (spare rows close each group of grey rows)


@dataclass(slots=True)
class LBlock:
    spec: GridBlock | TableBlock
    first_row: int
    end_row: int  # exclusive
    table: LTable | None = None


@dataclass(frozen=True, slots=True)
class LPrint:
    """How a laid-out sheet prints (see page.py)."""

    spec: PrintSpec
    repeat_rows: tuple[int, int] | None  # first and last row printed at the top of every page (a table's header)
    last_row: int  # the print area runs from the first row to this one, over all the sheet's columns
    footer: tuple[str, str, str]  # left, centre, right, rendered for the unit; {page} and {pages} are page numbers


@dataclass(slots=True)
class LSheet:
    name: str
    spec: SheetSpec
    index: int | None  # repeated sheets: position in the data list
    number: int | None = None  # repeated sheets: the 1-based `index` its labels show; None = not known (reader)
    cells: dict[tuple[int, int], LCell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    #: rows a clerk types in: their height is a minimum the client may raise to show what is typed (written
    #: without Excel's customHeight, so Excel, WPS and LibreOffice fit the row to a wrapped text when it changes)
    grows: set[int] = field(default_factory=set)
    blocks: list[LBlock] = field(default_factory=list)
    validations: list[Validation] = field(default_factory=list)
    printing: LPrint | None = None  # set once the sheet is built (page.py)


@dataclass(slots=True)
class Layout:
    template: Template
    sheets: list[LSheet]
    issued: dict[str, Any]  # the locked (grey) values, in the data's own shape
    fingerprint: str


#: The key that marks an item of a repeated sheet issued empty for the unit's own use (`generate
#: --spare-projects`), in the data the layout is built from and in what was issued: check ignores its sheet
#: while it comes back untouched. Not a field: no template may name one so (fields do not start with "_").
SPARE = "_spare"


def present(v: Value) -> bool:
    return v is not None and v != ""
