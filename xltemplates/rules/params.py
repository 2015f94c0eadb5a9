"""Rule parameters, parsed once when a template loads: names become the template's own objects.

A rule's annotated attributes say what each parameter takes:

=====================  ================================================================================
``TableBlock``         the name of a table of the template -> that table
``Field``              the name of a field -> the field (its cell spec and its repeated sheet)
``Amount``             a ``number`` or ``money`` field (a sum over a text field is a template error)
``DateField``          a ``date`` field
``Decimal``            a number
``str``, ``bool``      text, true/false
``Literal[...]``       one of the given texts
``tuple[X, ...]``      a list of X
``dict[str, Any]``     a mapping
``X | None``           X, optional
=====================  ================================================================================

Every problem raises TemplateError naming the file and the key path (``rules[3].parts[1]``).
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from ..errors import TemplateError
from ..form.model import CellSpec, TableBlock, Template, ValueType
from ..shape import scopes
from .base import REGISTRY, Rule


@dataclass(frozen=True, slots=True)
class Field:
    """A field of the template, named by a rule."""

    name: str
    spec: CellSpec
    repeat: str | None  # the key of the repeated sheet it is on; None at the top level

    @property
    def decimals(self) -> int | None:
        """The decimals the form shows (money: 2 unless the field says), or None when shown as typed."""
        return self.spec.decimals


@dataclass(frozen=True, slots=True)
class Amount(Field):
    """A number or money field."""


@dataclass(frozen=True, slots=True)
class DateField(Field):
    """A field of type date."""


def half_unit(decimals: int | None) -> Decimal:
    """Half a unit in the last shown digit: what rounding to the form's precision can hide (2 -> 0.005)."""
    return Decimal(0) if decimals is None else Decimal(5).scaleb(-(decimals + 1))


def parse_rules(t: Template, raw: list[tuple[str, object]]) -> tuple[Rule, ...]:
    """`raw` is each rule's key path and its mapping from the file."""
    return tuple(_Parser(t, path).rule(node) for path, node in raw)


class _Parser:
    def __init__(self, t: Template, path: str) -> None:
        self.t, self.path = t, path
        self.fields: dict[str, Field] = {}
        self.tables: dict[str, TableBlock] = {}
        for sc in scopes(t):
            for f in sc.fields:
                self.fields[f.field or ""] = Field(f.field or "", f, sc.key)
            for tb in sc.tables:
                self.tables[tb.name] = tb

    def fail(self, path: str, problem: str) -> TemplateError:
        return TemplateError(self.t.source, path, problem)

    def rule(self, node: object) -> Rule:
        if not isinstance(node, dict):
            raise self.fail(self.path, f"expected a mapping, got {type(node).__name__}")
        kind = node.get("rule")
        cls = REGISTRY.get(str(kind))
        if cls is None:
            raise self.fail(f"{self.path}.rule", f"unknown rule {kind!r} (known: {', '.join(sorted(REGISTRY))})")
        params = dataclasses.fields(cls)  # type: ignore[arg-type]  # every registered rule is a dataclass
        names = [p.name for p in params]
        for key in node:
            if key != "rule" and key not in names:
                raise self.fail(f"{self.path}.{key}", f"unknown parameter (allowed: {', '.join(names)})")
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for p in params:
            if p.name in node:
                values[p.name] = self.value(hints[p.name], node[p.name], f"{self.path}.{p.name}")
            elif p.default is dataclasses.MISSING:
                raise self.fail(self.path, f"the '{kind}' rule needs '{p.name}'")
        made = cls(**values)
        clash = next(made.problems(), None)
        if clash is not None:
            raise self.fail(f"{self.path}.{clash[0]}", clash[1])
        return made

    def value(self, hint: Any, raw: object, path: str) -> Any:
        origin = get_origin(hint)
        if origin in (Union, types.UnionType):
            if raw is None:
                return None
            return self.value(next(a for a in get_args(hint) if a is not type(None)), raw, path)
        if origin is tuple:
            if not isinstance(raw, list):
                raise self.fail(path, f"expected a list, got {raw!r}")
            return tuple(self.value(get_args(hint)[0], x, f"{path}[{i}]") for i, x in enumerate(raw))
        if origin is dict:
            if not isinstance(raw, dict):
                raise self.fail(path, f"expected a mapping, got {raw!r}")
            return dict(raw)
        if origin is Literal:
            if raw not in get_args(hint):
                raise self.fail(path, f"expected one of {', '.join(map(str, get_args(hint)))}, got {raw!r}")
            return raw
        if hint is Decimal:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise self.fail(path, f"expected a number, got {raw!r}")
            return Decimal(str(raw))
        if hint is bool:
            if not isinstance(raw, bool):
                raise self.fail(path, f"expected true or false, got {raw!r}")
            return raw
        if not isinstance(raw, str):
            raise self.fail(path, f"expected text, got {raw!r}")
        if hint is TableBlock:
            if raw not in self.tables:
                raise self.fail(path, f"'{raw}' is not a table of this template")
            return self.tables[raw]
        if hint in (Field, Amount, DateField):
            f = self.fields.get(raw)
            if f is None:
                raise self.fail(path, f"'{raw}' is not a field of this template")
            if hint is Amount:
                if not f.spec.type.numeric:
                    raise self.fail(path, f"'{raw}' is a text field; this rule computes with numbers "
                                          "(give the field type: money or type: number)")
                return Amount(f.name, f.spec, f.repeat)
            if hint is DateField:
                if f.spec.type is not ValueType.DATE:
                    raise self.fail(path, f"'{raw}' is a {f.spec.type} field; this rule compares dates (give it type: date)")
                return DateField(f.name, f.spec, f.repeat)
            return f
        return raw
