"""Walking a template's raw YAML: the key path of every value for messages, Jinja2 rendering of strings."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import Any

import jinja2
import jinja2.meta
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TemplateError

#: Sandboxed: a template's expressions reach the context's values, never Python internals (``__class__``,
#: ``__subclasses__``, ``os``): a template file is data, and where it came from is not always the bureau's
#: own hand (issue 12).
JINJA = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)


@cache
def compile_jinja(source: str) -> jinja2.Template:
    return JINJA.from_string(source)


class Walker:
    """Walks the raw YAML, keeping the key path for messages and rendering strings with the context."""

    def __init__(self, source: str, context: Mapping[str, Any]) -> None:
        self.source, self.context = source, context

    def fail(self, path: str, problem: str) -> TemplateError:
        return TemplateError(self.source, path, problem)

    def render(self, path: str, value: object) -> str:
        text = str(value)
        if "{{" not in text and "{%" not in text:
            return text
        try:
            return compile_jinja(text).render(self.context)
        except jinja2.TemplateError as exc:
            raise self.fail(path, f"template expression failed: {exc}") from exc

    def mapping(self, path: str, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {type(value).__name__}")
        return value

    def seq(self, path: str, value: object) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {type(value).__name__}")
        return value

    def keys(self, path: str, node: dict[str, Any], allowed: set[str], required: frozenset[str] | set[str] = frozenset()) -> None:
        for k in node:
            if k not in allowed:
                raise self.fail(f"{path}.{k}" if path else str(k), f"unknown key (allowed: {', '.join(sorted(allowed))})")
        for k in required:
            if k not in node:
                raise self.fail(path, f"missing key '{k}'")

    def text(self, path: str, value: object) -> str:
        if isinstance(value, (dict, list)) or value is None:
            raise self.fail(path, "expected text")
        return self.render(path, value)

    def integer(self, path: str, value: object, low: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(path, f"expected an integer >= {low}, got {value!r}")
        return value

    def number(self, path: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise self.fail(path, f"expected a positive number, got {value!r}")
        return float(value)

    def flag(self, path: str, value: object) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {value!r}")
        return value

    def enum(self, path: str, value: object, kind: type[StrEnum]) -> Any:
        try:
            return kind(str(value))
        except ValueError:
            allowed = ", ".join(m.value for m in kind)
            raise self.fail(path, f"unknown value {value!r} (allowed: {allowed})") from None


def render_default(source: str, context: Mapping[str, Any]) -> str:
    """A cell's default for one unit (see _default)."""
    if "{{" not in source and "{%" not in source:
        return source
    return compile_jinja(source).render(context)


#: The variables a repeated sheet's own strings use: its 1-based `index` and its data `item`.
ITEM_VARIABLES = frozenset({"index", "item"})


def uses_item(source: str) -> bool:
    """Whether a template string reads its sheet's `item` or `index`, so is rendered per sheet, not at load
    (a string that does not parse is not: rendering it at load reports the error with its key path)."""
    if "{{" not in source and "{%" not in source:
        return False
    try:
        return bool(ITEM_VARIABLES & jinja2.meta.find_undeclared_variables(JINJA.parse(source)))
    except jinja2.TemplateSyntaxError:
        return False


class AnyItem(dict[str, Any]):
    """Stands for a repeated sheet's data item while checking its name: every key reads as ''."""

    def __missing__(self, key: str) -> str:
        return ""
