"""Default look of each role: the colours the real forms use (blue/yellow/green headers, grey prefill)."""

from __future__ import annotations

from .model import Role, Style

DEFAULT_STYLES: dict[Role, Style] = {
    Role.TITLE: Style(bold=True, size=16, align="center", border=False, font="黑体"),
    Role.INSTRUCTION: Style(font_color="#C00000", size=10, border=False),
    Role.HEADER: Style(fill="#BDD7EE", bold=True, align="center"),
    Role.REQUIRED: Style(fill="#FFE699", bold=True, align="center"),
    Role.OPTIONAL: Style(fill="#C6EFCE", bold=True, align="center"),
    Role.PREFILLED: Style(fill="#D9D9D9"),
    Role.ENTRY: Style(),
}
