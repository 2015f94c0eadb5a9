"""The data shape of a template: which fields and tables the prefill JSON (and the reader's output) holds.

Top-level sheets contribute their fields and tables to the top-level object; a repeated sheet
(``repeat: 项目``) contributes one object per copy to the list under its key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .form.model import VALUE_ROLES, CellSpec, GridBlock, SheetSpec, TableBlock, Template


@dataclass(slots=True)
class Scope:
    key: str | None  # None: the top level; else the repeated sheet's list key
    fields: list[CellSpec] = field(default_factory=list)
    tables: list[TableBlock] = field(default_factory=list)
    sheets: list[SheetSpec] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        """The fields that say which object a copy of a repeated sheet is (项目编码, 项目名称): see
        CellSpec.identifying. They carry over to next year and match a budget file's items to copies."""
        return [f.field or "" for f in self.fields if f.identifying]

    def empty(self) -> dict[str, object]:
        """The scope's data object with every key present and empty (a repeated sheet's item, or the top level)."""
        return {**{f.field or "": None for f in self.fields}, **{tb.name: [] for tb in self.tables}}


def scopes(t: Template) -> list[Scope]:
    out: dict[str | None, Scope] = {}
    for s in t.sheets:
        scope = out.setdefault(s.repeat, Scope(s.repeat))
        scope.sheets.append(s)
        for b in s.blocks:
            if isinstance(b, GridBlock):
                scope.fields.extend(_fields(b))
            else:
                scope.tables.append(b)
    return list(out.values())


def _fields(b: GridBlock) -> list[CellSpec]:
    return [c for row in b.rows for c in row.cells if c.role in VALUE_ROLES]


def empty_data(t: Template) -> dict[str, object]:
    """The data object with every key present and empty (the reader's canonical shape)."""
    out: dict[str, object] = {}
    for sc in scopes(t):
        if sc.key is None:
            out.update(sc.empty())
        else:
            out[sc.key] = []
    return out
