"""What a rule is: a typed object registered by its kind, and the context every rule runs in.

A rule kind is a class decorated with ``@rule("sum")``: its annotated attributes are the parameters a template
gives (``{rule: sum, total: 预算数, parts: [财政资金, 其他资金]}``), parsed once when the template loads
(:mod:`.params`), so a rule's ``check`` never re-validates anything. An attribute with a default is optional.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, dataclass_transform

from ..cellmap import CellMap, DataPath
from ..report import Finding, make_finding
from ..shape import scopes
from ..spec.model import Template


@dataclass(frozen=True, slots=True)
class RuleContext:
    template: Template
    data: dict[str, Any]
    cells: CellMap
    year: int | None

    def finding(self, code: str, path: DataPath, expected: object = None, found: object = None,
                **params: object) -> Finding:
        sheet, cell = self.cells.get(path, (None, None))
        return make_finding(code, sheet, cell, expected, found, **params)

    def scopes(self, key: str) -> Iterator[tuple[DataPath, dict[str, Any]]]:
        """Each data object that holds `key` (a field or table): the top level, or each repeated item."""
        for sc in scopes(self.template):
            names = {f.field for f in sc.fields} | {tb.name for tb in sc.tables}
            if key not in names:
                continue
            if sc.key is None:
                yield (), self.data
            else:
                for i, item in enumerate(self.data.get(sc.key) or []):
                    if isinstance(item, dict):
                        yield (sc.key, i), item
            return

    def where(self, path: DataPath) -> str:
        """A value's cell as the clerk reads it (项目1!B5), for messages that point at another cell."""
        sheet, cell = self.cells.get(path, ("", ""))
        return f"{sheet}!{cell}" if sheet else ""


class Rule:
    """One declared rule, its parameters parsed. Subclasses are made by :func:`rule`."""

    kind: ClassVar[str] = ""
    #: Judges the unit's answers (completeness): meaningless on the bureau's prefill, so not run by generate.
    answers: ClassVar[bool] = False

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        raise NotImplementedError

    def problems(self) -> Iterator[tuple[str, str]]:
        """(parameter, problem) for parameters that are each fine but do not fit together; checked at load."""
        return iter(())


#: Every rule kind, by the name templates use.
REGISTRY: dict[str, type[Rule]] = {}

R = TypeVar("R", bound=type[Rule])


@dataclass_transform(frozen_default=True)
def rule(kind: str, *, answers: bool = False) -> Callable[[R], R]:
    """Class decorator: make the class a frozen dataclass of its parameters and register it as `kind`."""
    def register(cls: R) -> R:
        made: R = dataclass(frozen=True, slots=True)(cls)  # type: ignore[assignment]  # dataclass() returns the class
        made.kind, made.answers = kind, answers
        REGISTRY[kind] = made
        return made
    return register
