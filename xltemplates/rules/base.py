"""What every rule gets: the data, where each value sits (CellMap), and helpers to walk scopes and report."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..cellmap import CellMap, DataPath
from ..errors import TemplateError
from ..report import Finding, make_finding
from ..shape import scopes
from ..spec.model import RuleSpec, Template


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


def param(rule: RuleSpec, t: Template, key: str, default: object = ..., kind: type | tuple[type, ...] = str) -> Any:
    """A rule parameter, or a TemplateError naming the rule's key path."""
    if key not in rule.params:
        if default is ...:
            raise TemplateError(t.source, f"{rule.path}.{key}", f"the '{rule.kind}' rule needs '{key}'")
        return default
    value = rule.params[key]
    if not isinstance(value, kind):
        raise TemplateError(t.source, f"{rule.path}.{key}", f"expected {kind}, got {value!r}")
    return value
