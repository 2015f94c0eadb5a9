"""The template model: frozen dataclasses a template file is loaded into (see docs/template-language.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the rules are built on this model; a template holds them parsed
    from ..rules.base import Rule


class Role(StrEnum):
    """What a cell is on the form; the colour rules of the real forms hang off this."""

    TITLE = "title"
    INSTRUCTION = "instruction"
    HEADER = "header"  # blue
    REQUIRED = "required"  # yellow column header: data under it must be filled
    OPTIONAL = "optional"  # green column header: data under it may be empty
    PREFILLED = "prefilled"  # grey: bureau-issued data, locked when not empty
    ENTRY = "entry"  # white: the unit types here


#: Roles whose text is fixed by the template and must come back unchanged.
LABEL_ROLES = frozenset({Role.TITLE, Role.INSTRUCTION, Role.HEADER, Role.REQUIRED, Role.OPTIONAL})
#: Roles a data value may take.
VALUE_ROLES = frozenset({Role.PREFILLED, Role.ENTRY})


class ValueKind(StrEnum):
    """What part of an indicator value a table column holds (`value:` in a template file)."""

    INDICATOR = "indicator"  # the whole value in one cell (≥95%), parsed with the value grammar
    OPERATOR = "operator"  # split layout: the 指标值类型 (>, ≥, 定性 …)
    NUMBER = "number"  # split layout: the 指标值
    UNIT = "unit"  # split layout: the 计量单位
    SWITCH = "switch"  # the row's 定量/定性 switch (指标属性: 定量指标/定性指标), beside an operator column


class ValueType(StrEnum):
    """How a field's value is stored in its cell and carried in the data (see typed.py)."""

    TEXT = "text"  # stored as text (format @), so 95% and 001 survive
    NUMBER = "number"
    MONEY = "money"  # a number shown with two decimals (unless `decimals` says otherwise); compared exactly in 分
    INTEGER = "integer"  # a whole number (format 0)
    PERCENT = "percent"  # the number the cell stores (0.95), shown as a percentage (95%)
    DATE = "date"  # an Excel date in the cell, ISO text (2025-01-01) in the data

    @property
    def numeric(self) -> bool:
        """Stored and read as a number (a date is stored as one too, but read as a date)."""
        return self not in (ValueType.TEXT, ValueType.DATE)

    @property
    def typed(self) -> bool:
        """Anything but text: the cell gets a type check and its value is compared by value."""
        return self is not ValueType.TEXT


@dataclass(frozen=True, slots=True)
class Style:
    """Visual attributes of a role (or an override on one cell)."""

    fill: str | None = None
    font_color: str | None = None
    bold: bool = False
    size: float = 11
    align: str = "left"
    valign: str = "vcenter"
    wrap: bool = True
    border: bool = True
    font: str = "宋体"


@dataclass(frozen=True, slots=True)
class CellSpec:
    """One cell of a grid block: a fixed text, or a data field."""

    path: str  # key path in the template file, for error messages
    role: Role
    text: str | None = None  # label roles: the fixed text
    field: str | None = None  # value roles: the data key
    default: str | None = None  # value roles: rendered default (e.g. the unit name)
    span: int = 1  # columns; 0 means "to the last column"
    rowspan: int = 1
    type: ValueType = ValueType.TEXT
    list: str | None = None
    required: bool = False
    hint: str | None = None
    max_length: int | None = None
    style: Style | None = None
    decimals: int | None = None  # number/money: decimal places shown; None: General (a money field's is 2 unless given)
    per_item: bool = False  # label text is Jinja source using `item`/`index`, rendered per repeated sheet

    @property
    def identifying(self) -> bool:
        """A bureau-issued text naming its object (项目编码, 项目名称): grey, text, and no template default
        (a default such as the unit's name comes from the roster, not from the data)."""
        return self.role == Role.PREFILLED and self.type == ValueType.TEXT and self.default is None


@dataclass(frozen=True, slots=True)
class RowSpec:
    cells: tuple[CellSpec, ...]
    height: float | None = None


@dataclass(frozen=True, slots=True)
class GridBlock:
    """Fixed rows: titles, instructions, label/value pairs."""

    path: str
    rows: tuple[RowSpec, ...]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    path: str
    key: str  # the data key
    label: str  # the header text on the form
    role: Role  # header role: REQUIRED (yellow), OPTIONAL (green) or HEADER (blue)
    type: ValueType = ValueType.TEXT
    list: str | None = None
    cascade: str | None = None  # key of the column whose value selects this column's list
    merge: bool = False  # merge runs of equal values vertically (一级/二级)
    fill_down: bool = False  # blank cell takes the value above (merged or left blank)
    span: int = 1
    hint: str | None = None
    max_length: int | None = None
    value_kind: ValueKind | None = None  # the part of an indicator value this column holds; None: not one
    previous: str | None = None  # a 上年 column: shows last year's value of that column (grey, locked when filled)
    group: str | None = None  # a group header over this column (two-row header): adjacent columns with one group share it
    decimals: int | None = None  # number/money: decimal places shown; None: General (a money field's is 2 unless given)

    @property
    def required(self) -> bool:
        return self.role == Role.REQUIRED


@dataclass(frozen=True, slots=True)
class ValueColumns:
    """Where a table's indicator value sits: one combined column (≥95%), or split operator/number/unit
    columns. Column keys, or None where the table has no such column."""

    indicator: str | None = None
    operator: str | None = None
    number: str | None = None
    unit: str | None = None
    switch: str | None = None

    @classmethod
    def of(cls, columns: tuple[ColumnSpec, ...]) -> ValueColumns:
        kinds = {c.value_kind: c.key for c in columns if c.value_kind is not None}
        return cls(**{k.value: kinds.get(k) for k in ValueKind})

    def __bool__(self) -> bool:
        return any(getattr(self, k.value) for k in ValueKind)

    @property
    def split(self) -> bool:
        """Split layout: the number has its own column (with an operator and a unit beside it, or not)."""
        return self.number is not None


@dataclass(frozen=True, slots=True)
class TableBlock:
    """A growable table: a header (one row, or two when a column has a `group`), then issued (preset/data)
    rows and blank rows; optionally a label column down its left side."""

    path: str
    name: str  # the data key; also the label in messages
    columns: tuple[ColumnSpec, ...]
    presets: tuple[dict[str, Any], ...] = ()
    preset_locked: tuple[str, ...] | None = None  # columns locked in preset rows; None = all non-empty
    preset_editable: tuple[frozenset[str], ...] = ()  # per preset: columns left open despite preset_locked
    blank_rows: int = 20
    fill_rows: int | None = None  # blank rows fill the table up to this many rows in all (never fewer than blank_rows)
    spare_rows: int = 0  # white rows closing each group of issued (grey) rows, where the unit adds its own
    group_spare_rows: tuple[tuple[str, int], ...] = ()  # per 一级 of a group: its own count (0: the bureau's only)
    max_rows: int = 500
    header_height: float | None = None
    row_height: float | None = None
    min_rows: int = 0
    side_label: str | None = None  # a blue label in the sheet's first column, merged down the header and every row
    values: ValueColumns = field(init=False)  # computed once from the columns

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", ValueColumns.of(self.columns))

    def spares_for(self, group: object) -> int:
        """The spare rows closing a group of grey rows whose 一级 is `group`."""
        return next((n for key, n in self.group_spare_rows if key == group), self.spare_rows)

    @property
    def header_rows(self) -> int:
        """Two when a column has a group header above its own label, else one."""
        return 2 if any(c.group for c in self.columns) else 1

    @property
    def first_col(self) -> int:
        """The sheet column of the table's first column (the side label takes column A)."""
        return 1 if self.side_label is not None else 0

    def column(self, key: str) -> ColumnSpec:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


Block = GridBlock | TableBlock


@dataclass(frozen=True, slots=True)
class PrintSpec:
    """How a sheet prints (its `print:` key); the defaults suit a form that is printed, signed and stamped."""

    paper: str = "A4"
    landscape: bool = True
    fit_width: int = 1  # pages wide (0: no fitting, printed at 100%)
    repeat: str | None = None  # table whose header rows print on every page; None: the indicator table
    # left, centre, right: Jinja source rendered per unit; {page} and {pages} are the page numbers
    footer: tuple[str, str, str] = ("填报单位：{{ unit_name | default('') }}", "第{page}页 共{pages}页", "")
    center: bool = True  # centred horizontally on the paper
    entry_height: float = 24  # points: the least height of a row with cells to fill in (by hand on a printout)


@dataclass(frozen=True, slots=True)
class SheetSpec:
    path: str
    name: str  # rendered; for repeated sheets, the name of the first copy
    blocks: tuple[Block, ...]
    widths: tuple[float, ...]
    repeat: str | None = None  # data key of the list this sheet is repeated for (one sheet per item)
    name_pattern: str | None = None  # repeated sheets: Jinja source for each copy's name
    printing: PrintSpec = PrintSpec()

    @property
    def ncols(self) -> int:
        return len(self.widths)


@dataclass(frozen=True, slots=True)
class ListSpec:
    name: str
    values: tuple[str, ...]
    #: what a value means to the value grammar (">=" -> "≥", 定性指标 -> 定性), declared with `means:` or read
    #: from an unambiguous spelling; values without a meaning are absent
    meanings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    version: str
    title: str
    description: str
    source: str  # file it came from, for messages
    framework: str | None
    lists: dict[str, ListSpec]
    cascades: dict[str, dict[str, tuple[str, ...]]]  # list name -> parent value -> child values
    sheets: tuple[SheetSpec, ...]
    styles: dict[Role, Style]
    rules: tuple[Rule, ...] = ()  # parsed when the template loads (rules/params.py)
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)  # list -> alias -> canonical
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def tables(self) -> tuple[TableBlock, ...]:
        """Every table of the template, in sheet order."""
        return tuple(b for s in self.sheets for b in s.blocks if isinstance(b, TableBlock))

    def table(self, name: str) -> TableBlock:
        """The table whose data key is `name`; KeyError when there is none."""
        for tb in self.tables:
            if tb.name == name:
                return tb
        raise KeyError(name)
