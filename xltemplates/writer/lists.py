"""Where each dropdown list lives: the hidden list sheet's columns and the ASCII defined names over them.

Cascades (一级 -> 二级) use one name per parent value, ``xl_<list>_<NN>`` in the parent list's order, and the
validation ``INDIRECT("xl_<list>_"&TEXT(MATCH(<parent cell>,xl_<parent list>,0),"00"))``: ASCII names work in
Excel, WPS and LibreOffice alike, Chinese defined names do not.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..a1 import a1, col_letters
from ..form.model import Template
from ..trust.identity import LIST_SHEET

INLINE_LIMIT = 255  # Excel's limit for an inline list, quotes included: "a,b,c"


@dataclass(frozen=True, slots=True)
class ListColumn:
    name: str  # defined name
    col: int
    values: tuple[str, ...]

    @property
    def ref(self) -> str:
        c = col_letters(self.col)
        return f"='{LIST_SHEET}'!${c}$2:${c}${len(self.values) + 1}"


@dataclass(frozen=True, slots=True)
class ListPlan:
    columns: tuple[ListColumn, ...]
    headers: tuple[str, ...]  # row 1 of the list sheet: the list (and parent value) each column holds

    def name(self, list_name: str) -> str:
        return f"xl_{list_name}"


def plan_lists(t: Template) -> ListPlan:
    cols: list[ListColumn] = []
    headers: list[str] = []
    for name, spec in t.lists.items():
        cols.append(ListColumn(f"xl_{name}", len(cols), spec.values))
        headers.append(name)
        cascade = t.cascades.get(name)
        if cascade:
            for i, (parent, children) in enumerate(cascade.items(), start=1):
                cols.append(ListColumn(f"xl_{name}_{i:02d}", len(cols), children))
                headers.append(f"{name}:{parent}")
    return ListPlan(tuple(cols), tuple(headers))


def parent_list(t: Template, child: str) -> str:
    """The list whose values key a cascade (the framework's level1 for level2)."""
    cascade = t.cascades[child]
    for name, spec in t.lists.items():
        if tuple(cascade) == spec.values:
            return name
    raise KeyError(child)


def source_for(t: Template, list_name: str, parent_row: int | None, parent_col: int | None) -> str:
    """The data-validation source for a list. A cascade's parent is the last 一级 typed or issued in the
    parent column from the sheet's top down to the row itself (LOOKUP(2,1/(range<>""),range)): a blank 一级
    (a spare row, any number of rows inserted among them) takes the one above, as the reader's forward fill
    does. One validation covers the whole column of the table, anchored at its first row (`parent_row`), so
    rows a clerk inserts inside it only make it longer: its first cell, to which the relative reference is
    written, never moves. The range starts at row 1, absolute: LibreOffice does not move a validation's
    absolute references when rows are inserted above them, and nothing is inserted above row 1."""
    if parent_col is not None and parent_row is not None and list_name in t.cascades:
        parent = f"xl_{parent_list(t, list_name)}"
        col = col_letters(parent_col)
        span = f"${col}$1:${col}{parent_row + 1}"
        ref = f'LOOKUP(2,1/({span}<>""),{span})'
        return f'=INDIRECT("xl_{list_name}_"&TEXT(MATCH({ref},{parent},0),"00"))'
    values = t.lists[list_name].values
    # An inline list is a quoted string in the file (<formula1>"a,b,c"</formula1>); unquoted, Excel would
    # read it as a formula (a union of names) and drop the validation.
    inline = '"' + ",".join(values) + '"'
    if len(inline) <= INLINE_LIMIT and not any("," in v or '"' in v for v in values):
        return inline
    return f"=xl_{list_name}"


MESSAGE_LIMIT = 255  # Excel's limit for a validation's error message


def error_message(t: Template, list_name: str, label: str, parent_label: str | None = None,
                  parent: str | None = None) -> str:
    """What the clerk reads when a typed value is refused. A cascaded list (二级) says to choose the parent
    (一级) first and shows the choices under `parent` when it is fixed (a grey row), else under every parent:
    the message is static, so it cannot follow a parent the clerk has yet to pick."""
    cascade = t.cascades.get(list_name) if parent_label is not None else None
    if cascade is None:
        text = f"「{label}」请从下拉列表中选择：" + "、".join(t.lists[list_name].values)
    elif parent is not None and parent in cascade:
        text = f"{parent_label}「{parent}」下的{label}可选：" + "、".join(cascade[parent]) + "。"
    else:
        groups = "；".join(f"{p}：{'、'.join(children)}" for p, children in cascade.items())
        text = f"请先在左侧选择{parent_label}，再从下拉列表中选择{label}（下拉列表只列出所选{parent_label}下的{label}）。{groups}"
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


__all__ = ["ListColumn", "ListPlan", "a1", "error_message", "parent_list", "plan_lists", "source_for"]
