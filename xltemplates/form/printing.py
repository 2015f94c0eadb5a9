"""A sheet's `print:` key: paper, orientation, fit, the table header repeated on every page, the footer,
centring and the height of rows a clerk writes in by hand (see docs/template-language.md#printing)."""

from __future__ import annotations

from typing import Any

from ..excel import PAPER_SIZES
from .model import PrintSpec, TableBlock
from .walk import Walker

_KEYS = {"paper", "landscape", "fit_width", "repeat", "footer", "center", "entry_height"}
_FOOTER_KEYS = ("left", "center", "right")


def print_spec(c: Walker, path: str, raw: object, landscape: object, tables: list[TableBlock]) -> PrintSpec:
    """The sheet's print setup; `landscape` is the sheet's own (older) `landscape:` key, or None."""
    node: dict[str, Any] = c.mapping(path, raw) if raw is not None else {}
    c.keys(path, node, _KEYS)
    if landscape is not None and "landscape" in node:
        raise c.fail(f"{path}.landscape", "say landscape once: here or on the sheet, not both")
    base = PrintSpec()
    paper = c.text(f"{path}.paper", node.get("paper", base.paper))
    if paper not in PAPER_SIZES:
        raise c.fail(f"{path}.paper", f"unknown paper {paper!r} (allowed: {', '.join(PAPER_SIZES)})")
    repeat = node.get("repeat")
    if repeat is not None and repeat not in {t.name for t in tables}:
        known = ", ".join(t.name for t in tables) or "none"
        raise c.fail(f"{path}.repeat", f"'{repeat}' is not a table of this sheet (tables: {known})")
    return PrintSpec(
        paper=paper,
        landscape=c.flag(f"{path}.landscape", node.get("landscape", base.landscape if landscape is None else landscape)),
        fit_width=c.integer(f"{path}.fit_width", node.get("fit_width", base.fit_width), 0),
        repeat=repeat,
        footer=_footer(c, f"{path}.footer", node.get("footer"), base.footer),
        center=c.flag(f"{path}.center", node.get("center", base.center)),
        entry_height=c.number(f"{path}.entry_height", node.get("entry_height", base.entry_height)),
    )


def _footer(c: Walker, path: str, raw: object, default: tuple[str, str, str]) -> tuple[str, str, str]:
    """Left, centre and right footer texts, kept as Jinja source: rendered per unit by the layout (as a
    cell's `default`), and once here so a broken expression is reported with its key path at load."""
    if raw is None:
        return default
    node = c.mapping(path, raw)
    c.keys(path, node, set(_FOOTER_KEYS))
    parts = []
    for key in _FOOTER_KEYS:
        value = node.get(key, "")
        c.text(f"{path}.{key}", value)
        parts.append(str(value))
    return parts[0], parts[1], parts[2]
