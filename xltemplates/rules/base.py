"""What a rule is: a typed object registered by its kind, and the context every rule runs in.

A rule kind is a class decorated with ``@rule("sum")``: its annotated attributes are the parameters a template
gives (``{rule: sum, total: 预算数, parts: [财政资金, 其他资金]}``), parsed once when the template loads
(:mod:`.params`), so a rule's ``check`` never re-validates anything. An attribute with a default is optional.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, dataclass_transform

from ..cellmap import CellMap, DataPath
from ..findings.report import Finding, make_finding
from ..form.model import Template
from ..layout.model import present
from ..shape import scopes
from .owner import MISSING, bureau_gave, issued_at, value_at


@dataclass(frozen=True, slots=True)
class RuleContext:
    template: Template
    data: dict[str, Any]
    cells: CellMap
    year: int | None
    issued: dict[str, Any] | None = None  # check: the grey values issued (None: unknown, e.g. no identity sheet)
    phase: str = "check"  # or "generate": the rules run on the bureau's own prefill

    def bureau(self, path: DataPath) -> bool:
        """Whether the value at `path` is the bureau's (owner.py)."""
        return bureau_gave(self.template, self.data, self.issued, self.phase, path)

    def unit_to_fill(self, paths: Iterable[DataPath]) -> bool:
        """At generate: some input is left empty for the unit (a partial prefill), so the rule is not judged."""
        return self.phase == "generate" and any(not present(value_at(self.data, p)) for p in paths)

    def changed(self, paths: Iterable[DataPath]) -> list[tuple[DataPath, Any]]:
        """The inputs whose value differs from the grey value issued there: (path, the issued value)."""
        if self.phase != "check" or self.issued is None:
            return []
        out = []
        for p in paths:
            want = issued_at(self.template, self.issued, self.data, p)
            if want is not MISSING and not self.bureau(p):
                out.append((p, want))
        return out

    def judged(self, inputs: Iterable[DataPath], code: str, path: DataPath, expected: object = None,
               found: object = None, **params: object) -> Finding:
        """The rule's finding, or, in a return where every input is the bureau's unchanged grey value, the
        bureau's own inconsistency (W-ISSUED-INCONSISTENT, worded to the bureau, not counted against the unit)."""
        f = self.finding(code, path, expected, found, **params)
        inputs = list(inputs)
        if self.phase != "check" or self.issued is None or not inputs or not all(self.bureau(p) for p in inputs):
            return f
        detail = f.message.split("] ", 1)[-1].rsplit("。请", 1)[0]
        return self.finding("W-ISSUED-INCONSISTENT", path, expected, found, detail=detail)

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
